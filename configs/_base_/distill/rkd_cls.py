# Relational KD (Park et al.) for classifiers: distance (25) and angle
# (50) relations of the pooled penultimate features, weight 1 as in
# RepDistiller.
model = dict(
    type='mmdlkd.Distiller',
    distill=dict(
        recorders=dict(
            student=dict(feat=dict(source='neck', index=-1)),
            teacher=dict(feat=dict(source='neck', index=-1))),
        losses=dict(
            loss_rkd=dict(
                type='mmdlkd.RKDLoss',
                loss_weight=1.0,
                distance_weight=25.0,
                angle_weight=50.0)),
        loss_inputs=dict(
            loss_rkd=dict(s_feat='student.feat', t_feat='teacher.feat'))))
