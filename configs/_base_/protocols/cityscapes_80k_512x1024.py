# mmseg's Cityscapes protocol (its PSPNet model-zoo numbers): 512x1024 crops,
# 80k iterations, 4 GPUs x 2 images = total batch 8, SGD (momentum 0.9,
# weight decay 5e-4, lr 0.01, poly decay), mmseg's augmentation (random
# rescaling, cropping, flipping, PhotoMetricDistortion).
# Not a model: combine with a model base, e.g. configs/_base_/distill/*.py,
# and set the student's data_preprocessor size to ``crop_size``.
_base_ = [
    'mmseg::_base_/datasets/cityscapes.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_80k.py',
]
# Stop on NaN/Inf losses before they reach a checkpoint; check class counts
# and the labels of the first iterations (mmdlkd.engine.hooks).
custom_hooks = [
    dict(type='mmdlkd.NonFiniteLossHook'),
    dict(type='mmdlkd.DatasetCheckHook'),
]
