# Similarity-preserving KD (Tung & Mori) for classifiers: the batch
# Gram matrices of the last feature maps, weight 3000 as in RepDistiller.
model = dict(
    type='mmdlkd.Distiller',
    distill=dict(
        recorders=dict(
            student=dict(feat=dict(source='backbone', index=-1)),
            teacher=dict(feat=dict(source='backbone', index=-1))),
        losses=dict(loss_sp=dict(type='mmdlkd.SPLoss', loss_weight=3000.0)),
        loss_inputs=dict(
            loss_sp=dict(s_feat='student.feat', t_feat='teacher.feat'))))
