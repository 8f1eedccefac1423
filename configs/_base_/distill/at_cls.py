# Attention transfer (Zagoruyko & Komodakis) for classifiers, as RepDistiller
# runs it for the CIFAR-100 benchmark (scripts/run_cifar_distill.sh:
# `--distill attention -a 0 -b 1000`, CE weight 1; distiller_zoo/AT.py): for
# each of the post-ReLU stage outputs ``backbone.layer1..3`` (its
# `feat[1:-1]`), the p = 2 attention map mean_c f_c^2, L2-normalised per
# image, and the mean squared difference of the two maps; weight 1000 on the
# sum of the three stages (1000 per stage). Channels may differ; no
# connector. Maps of different sizes: RepDistiller average-pools the larger
# feature map, ATLoss resizes one attention map (no config here has
# different sizes).
model = dict(
    type='mmdlkd.Distiller',
    distill=dict(
        recorders=dict(
            student=dict(
                l1='backbone.layer1',
                l2='backbone.layer2',
                l3='backbone.layer3'),
            teacher=dict(
                l1='backbone.layer1',
                l2='backbone.layer2',
                l3='backbone.layer3')),
        losses=dict(
            loss_at1=dict(type='mmdlkd.ATLoss', loss_weight=1000.0),
            loss_at2=dict(type='mmdlkd.ATLoss', loss_weight=1000.0),
            loss_at3=dict(type='mmdlkd.ATLoss', loss_weight=1000.0)),
        loss_inputs=dict(
            loss_at1=dict(s_feat='student.l1', t_feat='teacher.l1'),
            loss_at2=dict(s_feat='student.l2', t_feat='teacher.l2'),
            loss_at3=dict(s_feat='student.l3', t_feat='teacher.l3'))))
