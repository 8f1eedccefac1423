# DLKD resnet56 -> resnet20 on CIFAR-100 (paper Table I): teacher
# 73.44, student alone 69.63, KD 70.66, CRD 71.68, DLKD 72.34 (paper's
# numbers; this implementation: not yet trained).
# Protocol, weights and views: ../../_base_/distill/cifar100_dlkd_rot4.py.
# Teacher: train configs/cifar100/teachers/resnet56_cifar100.py first.
_base_ = ['../../_base_/distill/cifar100_dlkd_rot4.py']
model = dict(
    student=dict(
        backbone=dict(
            _delete_=True, type='mmdlkd.CifarResNet', arch='resnet20'),
        head=dict(in_channels=64)),
    teacher=dict(
        backbone=dict(
            _delete_=True, type='mmdlkd.CifarResNet', arch='resnet56'),
        head=dict(in_channels=64)),
    teacher_ckpt='work_dirs/cifar100/teachers/resnet56/epoch_240.pth',
    distill=dict(
        connectors=dict(
            align=dict(in_channels=64, out_channels=64),
            corr=dict(in_channels=64, out_channels=64, hidden_channels=64),
            sup_s=dict(in_channels=64),
            sup_t=dict(in_channels=64))))
