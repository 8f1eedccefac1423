# ImageNet teacher -> student of the DLKD paper (Table III): mmpretrain's
# ResNet-34 (frozen, its model-zoo weights, 73.62 top-1 in mmpretrain's
# metafile; the paper's torchvision teacher scores 73.31) -> mmpretrain's
# ResNet-18 (69.90 alone in mmpretrain's model zoo, 69.76 torchvision), both
# with 512-d pooled features. For distiller configs to reference as
# `_base_.student_model` / `_base_.teacher_model` / `_base_.teacher_ckpt`.
# The ImageNet normalisation is part of both models (the student's
# preprocessor is the distiller's; the teacher's equals it, so the teacher
# gets the student's batch unchanged).
imagenet_preprocessor = dict(
    type='ClsDataPreprocessor',
    num_classes=1000,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)
# = mmpretrain::_base_/models/resnet18.py, plus its preprocessor
student_model = dict(
    type='ImageClassifier',
    data_preprocessor=imagenet_preprocessor,
    backbone=dict(
        type='ResNet',
        depth=18,
        num_stages=4,
        out_indices=(3, ),
        style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=512,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
teacher_model = dict(
    cfg_path='mmpretrain::resnet/resnet34_8xb32_in1k.py',
    data_preprocessor=imagenet_preprocessor)
# resnet34_8xb32_in1k in mmpretrain's configs/resnet/metafile.yml
teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/resnet/resnet34_8xb32_in1k_20210831-f257d4e6.pth'  # noqa: E501
