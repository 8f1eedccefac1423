# DLKD, PSPNet R101-D8 -> R18-D8 on Cityscapes under mmseg's protocol:
# 512x1024 crops, 80k iterations, 4 GPUs x 2 images (total batch 8), SyncBN.
# Anchors under this protocol: R101-D8 teacher 79.76, R18-D8 alone 74.87
# (mmseg model zoo), CWD 75.54 (MMRazor).
# CPU runs: override every norm_cfg to BN (student and teacher).
_base_ = [
    '../_base_/distill/pspnet_r101_r18_dlkd.py',
    '../_base_/protocols/cityscapes_80k_512x1024.py',  # the protocol
]
model = dict(student=dict(data_preprocessor=dict(size=_base_.crop_size)))
