# mmpretrain's runtime for iteration-based schedules: checkpoints and logs
# counted in iterations; only the latest checkpoint is kept.
_base_ = ['mmpretrain::_base_/default_runtime.py']
log_processor = dict(by_epoch=False)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=50, max_keep_ckpts=1))
# Stop on NaN/Inf losses before they reach a checkpoint; check class counts
# and the labels of the first iterations (mmdlkd.engine.hooks).
custom_hooks = [
    dict(type='mmdlkd.NonFiniteLossHook'),
    dict(type='mmdlkd.DatasetCheckHook'),
]
