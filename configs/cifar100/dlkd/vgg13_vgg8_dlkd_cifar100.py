# DLKD vgg13 -> vgg8 on CIFAR-100 (paper Table I): teacher
# 75.38, student alone 70.68, KD 72.98, CRD 74.06, DLKD 75.40 (paper's
# numbers; this implementation: not yet trained).
# Protocol, weights and views: ../../_base_/distill/cifar100_dlkd_rot4.py.
# Teacher: train configs/cifar100/teachers/vgg13_cifar100.py first.
_base_ = ['../../_base_/distill/cifar100_dlkd_rot4.py']
model = dict(
    student=dict(
        backbone=dict(_delete_=True, type='mmdlkd.CifarVGG', arch='vgg8'),
        head=dict(in_channels=512)),
    teacher=dict(
        backbone=dict(_delete_=True, type='mmdlkd.CifarVGG', arch='vgg13'),
        head=dict(in_channels=512)),
    teacher_ckpt='work_dirs/cifar100/teachers/vgg13/epoch_240.pth',
    distill=dict(
        connectors=dict(
            align=dict(in_channels=512, out_channels=512),
            corr=dict(in_channels=512, out_channels=512, hidden_channels=512),
            sup_s=dict(in_channels=512),
            sup_t=dict(in_channels=512))))
