# Baseline on Fashion-MNIST: FitNet as RepDistiller runs it (fitnet_cls.py:
# the 32-channel layer2 maps, a 1x1 conv + BN + ReLU regressor, weight 100,
# CE 1), CIFAR ResNet-20 -> ResNet-8 (the CPU pair), one view per image.
_base_ = [
    '../_base_/distill/fitnet_cls.py',
    '../_base_/models/fashion_mnist_resnet20_resnet8.py',
    '../_base_/protocols/fashion_mnist_cpu.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    student=_base_.student_model,
    teacher=_base_.teacher_model,
    teacher_ckpt=_base_.teacher_ckpt,
    distill=dict(connectors=dict(hint=dict(in_channels=32, out_channels=32))))
