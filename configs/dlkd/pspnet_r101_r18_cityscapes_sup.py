# The headline plus the optional supervised distillation term (paper eq. 7):
# label-aware InfoNCE between per-pixel 128-d embeddings of the student and
# the teacher decoder features (both projections trainable, L2-normalised in
# the loss), pixel labels resized to the 1/8 feature grid with the ignore
# index (255) dropped, at most 2048 random pixels per step (the same for both
# networks), tau 0.07, weight 0.5 (paper text). Same protocol and batch as
# pspnet_r101_r18_cityscapes.py (8 GPUs x 1, total batch 8).
_base_ = './pspnet_r101_r18_cityscapes.py'

model = dict(
    distill=dict(
        connectors=dict(
            sup_s=dict(
                type='mmdlkd.LinearConnector',
                in_channels=128,
                out_channels=128),
            sup_t=dict(
                type='mmdlkd.LinearConnector',
                in_channels=512,
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
