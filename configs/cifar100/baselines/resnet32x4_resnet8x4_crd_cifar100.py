# Baseline: CRD, in-batch variant (weight 0.8, 128-d),
# resnet32x4 -> resnet8x4 on CIFAR-100, one view per image, KD-benchmark
# protocol. Paper (Table I, numbers from SSKD/CRD): 75.90. Not yet
# trained here.
# Teacher: train configs/cifar100/teachers/resnet32x4_cifar100.py first.
_base_ = ['../../_base_/distill/cifar100_crd.py']
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
        connectors=dict(
            embed_s=dict(in_channels=256), embed_t=dict(in_channels=256))))
