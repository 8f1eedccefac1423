# DLKD vgg13 -> MobileV2 on CIFAR-100 (paper Table II): teacher
# 75.38, student alone 65.79, KD 67.37, CRD 68.49, DLKD 72.52 (paper's
# numbers; this implementation: not yet trained).
# Protocol (lr 0.01), weights and views:
# ../../_base_/distill/cifar100_dlkd_rot4.py.
# Teacher: train configs/cifar100/teachers/vgg13_cifar100.py first.
_base_ = ['../../_base_/distill/cifar100_dlkd_rot4.py']
model = dict(
    student=dict(
        backbone=dict(
            _delete_=True, type='mmdlkd.CifarMobileNetV2', widen_factor=0.5),
        head=dict(in_channels=1280)),
    teacher=dict(
        backbone=dict(_delete_=True, type='mmdlkd.CifarVGG', arch='vgg13'),
        head=dict(in_channels=512)),
    teacher_ckpt='work_dirs/cifar100/teachers/vgg13/epoch_240.pth',
    distill=dict(
        connectors=dict(
            align=dict(in_channels=1280, out_channels=512),
            corr=dict(
                in_channels=1280, out_channels=1280, hidden_channels=1280),
            sup_s=dict(in_channels=1280),
            sup_t=dict(in_channels=512))))
# lr 0.01 for MobileNetV2 / ShuffleNet students (the authors' scripts)
optim_wrapper = dict(optimizer=dict(lr=0.01))
