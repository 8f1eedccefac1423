# Attention transfer (Zagoruyko & Komodakis) for classifiers: the
# spatial attention maps of the three stages ``backbone.layer1..3`` (CIFAR
# ResNets, WRNs, ShuffleNets), weight 1000 per stage as RepDistiller's beta
# over the sum of the stages. Channels may differ; no connector.
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
