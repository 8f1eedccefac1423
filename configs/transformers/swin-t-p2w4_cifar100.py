# A Swin-T student for CIFAR-100, built from mmpretrain's own configs: the
# Swin-T model (`_base_/models/swin_transformer/tiny_224.py`) with 2x2
# patches (grids of 16x16, 8x8, 4x4 and 2x2 in the four stages for 32x32
# images), 4x4 windows (the last stage's 2x2 map is one 2x2 window, as the
# original Swin shrinks a window to a smaller map), 100 classes, and
# without its ImageNet Mixup/CutMix batch augments (the supervised
# distillation term reads one hard label per image); mmpretrain's
# CIFAR-100 data (`_base_/datasets/cifar100_bs16.py`: random crop + flip,
# 16 images per GPU, 8 GPUs = 128) and Swin's AdamW
# schedule (`_base_/schedules/imagenet_bs1024_adamw_swin.py`: lr 1e-3,
# weight decay 0.05, 20-epoch warm-up, cosine) over the 200 epochs of the
# ResNet-50 teacher's recipe (mmpretrain's resnet50_8xb16_cifar100.py).
# The student alone, and the student of
# ./resnet50_swin-t-p2w4_dlkd_cifar100.py, whose exported weights load
# into this config. Not yet trained.
#
#   tools/dist_train.sh configs/transformers/swin-t-p2w4_cifar100.py 8
_base_ = [
    'mmpretrain::_base_/models/swin_transformer/tiny_224.py',
    'mmpretrain::_base_/datasets/cifar100_bs16.py',
    'mmpretrain::_base_/schedules/imagenet_bs1024_adamw_swin.py',
    'mmpretrain::_base_/default_runtime.py',
]
model = dict(
    backbone=dict(
        img_size=32,
        patch_size=2,
        window_size=4,
        stage_cfgs=[dict(), dict(),
                    dict(), dict(window_size=2)]),
    head=dict(num_classes=100),
    train_cfg=None)
train_cfg = dict(max_epochs=200)
auto_scale_lr = dict(base_batch_size=128)
