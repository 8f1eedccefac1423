# DLKD, PSPNet R101-D8 -> R18-D8 on Cityscapes under the DLKD paper's
# protocol: 512x512 crops, 40k iterations, 4 GPUs x 2 images (total batch 8),
# SyncBN. Paper (Table IV): R18 alone 69.10, DLKD 75.73 mIoU (its own R101
# teacher, 78.56); this config's teacher is mmseg's 80k R101-D8 (79.76).
# To switch protocol, change the protocol line of ``_base_`` (see
# pspnet_r101_r18_4xb2-80k_cityscapes-512x1024.py).
# CPU runs: override every norm_cfg to BN (student and teacher).
_base_ = [
    '../_base_/distill/pspnet_r101_r18_dlkd.py',
    '../_base_/protocols/cityscapes_40k_512x512.py',  # the protocol
]
model = dict(student=dict(data_preprocessor=dict(size=_base_.crop_size)))
