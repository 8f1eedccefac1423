# DLKD wrn40-2 -> wrn16-2 on CIFAR-100 (paper Table I): teacher
# 76.46, student alone 73.64, KD 74.92, CRD 76.04, DLKD 77.20 (paper's
# numbers; this implementation: not yet trained).
# Protocol, weights and views: ../../_base_/distill/cifar100_dlkd_rot4.py.
# Teacher: train configs/cifar100/teachers/wrn-40-2_cifar100.py first.
_base_ = ['../../_base_/distill/cifar100_dlkd_rot4.py']
model = dict(
    student=dict(
        backbone=dict(
            _delete_=True, type='mmdlkd.WideResNet', depth=16, widen_factor=2),
        head=dict(in_channels=128)),
    teacher=dict(
        backbone=dict(
            _delete_=True, type='mmdlkd.WideResNet', depth=40, widen_factor=2),
        head=dict(in_channels=128)),
    teacher_ckpt='work_dirs/cifar100/teachers/wrn-40-2/epoch_240.pth',
    distill=dict(
        connectors=dict(
            align=dict(in_channels=128, out_channels=128),
            corr=dict(in_channels=128, out_channels=128, hidden_channels=128),
            sup_s=dict(in_channels=128),
            sup_t=dict(in_channels=128))))
