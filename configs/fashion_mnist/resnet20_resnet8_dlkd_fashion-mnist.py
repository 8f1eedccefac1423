# DLKD on Fashion-MNIST, CIFAR ResNet-20 -> ResNet-8 (the CPU pair): alignment
# (spindle r = 16, 2 - 2 cos), correlation (tau 0.5) and supervised
# distillation (tau 0.07) with the paper's weights 10 / 20 / 0.5 and CE 1, on
# two views per image (../_base_/datasets/fashion_mnist_augview.py): the
# correlation compares the N augmented rows with the N originals.
_base_ = [
    '../_base_/distill/dlkd_cls.py',
    '../_base_/models/fashion_mnist_resnet20_resnet8.py',
    '../_base_/protocols/fashion_mnist_cpu_augview.py',
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
            align=dict(in_channels=64, out_channels=64),
            corr=dict(in_channels=64, out_channels=64, hidden_channels=64),
            sup_s=dict(in_channels=64),
            sup_t=dict(in_channels=64))))
