# Baseline on Fashion-MNIST: CRD as RepDistiller trains it
# (../_base_/distill/crd_cls.py: memory banks over the training subset,
# 16,384 negatives of other classes, weight 0.8),
# resnet32x4 -> resnet8x4 (the paper's CIFAR pair, GPU-sized), one view per
# image.
_base_ = [
    '../_base_/distill/crd_cls.py',
    '../_base_/models/fashion_mnist_resnet32x4_resnet8x4.py',
    '../_base_/protocols/fashion_mnist_gpu.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    student=_base_.student_model,
    teacher=_base_.teacher_model,
    teacher_ckpt=_base_.teacher_ckpt,
    distill=dict(
        connectors=dict(
            embed_s=dict(in_channels=256), embed_t=dict(in_channels=256))))
# the runtime's hooks and the one that sizes CRD's memory banks to the
# training subset (55,000 x 128 x 2 floats, 56 MB, at train_fraction 1.0;
# 5,500 rows at the benchmark suites' 0.1)
custom_hooks = _base_.custom_hooks + [_base_.crd_memory_hook]
