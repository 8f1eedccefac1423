# Transfer probe of the Fashion-MNIST CPU pair's students (paper Tables
# IX/X): the frozen ResNet-8 student's pooled 64-d feature, read on
# scikit-learn's handwritten digits (a data set no student trained on),
# written at 28x28 like Fashion-MNIST (tools/data/make_digits_dataset.py
# data/digits_28 --size 28), read grey and padded to the students' 32x32
# input, normalised as their Fashion-MNIST input; a linear classifier is
# trained on the
# digits' train split and scored on its val split by
# tools/analysis/linear_probe.py. Only the dataloaders are used: the model is
# the plain student.
_base_ = ['../resnet8_fashion-mnist.py']
data_root = 'data/digits_28'
probe_pipeline = [
    dict(type='LoadImageFromFile', color_type='grayscale'),
    dict(type='RandomCrop', crop_size=32, padding=2),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    _delete_=True,
    batch_size=256,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='CustomDataset',
        data_root=data_root,
        data_prefix='train',
        pipeline=probe_pipeline))
val_dataloader = dict(
    _delete_=True,
    batch_size=256,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='CustomDataset',
        data_root=data_root,
        data_prefix='val',
        pipeline=probe_pipeline))
test_dataloader = val_dataloader
