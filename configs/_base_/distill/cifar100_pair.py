# A CIFAR-100 teacher -> student pair without distillation losses, under the
# KD-benchmark protocol with one view per image: the base of the feature
# baselines (cifar100_{fitnet,at,sp,rkd,crd}.py add their losses). CE 1 on
# the student as in RepDistiller's runs of these methods.
_base_ = [
    '../models/cifar100_classifier.py',
    '../protocols/cifar100_240e_bs64.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    type='mmdlkd.Distiller',
    student=_base_.cifar100_classifier,
    teacher=_base_.cifar100_classifier,
    data_preprocessor=None)
