# DLKD on Fashion-MNIST, resnet32x4 -> resnet8x4 (the paper's CIFAR pair,
# GPU-sized): alignment (spindle r = 16, 2 - 2 cos), correlation (tau 0.5) and
# supervised distillation (tau 0.07) with the paper's weights 10 / 20 / 0.5 and
# CE 1, on two views per image (../_base_/datasets/fashion_mnist_augview.py):
# the correlation compares the N augmented rows with the N originals.
_base_ = [
    '../_base_/distill/dlkd_cls.py',
    '../_base_/models/fashion_mnist_resnet32x4_resnet8x4.py',
    '../_base_/protocols/fashion_mnist_gpu_augview.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    student=_base_.student_model,
    teacher=_base_.teacher_model,
    teacher_ckpt=_base_.teacher_ckpt,
    data_preprocessor=dict(type='mmdlkd.MultiViewDataPreprocessor'),
    num_views=2,
    distill=dict(
        connectors=dict(
            align=dict(in_channels=256, out_channels=256),
            corr=dict(in_channels=256, out_channels=256, hidden_channels=256),
            sup_s=dict(in_channels=256),
            sup_t=dict(in_channels=256))))
