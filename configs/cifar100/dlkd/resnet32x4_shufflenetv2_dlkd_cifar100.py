# DLKD resnet32x4 -> ShuffleV2 on CIFAR-100 (paper Table II): teacher
# 79.63, student alone 73.12, KD 74.45, CRD 75.72, DLKD 79.54 (paper's
# numbers; this implementation: not yet trained).
# Protocol (lr 0.01), weights and views:
# ../../_base_/distill/cifar100_dlkd_rot4.py.
# Teacher: train configs/cifar100/teachers/resnet32x4_cifar100.py first.
_base_ = ['../../_base_/distill/cifar100_dlkd_rot4.py']
model = dict(
    student=dict(
        backbone=dict(
            _delete_=True, type='mmdlkd.CifarShuffleNetV2', widen_factor=1.0),
        head=dict(in_channels=1024)),
    teacher=dict(
        backbone=dict(
            _delete_=True, type='mmdlkd.CifarResNet', arch='resnet32x4'),
        head=dict(in_channels=256)),
    teacher_ckpt='work_dirs/cifar100/teachers/resnet32x4/epoch_240.pth',
    distill=dict(
        connectors=dict(
            align=dict(in_channels=1024, out_channels=256),
            corr=dict(
                in_channels=1024, out_channels=1024, hidden_channels=1024),
            sup_s=dict(in_channels=1024),
            sup_t=dict(in_channels=256))))
# lr 0.01 for MobileNetV2 / ShuffleNet students (the authors' scripts)
optim_wrapper = dict(optimizer=dict(lr=0.01))
