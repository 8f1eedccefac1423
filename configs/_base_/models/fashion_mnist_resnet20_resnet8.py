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
# The model-zoo teacher (configs/fashion_mnist/metafile.yml,
# resnet20_fashion_mnist), shipped in the repository.
teacher_ckpt = 'configs/fashion_mnist/zoo/resnet20_fashion-mnist-1b509a62.pth'
