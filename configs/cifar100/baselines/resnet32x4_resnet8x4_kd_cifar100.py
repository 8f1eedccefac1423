# Baseline: Hinton KD (tau 4, weight 1),
# resnet32x4 -> resnet8x4 on CIFAR-100, one view per image, KD-benchmark
# protocol. Paper (Table I, numbers from SSKD/CRD): 73.33. Not yet
# trained here.
_base_ = [
    '../../_base_/distill/cifar100_kd.py',
    '../../_base_/models/cifar100_resnet32x4_resnet8x4.py',
]
model = dict(
    student=_base_.resnet8x4_student,
    teacher=_base_.resnet32x4_teacher,
    teacher_ckpt=_base_.resnet32x4_ckpt)
