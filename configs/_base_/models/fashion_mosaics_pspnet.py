# The CPU-sized PSPNet pair of the Fashion-MNIST mosaics benchmark, as
# variables (not ``model``, nor other names that mmseg's model bases use) so
# that a config can use either alone or both inside a distiller:
# ``model = _base_.student_model`` or
# ``student=dict(_delete_=True, **_base_.student_model)``.
# Both are mmseg EncoderDecoders with a ResNetV1c-18 backbone at output
# stride 8 (dilations 1, 1, 2, 4 as mmseg's D8 models), a PSP head and an FCN
# auxiliary head, BN (not SyncBN), no pretrained weights. The teacher is
# twice as wide as the student in every layer (stem and stages 32..256 vs
# 16..128 channels; PSP head 64 vs 32 channels, auxiliary head 32 vs 16).
mosaic_norm_cfg = dict(type='BN', requires_grad=True)
# Grey canvases (3 equal channels): mean and std of the pixels of the
# default mosaics (about 71% black background) are 41 and 74.
mosaic_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[41.0] * 3,
    std=[74.0] * 3,
    bgr_to_rgb=False,
    pad_val=0,
    seg_pad_val=255,
    size=(64, 64))


def _pspnet(width: int) -> dict:
    return dict(
        type='EncoderDecoder',
        data_preprocessor=mosaic_preprocessor,
        pretrained=None,
        backbone=dict(
            type='ResNetV1c',
            depth=18,
            stem_channels=width,
            base_channels=width,
            num_stages=4,
            out_indices=(0, 1, 2, 3),
            dilations=(1, 1, 2, 4),
            strides=(1, 2, 1, 1),
            norm_cfg=mosaic_norm_cfg,
            norm_eval=False,
            style='pytorch',
            contract_dilation=True,
            init_cfg=None),
        decode_head=dict(
            type='PSPHead',
            in_channels=width * 8,
            in_index=3,
            channels=width * 2,
            pool_scales=(1, 2, 3, 6),
            dropout_ratio=0.1,
            num_classes=11,
            norm_cfg=mosaic_norm_cfg,
            align_corners=False,
            loss_decode=dict(
                type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
        auxiliary_head=dict(
            type='FCNHead',
            in_channels=width * 4,
            in_index=2,
            channels=width,
            num_convs=1,
            concat_input=False,
            dropout_ratio=0.1,
            num_classes=11,
            norm_cfg=mosaic_norm_cfg,
            align_corners=False,
            loss_decode=dict(
                type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)),
        train_cfg=dict(),
        test_cfg=dict(mode='whole'))


teacher_model = _pspnet(32)
student_model = _pspnet(16)
# Where tools/train.py leaves the teacher config of configs/fashion_mosaics/
# (default work_dir, last iteration); the suite passes its own.
teacher_checkpoint = 'work_dirs/pspnet_teacher_fashion_mosaics/iter_1600.pth'
