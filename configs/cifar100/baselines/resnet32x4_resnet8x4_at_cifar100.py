# Baseline: attention transfer as RepDistiller's scripts/run_cifar_distill.sh
# runs it (`--distill attention -a 0 -b 1000`, CE weight 1; at_cls.py): p = 2
# attention maps of layer1, layer2 and layer3 (`feat[1:-1]`), weight 1000 on
# their sum. resnet32x4 -> resnet8x4 on CIFAR-100, one view per image,
# KD-benchmark protocol. Paper (Table I, baselines taken from SSKD): 74.26.
# Not yet trained here.
_base_ = [
    '../../_base_/distill/cifar100_at.py',
    '../../_base_/models/cifar100_resnet32x4_resnet8x4.py',
]
model = dict(
    student=_base_.resnet8x4_student,
    teacher=_base_.resnet32x4_teacher,
    teacher_ckpt=_base_.resnet32x4_ckpt)
