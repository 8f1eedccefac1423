# Relational KD (Park et al.) for classifiers, as RepDistiller runs it for
# the CIFAR-100 benchmark (scripts/run_cifar_distill.sh: `--distill rkd -a 0
# -b 1`, CE weight 1; distiller_zoo/RKD.py): smooth-L1 losses of the distance
# (weight 25, distances over their mean) and angle (weight 50) relations of
# the pooled penultimate features (its `feat[-1]`, the neck's output); weight
# 1.
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
