# CIFAR-100 student alone: MobileV2 (0.81M parameters with the 100-way FC)
# under the KD-benchmark protocol. DLKD paper (Tables I-II): 65.79.
_base_ = [
    '../../_base_/models/cifar100_classifier.py',
    '../../_base_/protocols/cifar100_240e_bs64.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    _base_.cifar100_classifier,
    backbone=dict(type='mmdlkd.CifarMobileNetV2', widen_factor=0.5),
    head=dict(_base_.cifar100_classifier.head, in_channels=1280))
# lr 0.01 for MobileNetV2 / ShuffleNet students (the authors' scripts)
optim_wrapper = dict(optimizer=dict(lr=0.01))
