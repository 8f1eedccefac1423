# The Cityscapes teacher of configs/dlkd/pspnet_*: mmseg's own PSPNet
# R101-D8 (80k, 512x1024), unchanged. Its model-zoo checkpoint is the one
# the distillation configs load (configs/teachers/metafile.yml).
_base_ = ['mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py']
