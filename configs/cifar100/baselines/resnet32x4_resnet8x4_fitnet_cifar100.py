# Baseline: FitNet as RepDistiller's scripts/run_cifar_distill.sh runs it
# (`--distill hint -a 0 -b 100`, CE weight 1; fitnet_cls.py): MSE between the
# 128-channel 16x16 layer2 maps, the student's through a 1x1 conv + BN + ReLU
# regressor, weight 100. resnet32x4 -> resnet8x4 on CIFAR-100, one view per
# image, KD-benchmark protocol. Paper (Table I, baselines taken from SSKD):
# 74.31. Not yet trained here.
_base_ = [
    '../../_base_/distill/cifar100_fitnet.py',
    '../../_base_/models/cifar100_resnet32x4_resnet8x4.py',
]
model = dict(
    student=_base_.resnet8x4_student,
    teacher=_base_.resnet32x4_teacher,
    teacher_ckpt=_base_.resnet32x4_ckpt,
    distill=dict(
        connectors=dict(hint=dict(in_channels=128, out_channels=128))))
