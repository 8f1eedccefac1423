# Baseline on Fashion-MNIST: similarity-preserving KD (weight 3000), CIFAR
# ResNet-20 -> ResNet-8 (the CPU pair), one view per image.
_base_ = [
    '../_base_/distill/sp_cls.py',
    '../_base_/models/fashion_mnist_resnet20_resnet8.py',
    '../_base_/protocols/fashion_mnist_cpu.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    student=_base_.student_model,
    teacher=_base_.teacher_model,
    teacher_ckpt=_base_.teacher_ckpt)
