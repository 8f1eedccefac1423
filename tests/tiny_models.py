"""Tiny host models shared by the tests (``tests/`` is on ``sys.path``
through the root conftest)."""


def cls_model(base=16, num_classes=5):
    """A tiny mmpretrain ImageClassifier (ResNet_CIFAR-18, 2 stages)."""
    return dict(
        type='ImageClassifier',
        data_preprocessor=dict(
            type='ClsDataPreprocessor',
            num_classes=num_classes,
            mean=[125.3, 123.0, 113.9],
            std=[63.0, 62.1, 66.7],
            to_rgb=False),
        backbone=dict(
            type='ResNet_CIFAR',
            depth=18,
            stem_channels=16,
            base_channels=base,
            num_stages=2,
            strides=(1, 2),
            dilations=(1, 1),
            out_indices=(1, )),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead',
            num_classes=num_classes,
            in_channels=2 * base,
            loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
