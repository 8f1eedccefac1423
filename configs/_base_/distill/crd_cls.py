# CRD (Tian et al.), in-batch variant (docs/losses.md: no memory bank, the
# other rows of the batch are the negatives), for classifiers: pooled
# penultimate features embedded to 128-d by a linear layer on each side (the
# teacher's embedding is trainable, the teacher frozen), tau 0.07, weight 0.8
# as in RepDistiller. Pair configs set embed_s / embed_t in_channels.
model = dict(
    type='mmdlkd.Distiller',
    distill=dict(
        recorders=dict(
            student=dict(feat=dict(source='neck', index=-1)),
            teacher=dict(feat=dict(source='neck', index=-1))),
        connectors=dict(
            embed_s=dict(type='mmdlkd.LinearConnector', out_channels=128),
            embed_t=dict(type='mmdlkd.LinearConnector', out_channels=128)),
        losses=dict(
            loss_crd=dict(type='mmdlkd.CRDLoss', loss_weight=0.8, tau=0.07)),
        loss_inputs=dict(
            loss_crd=dict(
                s_feat=('student.feat', 'embed_s'),
                t_feat=('teacher.feat', 'embed_t')))))
