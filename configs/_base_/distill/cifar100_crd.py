# CRD (crd_cls.py: RepDistiller's recipe, memory banks over the 50,000
# training images) on a CIFAR-100 teacher -> student pair under the
# KD-benchmark protocol, one view per image. Pair configs set the
# backbones, head.in_channels, teacher_ckpt (and the connectors' channels).
_base_ = [
    './crd_cls.py',
    '../models/cifar100_classifier.py',
    '../protocols/cifar100_240e_bs64.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    student=_base_.cifar100_classifier,
    teacher=_base_.cifar100_classifier,
    data_preprocessor=None)
# the runtime's hooks and the one that sizes CRD's memory banks
custom_hooks = _base_.custom_hooks + [_base_.crd_memory_hook]
