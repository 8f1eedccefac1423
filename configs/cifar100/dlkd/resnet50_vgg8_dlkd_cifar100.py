# DLKD ResNet50 -> vgg8 on CIFAR-100 (paper Table II): teacher
# 79.10, student alone 70.68, KD 73.81, CRD 74.42, DLKD 76.15 (paper's
# numbers; this implementation: not yet trained).
# Protocol, weights and views: ../../_base_/distill/cifar100_dlkd_rot4.py.
# Teacher: train configs/cifar100/teachers/resnet50_cifar100.py first.
_base_ = ['../../_base_/distill/cifar100_dlkd_rot4.py']
model = dict(
    student=dict(
        backbone=dict(_delete_=True, type='mmdlkd.CifarVGG', arch='vgg8'),
        head=dict(in_channels=512)),
    teacher=dict(
        backbone=dict(_delete_=True, type='ResNet_CIFAR', depth=50),
        head=dict(in_channels=2048)),
    teacher_ckpt='work_dirs/cifar100/teachers/resnet50/epoch_240.pth',
    distill=dict(
        connectors=dict(
            align=dict(in_channels=512, out_channels=2048),
            corr=dict(in_channels=512, out_channels=512, hidden_channels=512),
            sup_s=dict(in_channels=512),
            sup_t=dict(in_channels=2048))))
