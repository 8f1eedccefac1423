# Baseline on Fashion-MNIST: Hinton KD as RepDistiller runs it (tau 4, KD
# weight 0.9, CE weight 0.1; see kd_cls.py), CIFAR ResNet-20 -> ResNet-8 (the
# CPU pair), one view per image.
_base_ = [
    '../_base_/distill/kd_cls.py',
    '../_base_/models/fashion_mnist_resnet20_resnet8.py',
    '../_base_/protocols/fashion_mnist_cpu.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    student=_base_.student_model,
    teacher=_base_.teacher_model,
    teacher_ckpt=_base_.teacher_ckpt)
