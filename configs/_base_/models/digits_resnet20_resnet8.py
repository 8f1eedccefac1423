# The demo's teacher (CIFAR ResNet-20) and student (CIFAR ResNet-8), both
# with 64-d pooled features, for distiller configs to reference as
# `{{_base_.student_model}}` / `{{_base_.teacher_model}}`.
student_model = dict(
    type='ImageClassifier',
    backbone=dict(type='mmdlkd.CifarResNet', arch='resnet8'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=64,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
teacher_model = dict(
    type='ImageClassifier',
    backbone=dict(type='mmdlkd.CifarResNet', arch='resnet20', init_cfg=None),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=64))
# Where `make demo` (configs/demo/teacher_resnet20_digits.py) leaves it.
teacher_ckpt = 'work_dirs/demo/teacher/iter_150.pth'
