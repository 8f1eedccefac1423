# DLKD on PSPNet R101-D8 -> R18-D8, pixel level (paper Sec. VI-C): alignment
# and correlation on the decoder feature before the 1x1 classifier, i.e. the
# output of ``decode_head.bottleneck`` (R18: 128 channels, R101: 512), at
# 1/8 of the input (64x64 pixels for a 512x512 crop, 64x128 for 512x1024).
# Total loss: CE (+ mmseg's 0.4 auxiliary CE) + 10 * align + 20 * corr
# (paper eq. 8 weights; no logit KD term).
_base_ = './pspnet_r101_r18.py'

model = dict(
    distill=dict(
        recorders=dict(
            student=dict(feat='decode_head.bottleneck'),
            teacher=dict(feat='decode_head.bottleneck')),
        connectors=dict(
            # The spindle h_phi as a per-pixel MLP (as 1x1 convolutions):
            # 128 -> 1024 -> BN -> ReLU -> 512. Hidden 2x the teacher dim,
            # not the paper's 16x: per pixel 16x costs 8x the FLOPs for a
            # difference within 0.5 pt (Table VII); docs/cityscapes.md.
            align=dict(
                type='mmdlkd.PixelMLPConnector',
                in_channels=128,
                out_channels=512,
                hidden_channels=1024),
            # The correlation MLP s_dim -> s_dim -> s_dim (with BN).
            corr=dict(
                type='mmdlkd.PixelMLPConnector',
                in_channels=128,
                out_channels=128,
                hidden_channels=128)),
        losses=dict(
            # normalize=True: the authors' form 2 - 2 cos (eq. 13), bounded in
            # [0, 4] per pixel. The paper's weight 10 was set for it; the raw
            # squared distance of eq. 3 summed over the teacher's 512
            # post-ReLU channels has an arbitrary scale (it depends on the
            # teacher's activation magnitudes) and would swamp the CE.
            loss_align=dict(
                type='mmdlkd.AlignLoss', loss_weight=10.0, normalize=True),
            # Pixel-to-pixel relations within each image (one view: the
            # self-similarity is masked), tau 0.5, weight 20. 2048 random
            # pixels per image (the same positions for teacher and student)
            # bound memory and FLOPs whatever the crop, so no row blocks
            # (chunk_size=None) are needed; a pooling grid would have to
            # follow each protocol's crop. Figures: docs/benchmarks.md.
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
