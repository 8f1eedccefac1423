# Student alone on Fashion-MNIST: CIFAR trained with CE only, on the same
# images, views and schedule as the distilled students of its pair.
_base_ = [
    '../_base_/models/fashion_mnist_resnet20_resnet8.py',
    '../_base_/protocols/fashion_mnist_cpu.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = _base_.student_model
