# A CIFAR-100 classifier of the KD benchmark: one of mmdlkd's CIFAR
# backbones, global average pooling (the penultimate feature of the KD
# literature) and a 100-way linear head with CE. The CIFAR normalisation is
# part of the model, so the model normalises its own input also where it is
# the student or teacher of a distiller. The backbone here (resnet8x4, 256-d)
# is a placeholder: configs replace ``backbone`` (with ``_delete_=True``) and
# set ``head.in_channels`` to the backbone's output channels:
#   resnet8x4 / resnet32x4 256, resnet20 / resnet56 64, wrn_16_2 / wrn_40_2
#   128, wrn_40_1 64, vgg8 / vgg13 512, MobileNetV2 (x0.5) 1280,
#   ShuffleNetV1 960, ShuffleNetV2 1024, ResNet-50 (ResNet_CIFAR) 2048.
cifar100_classifier = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        num_classes=100,
        mean=[129.304, 124.070, 112.434],
        std=[68.170, 65.392, 70.418],
        to_rgb=False),
    backbone=dict(type='mmdlkd.CifarResNet', arch='resnet8x4'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=100,
        in_channels=256,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
