# CIFAR-100 with a generic second view instead of rotations: view 0 is the
# usual training view (padded random crop + flip), view 1 an independently
# drawn stronger augmentation of the same image (random resized crop of
# 20-100% of the area, flip, colour jitter, grayscale), 2 x 64 images per
# step. Pair with model.data_preprocessor=dict(
# type='mmdlkd.MultiViewDataPreprocessor') and model.num_views=2.
_base_ = ['./cifar100_bs64.py']
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(
            type='mmdlkd.AugmentedViews',
            num_extra_views=1,
            transforms=[
                dict(type='RandomCrop', crop_size=32, padding=4),
                dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            ],
            extra_transforms=[
                dict(
                    type='RandomResizedCrop',
                    scale=32,
                    crop_ratio_range=(0.2, 1.0)),
                dict(type='RandomFlip', prob=0.5, direction='horizontal'),
                dict(
                    type='RandomApply',
                    transforms=[
                        dict(
                            type='ColorJitter',
                            brightness=0.4,
                            contrast=0.4,
                            saturation=0.4,
                            hue=0.1)
                    ],
                    prob=0.8),
                dict(type='RandomGrayscale', prob=0.2, keep_channels=True),
            ]),
        dict(type='PackInputs'),
    ]))
