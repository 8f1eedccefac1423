# tiny_resnet_digits.py with the Fashion-MNIST configs' dataset layout: the
# training images wrapped twice in mmdlkd.RandomSubset (a subset of the
# complement of a validation split, as configs/_base_/datasets/
# fashion_mnist.py), read with two views per image (mmdlkd.AugmentedViews,
# as fashion_mnist_augview.py). For the analysis tools' tests: the wrappers
# hide the pipeline, and the views are a list. Give the data root with
# train_dataloader.dataset.dataset.dataset.data_root=...
_base_ = ['./tiny_resnet_digits.py']
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
two_view_pipeline = [
    dict(type='LoadImageFromFile'),
    # two independent draws of a random shift
    dict(
        type='mmdlkd.AugmentedViews',
        transforms=[dict(type='RandomCrop', crop_size=32, padding=4)]),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='mmdlkd.RandomSubset',
        fraction=0.5,
        seed=3,
        dataset=dict(
            type='mmdlkd.RandomSubset',
            fraction=0.25,
            seed=0,
            complement=True,
            dataset=dict(
                type='CustomDataset',
                data_root='data/digits',
                data_prefix='train',
                pipeline=two_view_pipeline))))
