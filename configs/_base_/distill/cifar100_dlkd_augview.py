# DLKD on a CIFAR-100 pair as cifar100_dlkd_rot4.py (authors' CIFAR weights
# 20 / 50 / 1, CE 1, with their union-form SupCon), but with one generic
# second view per image instead of the rotations
# (../datasets/cifar100_bs64_augview.py): the correlation compares N
# augmented rows with the N originals, alignment and SupCon use all 2N
# rows, CE the originals.
_base_ = [
    './dlkd_cls.py',
    '../models/cifar100_classifier.py',
    '../protocols/cifar100_240e_bs64_augview.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    student=_base_.cifar100_classifier,
    teacher=_base_.cifar100_classifier,
    data_preprocessor=dict(type='mmdlkd.MultiViewDataPreprocessor'),
    num_views=2,
    distill=dict(
        losses=dict(
            loss_align=dict(loss_weight=20.0),
            loss_corr=dict(loss_weight=50.0),
            loss_sup=dict(loss_weight=1.0, mode='union'))))
