# The CIFAR-100 pair resnet32x4 (teacher) -> resnet8x4 (student), both with
# 256-d pooled features, as overrides of the ``cifar100_classifier`` that a
# method base (../distill/cifar100_*.py) puts in ``model.student`` and
# ``model.teacher``. Pair configs merge them:
#   model = dict(student=_base_.resnet8x4_student,
#                teacher=_base_.resnet32x4_teacher,
#                teacher_ckpt=_base_.resnet32x4_ckpt)
resnet8x4_student = dict(
    backbone=dict(_delete_=True, type='mmdlkd.CifarResNet', arch='resnet8x4'),
    head=dict(in_channels=256))
resnet32x4_teacher = dict(
    backbone=dict(_delete_=True, type='mmdlkd.CifarResNet', arch='resnet32x4'),
    head=dict(in_channels=256))
# Written by configs/cifar100/teachers/resnet32x4_cifar100.py (train it
# first; override with --cfg-options model.teacher_ckpt=...).
resnet32x4_ckpt = 'work_dirs/cifar100/teachers/resnet32x4/epoch_240.pth'
