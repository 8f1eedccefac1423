# The CPU-sized Fashion-MNIST pair: CIFAR ResNet-20 teacher -> ResNet-8
# student, both with 64-d pooled features, for distiller configs to use as
# `_base_.student_model` / `_base_.teacher_model`.
_base_ = ['./fashion_mnist_classifier.py']
student_model = dict(
    _base_.fashion_mnist_classifier,
    backbone=dict(type='mmdlkd.CifarResNet', arch='resnet8', in_channels=1))
teacher_model = dict(
    _base_.fashion_mnist_classifier,
    backbone=dict(
        type='mmdlkd.CifarResNet',
        arch='resnet20',
        in_channels=1,
        init_cfg=None))
# Where configs/fashion_mnist/teachers/resnet20_fashion-mnist.py leaves it.
teacher_ckpt = 'work_dirs/fashion_mnist/teachers/resnet20/iter_1500.pth'
