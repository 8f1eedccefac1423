# CIFAR-100 with the DLKD authors' views (as in SSKD): every training image
# rotated by 0/90/180/270 degrees, each rotated copy with its own random
# crop (4-pixel padding) and flip, i.e. 4 x 64 = 256 images per step. View 0
# is the unrotated image. Pair with
# model.data_preprocessor=dict(type='mmdlkd.MultiViewDataPreprocessor') and
# model.num_views=4. Validation sees the original images only.
_base_ = ['./cifar100_bs64.py']
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(
            type='mmdlkd.RotationViews',
            angles=(0, 90, 180, 270),
            transforms=[
                dict(type='RandomCrop', crop_size=32, padding=4),
                dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            ]),
        dict(type='PackInputs'),
    ]))
