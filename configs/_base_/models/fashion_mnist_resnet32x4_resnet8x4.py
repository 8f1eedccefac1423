# The paper's CIFAR pair on Fashion-MNIST (GPU-sized): resnet32x4 teacher ->
# resnet8x4 student, both with 256-d pooled features, for distiller configs
# to use as `_base_.student_model` / `_base_.teacher_model`.
_base_ = ['./fashion_mnist_classifier.py']
student_model = dict(
    _base_.fashion_mnist_classifier,
    backbone=dict(type='mmdlkd.CifarResNet', arch='resnet8x4', in_channels=1),
    head=dict(_base_.fashion_mnist_classifier.head, in_channels=256))
teacher_model = dict(
    _base_.fashion_mnist_classifier,
    backbone=dict(
        type='mmdlkd.CifarResNet',
        arch='resnet32x4',
        in_channels=1,
        init_cfg=None),
    head=dict(_base_.fashion_mnist_classifier.head, in_channels=256))
# Where configs/fashion_mnist/teachers/resnet32x4_fashion-mnist.py leaves it.
teacher_ckpt = 'work_dirs/fashion_mnist/teachers/resnet32x4/iter_28200.pth'
