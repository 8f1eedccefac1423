# Baseline: relational KD (distance 25, angle 50),
# resnet32x4 -> resnet8x4 on CIFAR-100, one view per image, KD-benchmark
# protocol. Paper (Table I, numbers from SSKD/CRD): 74.47. Not yet
# trained here.
# Teacher: train configs/cifar100/teachers/resnet32x4_cifar100.py first.
_base_ = ['../../_base_/distill/cifar100_rkd.py']
model = dict(
    student=dict(
        backbone=dict(
            _delete_=True, type='mmdlkd.CifarResNet', arch='resnet8x4'),
        head=dict(in_channels=256)),
    teacher=dict(
        backbone=dict(
            _delete_=True, type='mmdlkd.CifarResNet', arch='resnet32x4'),
        head=dict(in_channels=256)),
    teacher_ckpt='work_dirs/cifar100/teachers/resnet32x4/epoch_240.pth')
