# Baseline: CRD, in-batch variant (weight 0.8, 128-d),
# resnet32x4 -> resnet8x4 on CIFAR-100, one view per image, KD-benchmark
# protocol. Paper (Table I, numbers from SSKD/CRD): 75.90. Not yet
# trained here.
_base_ = [
    '../../_base_/distill/cifar100_crd.py',
    '../../_base_/models/cifar100_resnet32x4_resnet8x4.py',
]
model = dict(
    student=_base_.resnet8x4_student,
    teacher=_base_.resnet32x4_teacher,
    teacher_ckpt=_base_.resnet32x4_ckpt,
    distill=dict(
        connectors=dict(
            embed_s=dict(in_channels=256), embed_t=dict(in_channels=256))))
