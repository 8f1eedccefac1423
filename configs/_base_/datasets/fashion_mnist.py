# Fashion-MNIST: 60,000 training and 10,000 test images, 28x28 grey, 10
# classes, read by mmpretrain's FashionMNIST from the extracted idx files in
# data/fashion_mnist (tools/data/prepare_fashion_mnist.py puts them there).
# Padded to 32x32 for the CIFAR KD-benchmark networks; the normalisation is
# the model's (../models/fashion_mnist_classifier.py).
# Splits:
#   train: the training images minus the validation split below, then a
#          class-stratified `train_fraction` of them (fixed by
#          train_dataloader.dataset.seed; 1.0 keeps all);
#   val:   a class-stratified, fixed 1/12 of the training images (5,000),
#          for tuning; never trained on by students;
#   test:  the 10,000 test images, read once per reported run
#          (test_mode=True: in mmpretrain 1.2.0 split='test' alone still
#          loads the training images).
dataset_type = 'FashionMNIST'
data_root = 'data/fashion_mnist'
# One fraction and seed carve the validation split and, as its complement,
# the training images: they appear twice below, so override them through
# these keys together (DatasetCheckHook refuses overlapping splits before
# training starts):
#   train_dataloader.dataset.dataset.{fraction,seed} and
#   val_dataloader.dataset.{fraction,seed}
val_fraction = 1 / 12
val_seed = 0
train_fraction = 1.0
train_pipeline = [
    # 28 + 2 * 4 = 36, cropped back to 32: a shift of up to 2 pixels
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    # 28 + 2 * 2 = 32: the crop is the whole centred, padded image
    dict(type='RandomCrop', crop_size=32, padding=2),
    dict(type='PackInputs'),
]
train_images = dict(
    type=dataset_type,
    data_root=data_root,
    split='train',
    download=False,
    # num_workers=0: no worker processes to share a serialised list with,
    # and serialising 60,000 samples costs seconds at every start
    serialize_data=False,
    pipeline=train_pipeline)
train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    # Iteration-based schedules: an endless sampler, no pause between epochs.
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='mmdlkd.RandomSubset',
        fraction=train_fraction,
        seed=0,
        dataset=dict(
            type='mmdlkd.RandomSubset',
            fraction=val_fraction,
            seed=val_seed,
            complement=True,
            dataset=train_images)))
val_dataloader = dict(
    batch_size=500,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='mmdlkd.RandomSubset',
        fraction=val_fraction,
        seed=val_seed,
        dataset=dict(train_images, pipeline=test_pipeline)))
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = dict(
    batch_size=500,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        test_mode=True,
        download=False,
        serialize_data=False,
        pipeline=test_pipeline))
test_evaluator = val_evaluator
