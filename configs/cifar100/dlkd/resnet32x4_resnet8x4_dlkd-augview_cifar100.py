# DLKD resnet32x4 -> resnet8x4 on CIFAR-100 with a generic second view (a
# stronger random resized crop + colour jitter of the same image) instead
# of the authors' 4 rotations: 2 x 64 images per step instead of 4 x 64.
# The authors' teachers (SSKD's) were trained with rotations; an ordinary
# teacher has not seen rotated images, so which views transfer more is a
# measurement: compare with resnet32x4_resnet8x4_dlkd_cifar100.py.
# Paper (rotations): DLKD 77.11. This config: not yet trained.
_base_ = [
    '../../_base_/distill/cifar100_dlkd_augview.py',
    '../../_base_/models/cifar100_resnet32x4_resnet8x4.py',
]
model = dict(
    student=_base_.resnet8x4_student,
    teacher=_base_.resnet32x4_teacher,
    teacher_ckpt=_base_.resnet32x4_ckpt,
    distill=dict(
        connectors=dict(
            align=dict(in_channels=256, out_channels=256),
            corr=dict(in_channels=256, out_channels=256, hidden_channels=256),
            sup_s=dict(in_channels=256),
            sup_t=dict(in_channels=256))))
