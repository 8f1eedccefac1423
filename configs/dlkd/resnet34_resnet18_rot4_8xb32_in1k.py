# DLKD, ResNet-34 -> ResNet-18 on ImageNet with the authors' views: each
# image rotated by 0/90/180/270 degrees, each rotation with its own random
# resized crop and flip (4 x 32 images per GPU per step, so about 4x the
# compute of resnet34_resnet18_8xb32_in1k.py). CE on the originals, align
# and SupCon on all 4N rows, corr 3N rotated rows vs N originals. The
# authors' teachers were trained with rotations; mmpretrain's ResNet-34 was
# not, so whether rotations help it is a measurement. SupCon in the authors'
# code's union form (one loss over the student and teacher rows). This is
# the protocol of the paper's DLKD 72.12 (Table III). Not yet trained.
_base_ = './resnet34_resnet18_8xb32_in1k.py'
model = dict(
    data_preprocessor=dict(
        _delete_=True, type='mmdlkd.MultiViewDataPreprocessor'),
    num_views=4,
    distill=dict(losses=dict(loss_sup=dict(mode='union'))))
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'),
        dict(
            type='mmdlkd.RotationViews',
            angles=(0, 90, 180, 270),
            transforms=[
                dict(type='RandomResizedCrop', scale=224),
                dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            ]),
        dict(type='PackInputs'),
    ]))
