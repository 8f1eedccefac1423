# CIFAR-100 student alone: resnet8x4 (1.23M parameters with the 100-way FC)
# under the KD-benchmark protocol. DLKD paper (Tables I-II): 72.51.
_base_ = [
    '../../_base_/models/cifar100_classifier.py',
    '../../_base_/protocols/cifar100_240e_bs64.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    _base_.cifar100_classifier,
    backbone=dict(type='mmdlkd.CifarResNet', arch='resnet8x4'),
    head=dict(_base_.cifar100_classifier.head, in_channels=256))
