# scikit-learn's handwritten digits, upsampled to 32x32 image folders by
# tools/data/make_digits_dataset.py (no download). Read by mmpretrain's
# CustomDataset; the pipeline is the CIFAR one without flips (digits are
# not mirror-symmetric).
dataset_type = 'CustomDataset'
data_root = 'data/digits'
data_preprocessor = dict(
    type='ClsDataPreprocessor',
    num_classes=10,
    mean=[127.5] * 3,
    std=[64.0] * 3,
    to_rgb=True)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    # explicit: mmpretrain's own tools/train.py defaults it to True, which
    # torch refuses with num_workers=0
    persistent_workers=False,
    # Iteration-based schedules: an endless sampler, so mmengine never pauses
    # (2 s) between the epochs of a small training set.
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=256,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix='val',
        pipeline=test_pipeline))
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
