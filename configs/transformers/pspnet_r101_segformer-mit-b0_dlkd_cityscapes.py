# Pixel-level DLKD from a CNN teacher into a transformer student on
# Cityscapes: mmseg's PSPNet R101-D8 (frozen, its 80k model-zoo weights,
# 79.76 mIoU at 512x1024 in mmseg's model zoo; the teacher of
# ../dlkd/pspnet_r101_r18_cityscapes.py) into mmseg's SegFormer MiT-B0,
# with the student's own recipe: mmseg's
# segformer/segformer_mit-b0_8xb1-160k_cityscapes-1024x1024.py (its
# ImageNet-pretrained MiT-B0, 1024x1024 crops, AdamW, 160k iterations,
# 8 GPUs x 1 image; 76.54 mIoU alone in mmseg's model zoo), inherited
# unchanged.
#
# Features: the SegformerHead's fused map before its classifier, the
# output of `decode_head.fusion_conv` (256 channels at 1/4 of the input),
# and the PSPHead's bottleneck (512 channels at 1/8). Both are maps, so no
# token reshaping is needed (the MiT blocks inside the backbone give
# [N, L, C] tokens, see docs/own_pair.md). The losses bilinearly resize
# the student map to the teacher's 1/8 grid (resize_to='teacher').
# Alignment: per-pixel spindle 256 -> 512 -> 512 (hidden 1x the teacher
# dim: the student map has 4x the teacher's pixels), 2 - 2 cos, weight 10.
# Correlation: pixel-to-pixel relations within each image on 2048 random
# pixels (the same positions for both maps), tau 0.5, weight 20. CE 1 (no
# auxiliary head). The teacher and the student normalise images alike.
# Norm layers: the student's decode head uses SyncBN (mmseg's default);
# CPU runs override the norm_cfg of both models to BN. Not yet trained.
#
#   tools/dist_train.sh \
#       configs/transformers/pspnet_r101_segformer-mit-b0_dlkd_cityscapes.py 8
#
# The exported student loads into mmseg's SegFormer config above.
_base_ = 'mmseg::segformer/segformer_mit-b0_8xb1-160k_cityscapes-1024x1024.py'
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
teacher_ckpt = 'https://download.openmmlab.com/mmsegmentation/v0.5/pspnet/pspnet_r101-d8_512x1024_80k_cityscapes/pspnet_r101-d8_512x1024_80k_cityscapes_20200606_112211-e1e1100f.pth'  # noqa: E501
model = dict(
    _delete_=True,
    type='mmdlkd.Distiller',
    student=_base_.model,
    teacher=dict(
        cfg_path='mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py'
    ),
    teacher_ckpt=teacher_ckpt,
    data_preprocessor=None,
    distill=dict(
        recorders=dict(
            student=dict(feat='decode_head.fusion_conv'),
            teacher=dict(feat='decode_head.bottleneck')),
        connectors=dict(
            align=dict(
                type='mmdlkd.PixelMLPConnector',
                in_channels=256,
                out_channels=512,
                hidden_channels=512),
            corr=dict(
                type='mmdlkd.PixelMLPConnector',
                in_channels=256,
                out_channels=256,
                hidden_channels=256)),
        losses=dict(
            loss_align=dict(
                type='mmdlkd.AlignLoss', loss_weight=10.0, normalize=True),
            loss_corr=dict(
                type='mmdlkd.CorrelationLoss',
                loss_weight=20.0,
                tau=0.5,
                max_pixels=2048,
                chunk_size=None)),
        loss_inputs=dict(
            loss_align=dict(
                s_feat=('student.feat', 'align'), t_feat='teacher.feat'),
            loss_corr=dict(
                s_feat=('student.feat', 'corr'), t_feat='teacher.feat'))))
