# Cityscapes protocol of the DLKD paper (Sec. VI-C, Table IV): 512x512 crops,
# 40k iterations, total batch 8, SGD (momentum 0.9, weight decay 5e-4, lr 0.01
# with mmseg's poly decay), validation on the whole 2048x1024 val images.
# mmseg's dataset base gives 2 images per GPU: 4 GPUs x 2 = 8. On 8 GPUs set
# train_dataloader.batch_size=1 to keep the total batch at 8.
# Not a model: combine with a model base, e.g. configs/_base_/distill/*.py,
# and set the student's data_preprocessor size to ``crop_size``.
_base_ = [
    '../datasets/cityscapes_512x512.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_40k.py',
]
# Stop on NaN/Inf losses before they reach a checkpoint; check class counts
# and the labels of the first iterations (mmdlkd.engine.hooks).
custom_hooks = [
    dict(type='mmdlkd.NonFiniteLossHook'),
    dict(type='mmdlkd.DatasetCheckHook'),
]
