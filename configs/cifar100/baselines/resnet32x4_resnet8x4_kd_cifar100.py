# Baseline: Hinton KD as RepDistiller's scripts/run_cifar_distill.sh runs it
# (`-r 0.1 -a 0.9 -b 0`, T 4: CE weight 0.1, KD weight 0.9; kd_cls.py),
# resnet32x4 -> resnet8x4 on CIFAR-100, one view per image, KD-benchmark
# protocol. Paper (Table I, baselines taken from SSKD): 73.33. Not yet
# trained here.
_base_ = [
    '../../_base_/distill/cifar100_kd.py',
    '../../_base_/models/cifar100_resnet32x4_resnet8x4.py',
]
model = dict(
    student=_base_.resnet8x4_student,
    teacher=_base_.resnet32x4_teacher,
    teacher_ckpt=_base_.resnet32x4_ckpt)
