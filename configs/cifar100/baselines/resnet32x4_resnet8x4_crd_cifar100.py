# Baseline: CRD as RepDistiller trains it (../../_base_/distill/crd_cls.py:
# memory banks over the training set, 16,384 negatives of other classes,
# NCE at tau 0.07, weight 0.8; scripts/run_cifar_distill.sh
# `--distill crd -a 0 -b 0.8`), resnet32x4 -> resnet8x4 on CIFAR-100, one
# view per image, KD-benchmark protocol. Paper (Table I, numbers from
# SSKD/CRD): 75.90. Not yet trained here.
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
