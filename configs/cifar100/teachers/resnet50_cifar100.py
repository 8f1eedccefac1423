# CIFAR-100 teacher: ResNet50 (23.71M parameters with the 100-way FC),
# trained alone under the KD-benchmark protocol (240 epochs, batch 64, SGD
# lr 0.05, x0.1 at 150/180/210, wd 5e-4). The DLKD paper's teacher scores
# 79.10 (Tables I-II); those teachers are SSKD's, which were also trained
# with a rotation-prediction task, this one is an ordinary CE teacher.
# There is no public OpenMMLab checkpoint of it: train it first,
#   python tools/train.py configs/cifar100/teachers/resnet50_cifar100.py
# which writes
#   work_dirs/cifar100/teachers/resnet50/epoch_240.pth,
# the path the pair configs load
# (override with --cfg-options model.teacher_ckpt=...).
_base_ = [
    '../../_base_/models/cifar100_classifier.py',
    '../../_base_/protocols/cifar100_240e_bs64.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    _base_.cifar100_classifier,
    backbone=dict(type='ResNet_CIFAR', depth=50),
    head=dict(_base_.cifar100_classifier.head, in_channels=2048))
work_dir = 'work_dirs/cifar100/teachers/resnet50'
