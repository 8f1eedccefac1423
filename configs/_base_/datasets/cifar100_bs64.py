# CIFAR-100 as the KD benchmark trains it (CRD / SSKD / DLKD): 32x32 images,
# random crop with 4-pixel padding and horizontal flip, batch 64, the
# CIFAR-100 mean/std of the KD literature.
#
# Data: the official `cifar-100-python` pickles, read by mmpretrain's
# CIFAR100 from data/cifar100/cifar-100-python/{train,test,meta}. mmpretrain
# checks every file's md5 against the official ones, so only the real files
# are accepted (the synthetic set of tools/data/make_synthetic_cifar.py is
# for tests, see docs/classification.md). download=False: nothing is
# fetched behind a training run's back; fetch the archive once with
#   python tools/train.py CONFIG \
#       --cfg-options train_dataloader.dataset.download=True
# or unpack https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz into
# data/cifar100/ yourself.
dataset_type = 'CIFAR100'
data_root = 'data/cifar100'
data_preprocessor = dict(
    type='ClsDataPreprocessor',
    num_classes=100,
    mean=[129.304, 124.070, 112.434],
    std=[68.170, 65.392, 70.418],
    # the pickled images are already RGB
    to_rgb=False)
train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        download=False,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=256,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        download=False,
        pipeline=test_pipeline))
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
