# CIFAR-100 teacher: wrn40-2 (2.26M parameters with the 100-way FC),
# trained alone under the KD-benchmark protocol (240 epochs, batch 64, SGD
# lr 0.05, x0.1 at 150/180/210, wd 5e-4). The DLKD paper's teacher scores
# 76.46 (Tables I-II); those teachers are SSKD's, which were also trained
# with a rotation-prediction task, this one is an ordinary CE teacher.
# There is no public OpenMMLab checkpoint of it: train it first,
#   python tools/train.py configs/cifar100/teachers/wrn-40-2_cifar100.py
# which writes
#   work_dirs/cifar100/teachers/wrn-40-2/epoch_240.pth,
# the path the pair configs load
# (override with --cfg-options model.teacher_ckpt=...).
_base_ = [
    '../../_base_/models/cifar100_classifier.py',
    '../../_base_/protocols/cifar100_240e_bs64.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    _base_.cifar100_classifier,
    backbone=dict(type='mmdlkd.WideResNet', depth=40, widen_factor=2),
    head=dict(_base_.cifar100_classifier.head, in_channels=128))
work_dir = 'work_dirs/cifar100/teachers/wrn-40-2'
