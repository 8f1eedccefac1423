# Teacher of the Fashion-MNIST mosaics benchmark: the wider CPU PSPNet
# (configs/_base_/models/fashion_mosaics_pspnet.py) trained from scratch,
# twice as long as the students (1600 iterations).
#   python tools/train.py \
#       configs/fashion_mosaics/pspnet_teacher_fashion_mosaics.py
# leaves work_dirs/pspnet_teacher_fashion_mosaics/iter_1600.pth, the
# checkpoint the distillation configs of this folder load by default.
_base_ = ['../_base_/protocols/fashion_mosaics_cpu.py']
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = _base_.teacher_model
max_iters = 1600
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
default_hooks = dict(checkpoint=dict(interval=max_iters))
