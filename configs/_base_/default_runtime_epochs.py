# mmpretrain's runtime for epoch-based schedules: a checkpoint every 10
# epochs (the last two kept, plus the final epoch) and the best top-1.
_base_ = ['mmpretrain::_base_/default_runtime.py']
default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook',
        interval=10,
        max_keep_ckpts=2,
        save_last=True,
        save_best='auto'))
# Stop on NaN/Inf losses before they reach a checkpoint; check class counts
# and the labels of the first iterations (mmdlkd.engine.hooks).
custom_hooks = [
    dict(type='mmdlkd.NonFiniteLossHook'),
    dict(type='mmdlkd.DatasetCheckHook'),
]
