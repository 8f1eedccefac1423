# ImageNet protocol of the DLKD paper (Table III, PyTorch's ImageNet
# example): SGD momentum 0.9, weight decay 1e-4, lr 0.1, x0.1 at epochs
# 30/60/90, 100 epochs (the authors' script runs 120), total batch 256 =
# 8 GPUs x 32; RandomResizedCrop 224 + flip, val resize 256 / centre crop
# 224. Exactly mmpretrain's ImageNet ResNet recipe (imagenet_bs32 data,
# imagenet_bs256 schedule). Data: data/imagenet (mmpretrain's layout).
# Not a model: combine with a model or distill base.
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs32.py',
    'mmpretrain::_base_/schedules/imagenet_bs256.py',
    'mmpretrain::_base_/default_runtime.py',
]
# Stop on NaN/Inf losses before they reach a checkpoint; check class counts
# and the labels of the first iterations (mmdlkd.engine.hooks).
custom_hooks = [
    dict(type='mmdlkd.NonFiniteLossHook'),
    dict(type='mmdlkd.DatasetCheckHook'),
]
