# Baseline: mmseg's PSPNet R18-D8 trained alone under mmseg's protocol
# (512x1024 crops, 80k iterations, 4 GPUs x 2 images, SyncBN): the same
# model, data and schedule as mmseg's config
# mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py (model zoo:
# 74.87 mIoU). CPU runs: override norm_cfg to BN.
_base_ = [
    '../_base_/models/pspnet_r18-d8.py',
    '../_base_/protocols/cityscapes_80k_512x1024.py',  # the protocol
]
model = dict(data_preprocessor=dict(size=_base_.crop_size))
