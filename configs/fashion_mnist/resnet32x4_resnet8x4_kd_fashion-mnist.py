# Baseline on Fashion-MNIST: Hinton KD as RepDistiller runs it (tau 4, KD
# weight 0.9, CE weight 0.1; see kd_cls.py), resnet32x4 -> resnet8x4 (the
# paper's CIFAR pair, GPU-sized), one view per image.
_base_ = [
    '../_base_/distill/kd_cls.py',
    '../_base_/models/fashion_mnist_resnet32x4_resnet8x4.py',
    '../_base_/protocols/fashion_mnist_gpu.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    student=_base_.student_model,
    teacher=_base_.teacher_model,
    teacher_ckpt=_base_.teacher_ckpt)
