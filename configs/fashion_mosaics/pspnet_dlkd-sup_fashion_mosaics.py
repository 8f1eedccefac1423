# DLKD plus the supervised distillation term (label-aware InfoNCE between
# 128-d per-pixel embeddings, tau 0.07, weight 0.5, as
# configs/dlkd/pspnet_r101_r18_cityscapes_sup.py), with this pair's widths.
_base_ = ['./pspnet_dlkd_fashion_mosaics.py']
model = dict(
    distill=dict(
        connectors=dict(
            sup_s=dict(
                type='mmdlkd.LinearConnector',
                in_channels=32,
                out_channels=128),
            sup_t=dict(
                type='mmdlkd.LinearConnector',
                in_channels=64,
                out_channels=128)),
        losses=dict(
            loss_sup=dict(
                type='mmdlkd.SupConDistillLoss',
                loss_weight=0.5,
                tau=0.07,
                ignore_index=255,
                max_samples=2048)),
        loss_inputs=dict(
            loss_sup=dict(
                s_feat=('student.feat', 'sup_s'),
                t_feat=('teacher.feat', 'sup_t'),
                labels='labels'))))
