# Demo teacher: CIFAR ResNet-20 on the whole digits training split.
_base_ = [
    '../_base_/models/cifar_resnet_digits.py',
    '../_base_/datasets/digits.py',
    '../_base_/schedules/digits_demo.py',
    '../_base_/default_runtime_iters.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(backbone=dict(arch='resnet20'))
