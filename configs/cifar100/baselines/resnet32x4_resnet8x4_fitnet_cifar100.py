# Baseline: FitNet (weight 100, last-stage hint),
# resnet32x4 -> resnet8x4 on CIFAR-100, one view per image, KD-benchmark
# protocol. Paper (Table I, numbers from SSKD/CRD): 74.31. Not yet
# trained here.
# Teacher: train configs/cifar100/teachers/resnet32x4_cifar100.py first.
_base_ = ['../../_base_/distill/cifar100_fitnet.py']
model = dict(
    student=dict(
        backbone=dict(
            _delete_=True, type='mmdlkd.CifarResNet', arch='resnet8x4'),
        head=dict(in_channels=256)),
    teacher=dict(
        backbone=dict(
            _delete_=True, type='mmdlkd.CifarResNet', arch='resnet32x4'),
        head=dict(in_channels=256)),
    teacher_ckpt='work_dirs/cifar100/teachers/resnet32x4/epoch_240.pth',
    distill=dict(
        connectors=dict(hint=dict(in_channels=256, out_channels=256))))
