# The student: mmseg's PSPNet ResNet-18-D8 for Cityscapes, exactly as in
# mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py (SyncBN, an
# ImageNet-pretrained ResNet-18 V1c, PSP head of 128 channels, FCN auxiliary
# head), built from mmseg's PSPNet base model with its depth-18 overrides.
# The data preprocessor's ``size`` (the training crop) is set by the config
# that adds the protocol. CPU runs override every ``norm_cfg`` to BN.
_base_ = 'mmseg::_base_/models/pspnet_r50-d8.py'

model = dict(
    pretrained='open-mmlab://resnet18_v1c',
    backbone=dict(depth=18),
    decode_head=dict(in_channels=512, channels=128),
    auxiliary_head=dict(in_channels=256, channels=64))
