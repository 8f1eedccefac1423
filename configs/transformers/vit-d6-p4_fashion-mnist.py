# A ViT teacher for the Fashion-MNIST CPU pair's ResNet-8 student: the
# model of mmpretrain's own `_base_/models/vit-base-p16.py` sized for 32x32
# grey images (../_base_/models/fashion_mnist_vit.py: 4x4 patches, 128-d,
# 6 layers, 65 tokens), trained alone on the CPU protocol's training images
# (the 55,000 outside the validation split), with the optimiser ViTs are
# trained with (AdamW, lr 1e-3, weight decay 0.05, gradient clipping at
# 1.0, a 10% linear warm-up) in place of the ResNets' SGD, the protocol's
# step decay (x0.1 at 2/3 and 5/6), validated on the split at the end.
# The length has not been chosen on the validation split yet (the ResNet-20
# teacher's was). Train:
#
#   python tools/train.py configs/transformers/vit-d6-p4_fashion-mnist.py
#
# Distil it: ./vit-d6-p4_resnet8_dlkd_fashion-mnist.py (DLKD),
# ./vit-d6-p4_resnet8_kd_fashion-mnist.py (KD); the student alone is
# ../fashion_mnist/resnet8_fashion-mnist.py.
_base_ = [
    'mmpretrain::_base_/models/vit-base-p16.py',
    '../_base_/models/fashion_mnist_classifier.py',
    '../_base_/models/fashion_mnist_vit.py',
    '../_base_/protocols/fashion_mnist_cpu.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    _base_.vit_overrides,
    data_preprocessor=_base_.fashion_mnist_classifier.data_preprocessor)
max_iters = 3000
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.01,
        by_epoch=False,
        begin=0,
        end=max_iters // 10),
    dict(
        type='MultiStepLR',
        by_epoch=False,
        milestones=[max_iters * 2 // 3, max_iters * 5 // 6],
        gamma=0.1),
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
# the trained network is a transformer: no channels-last convolutions
custom_hooks = [
    dict(type='mmdlkd.NonFiniteLossHook'),
    dict(type='mmdlkd.DatasetCheckHook'),
]
work_dir = 'work_dirs/transformers/vit-d6-p4_fashion-mnist'
