# Hinton KD (tau 4, weight 1, CE 1) on a CIFAR-100 pair under the
# KD-benchmark protocol, one view per image. Pair configs set the backbones,
# head.in_channels and teacher_ckpt.
_base_ = [
    './kd_cls.py',
    '../models/cifar100_classifier.py',
    '../protocols/cifar100_240e_bs64.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    student=_base_.cifar100_classifier,
    teacher=_base_.cifar100_classifier,
    data_preprocessor=None)
