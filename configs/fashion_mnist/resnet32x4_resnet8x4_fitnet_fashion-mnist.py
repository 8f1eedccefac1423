# Baseline on Fashion-MNIST: FitNet as RepDistiller runs it (fitnet_cls.py:
# the 128-channel layer2 maps, a 1x1 conv + BN + ReLU regressor, weight 100,
# CE 1), resnet32x4 -> resnet8x4 (the paper's CIFAR pair, GPU-sized), one
# view per image.
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
        connectors=dict(hint=dict(in_channels=128, out_channels=128))))
