# Control of the Fashion-MNIST CPU pair: KD as
# resnet20_resnet8_kd_fashion-mnist.py (RepDistiller's recipe: KD 0.9 at
# tau 4, CE 0.1), on the same two views per image as DLKD
# (../_base_/datasets/fashion_mnist_augview.py): CE on the original view,
# KD on the logits of both views. Against the one-view KD it measures what
# the second view gives KD.
_base_ = [
    '../_base_/distill/kd_cls.py',
    '../_base_/models/fashion_mnist_resnet20_resnet8.py',
    '../_base_/protocols/fashion_mnist_cpu_augview.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    student=_base_.student_model,
    teacher=_base_.teacher_model,
    teacher_ckpt=_base_.teacher_ckpt,
    data_preprocessor=dict(type='mmdlkd.MultiViewDataPreprocessor'),
    num_views=2)
