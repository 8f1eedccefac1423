# Student alone on Fashion-MNIST: resnet8x4 trained with CE only, on the same
# images, views and schedule as the distilled students of its pair.
_base_ = [
    '../_base_/models/fashion_mnist_resnet32x4_resnet8x4.py',
    '../_base_/protocols/fashion_mnist_gpu.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = _base_.student_model
