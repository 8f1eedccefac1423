# A tiny distiller on the digits image folder, for CPU reliability tests:
# a CIFAR ResNet-8 teacher (its checkpoint is written by the test and given
# with --cfg-options model.teacher_ckpt=...) and a CIFAR ResNet-8 student,
# distilled with KD on the logits and an aligned pooled feature.
# Data, pipelines and optimizer: those of tiny_resnet_digits.py.
_base_ = ['./tiny_resnet_digits.py']
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
classifier = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        num_classes=10,
        mean=[127.5] * 3,
        std=[64.0] * 3,
        to_rgb=True),
    backbone=dict(type='mmdlkd.CifarResNet', arch='resnet8'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=64,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
model = dict(
    _delete_=True,
    type='mmdlkd.Distiller',
    student=classifier,
    teacher=classifier,
    # random unless a test gives model.teacher_ckpt
    random_teacher=True,
    distill=dict(
        recorders=dict(
            student=dict(feat=dict(source='neck', index=-1), logits='head.fc'),
            teacher=dict(feat=dict(source='neck', index=-1),
                         logits='head.fc')),
        connectors=dict(
            align=dict(
                type='mmdlkd.LinearConnector', in_channels=64,
                out_channels=64)),
        losses=dict(
            loss_kd=dict(type='mmdlkd.KDLoss', tau=4.0, loss_weight=1.0),
            loss_align=dict(type='mmdlkd.AlignLoss', loss_weight=1.0)),
        loss_inputs=dict(
            loss_kd=dict(s_logits='student.logits', t_logits='teacher.logits'),
            loss_align=dict(
                s_feat=('student.feat', 'align'), t_feat='teacher.feat'))))
param_scheduler = dict(
    _delete_=True,
    type='MultiStepLR',
    by_epoch=False,
    milestones=[6, 10],
    gamma=0.1)
train_cfg = dict(by_epoch=False, max_iters=12, val_interval=100)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=4))
custom_hooks = [
    dict(type='mmdlkd.NonFiniteLossHook'),
    dict(type='mmdlkd.DatasetCheckHook')
]
randomness = dict(seed=0, deterministic=True)
