# Baseline: mmseg's PSPNet R18-D8 trained alone under the DLKD paper's
# protocol (512x512 crops, 40k iterations, 4 GPUs x 2 images, SyncBN).
# Paper (Table IV): 69.10 mIoU. CPU runs: override norm_cfg to BN.
_base_ = [
    '../_base_/models/pspnet_r18-d8.py',
    '../_base_/protocols/cityscapes_40k_512x512.py',  # the protocol
]
model = dict(data_preprocessor=dict(size=_base_.crop_size))
