# Baseline: relational KD as RepDistiller's scripts/run_cifar_distill.sh
# runs it (`--distill rkd -a 0 -b 1`, CE weight 1; rkd_cls.py): distance (25)
# and angle (50) relations of the pooled features (`feat[-1]`), weight 1.
# resnet32x4 -> resnet8x4 on CIFAR-100, one view per image, KD-benchmark
# protocol. Paper (Table I, baselines taken from SSKD): 74.47. Not yet
# trained here.
_base_ = [
    '../../_base_/distill/cifar100_rkd.py',
    '../../_base_/models/cifar100_resnet32x4_resnet8x4.py',
]
model = dict(
    student=_base_.resnet8x4_student,
    teacher=_base_.resnet32x4_teacher,
    teacher_ckpt=_base_.resnet32x4_ckpt)
