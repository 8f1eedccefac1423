# Fashion-MNIST (./fashion_mnist.py) with a second, independently augmented
# view of every training image for DLKD's correlation term: view 0 is the
# usual training view (shifted, flipped), view 1 a random resized crop of
# 35-100% of the area scaled to 32x32, flipped. 2 x 64 images per step.
# Pair with model.data_preprocessor=dict(
# type='mmdlkd.MultiViewDataPreprocessor') and model.num_views=2.
# Validation and test see the original images only.
_base_ = ['./fashion_mnist.py']
train_dataloader = dict(
    dataset=dict(
        dataset=dict(
            dataset=dict(pipeline=[
                dict(
                    type='mmdlkd.AugmentedViews',
                    num_extra_views=1,
                    transforms=[
                        dict(type='RandomCrop', crop_size=32, padding=4),
                        dict(
                            type='RandomFlip',
                            prob=0.5,
                            direction='horizontal'),
                    ],
                    extra_transforms=[
                        dict(
                            type='RandomResizedCrop',
                            scale=32,
                            crop_ratio_range=(0.35, 1.0)),
                        dict(
                            type='RandomFlip',
                            prob=0.5,
                            direction='horizontal'),
                    ]),
                dict(type='PackInputs'),
            ]))))
