# Demo student alone: CIFAR ResNet-8 on 10% of the digits training split.
_base_ = [
    '../_base_/models/cifar_resnet_digits.py',
    '../_base_/datasets/digits_10pct.py',
    '../_base_/schedules/digits_demo.py',
    '../_base_/default_runtime_iters.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
