# A CIFAR-style ResNet classifier for the 10 digit classes; children set
# `model.backbone.arch` and `model.head.in_channels`.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='mmdlkd.CifarResNet', arch='resnet8'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=64,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
