# mmseg's Cityscapes dataset with the DLKD paper's training crops: 512x512
# crops of images randomly rescaled around 2048x1024 (ratio 0.5-2.0) and
# randomly flipped. The paper names only random scaling and flipping (as does
# the CIRKD code base whose 512x512 / 40k / batch-8 protocol it follows), so
# mmseg's PhotoMetricDistortion is left out. Validation is mmseg's: whole
# 2048x1024 images.
_base_ = 'mmseg::_base_/datasets/cityscapes.py'

crop_size = (512, 512)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(2048, 1024),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
