# CPU protocol of the Fashion-MNIST mosaics benchmark: 64x64 canvases, batch
# 8, SGD (momentum 0.9, weight decay 5e-4, lr 0.05 with mmseg's poly decay),
# 800 iterations (the teacher config: 1600), one validation (val mosaics) at
# the end, mIoU.
# 800 x batch 8: DLKD measured 0.17 CPU-s/iter (student 0.10, teacher 0.27)
# on the 2-core machine, so teacher + 6 methods x 3 seeds take ~30 min at
# --jobs 2 (docs/results_fashion_mosaics.md).
# Not a model: combine with configs/_base_/models/fashion_mosaics_pspnet.py
# (teacher_model / student_model) or a distiller base.
_base_ = [
    '../datasets/fashion_mosaics.py',
    '../models/fashion_mosaics_pspnet.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_40k.py',
]
max_iters = 800
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=max_iters, max_keep_ckpts=1),
    # no per-image prediction drawings
    visualization=dict(draw=False))
# Stop on NaN/Inf losses before they reach a checkpoint; check class counts
# and the labels of the first iterations (mmdlkd.engine.hooks).
custom_hooks = [
    dict(type='mmdlkd.NonFiniteLossHook'),
    dict(type='mmdlkd.DatasetCheckHook'),
]
