# Baseline: similarity-preserving KD as RepDistiller's
# scripts/run_cifar_distill.sh runs it (`--distill similarity -a 0 -b 3000`,
# CE weight 1; sp_cls.py): batch Gram matrices of the layer3 maps
# (`feat[-2]`), weight 3000. resnet32x4 -> resnet8x4 on CIFAR-100, one view
# per image, KD-benchmark protocol. Paper (Table I, baselines taken from
# SSKD): 74.74. Not yet trained here.
_base_ = [
    '../../_base_/distill/cifar100_sp.py',
    '../../_base_/models/cifar100_resnet32x4_resnet8x4.py',
]
model = dict(
    student=_base_.resnet8x4_student,
    teacher=_base_.resnet32x4_teacher,
    teacher_ckpt=_base_.resnet32x4_ckpt)
