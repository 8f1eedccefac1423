# CIFAR-100 student alone: vgg8 (3.97M parameters with the 100-way FC)
# under the KD-benchmark protocol. DLKD paper (Tables I-II): 70.68.
_base_ = [
    '../../_base_/models/cifar100_classifier.py',
    '../../_base_/protocols/cifar100_240e_bs64.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    _base_.cifar100_classifier,
    backbone=dict(type='mmdlkd.CifarVGG', arch='vgg8'),
    head=dict(_base_.cifar100_classifier.head, in_channels=512))
