# Baseline on Fashion-MNIST: FitNet (last-stage hint, weight 100), resnet32x4
# -> resnet8x4 (the paper's CIFAR pair, GPU-sized), one view per image.
_base_ = [
    '../_base_/distill/fitnet_cls.py',
    '../_base_/models/fashion_mnist_resnet32x4_resnet8x4.py',
    '../_base_/protocols/fashion_mnist_gpu.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    student=_base_.student_model,
    teacher=_base_.teacher_model,
    teacher_ckpt=_base_.teacher_ckpt,
    distill=dict(
        connectors=dict(hint=dict(in_channels=256, out_channels=256))))
