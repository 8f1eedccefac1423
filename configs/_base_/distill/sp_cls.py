# Similarity-preserving KD (Tung & Mori) for classifiers, as RepDistiller
# runs it for the CIFAR-100 benchmark (scripts/run_cifar_distill.sh:
# `--distill similarity -a 0 -b 3000`, CE weight 1; distiller_zoo/SP.py): the
# batch Gram matrices of the last stage's post-ReLU maps (its `feat[-2]`, the
# backbone's output), each row L2-normalised, squared Frobenius distance over
# b^2; weight 3000.
model = dict(
    type='mmdlkd.Distiller',
    distill=dict(
        recorders=dict(
            student=dict(feat=dict(source='backbone', index=-1)),
            teacher=dict(feat=dict(source='backbone', index=-1))),
        losses=dict(loss_sp=dict(type='mmdlkd.SPLoss', loss_weight=3000.0)),
        loss_inputs=dict(
            loss_sp=dict(s_feat='student.feat', t_feat='teacher.feat'))))
