# A Fashion-MNIST classifier of the KD benchmark's kind: a CIFAR backbone
# with a grey (1-channel) stem, global average pooling and a 10-way linear
# head with CE. The normalisation (the training images' mean and std) is
# part of the model, so it also applies where the model is a distiller's
# student or teacher. Configs replace ``backbone.arch`` and set
# ``head.in_channels`` to the backbone's output channels (resnet8/20 64,
# resnet8x4/32x4 256).
fashion_mnist_classifier = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        num_classes=10,
        mean=[72.94],
        std=[90.0],
        to_rgb=False),
    backbone=dict(type='mmdlkd.CifarResNet', arch='resnet8', in_channels=1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=64,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
