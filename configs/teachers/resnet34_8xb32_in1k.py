# The ImageNet teacher of configs/dlkd/resnet34_resnet18_*: mmpretrain's own
# ResNet-34, unchanged. Its model-zoo checkpoint is the one the distillation
# configs load (configs/teachers/metafile.yml).
_base_ = ['mmpretrain::resnet/resnet34_8xb32_in1k.py']
