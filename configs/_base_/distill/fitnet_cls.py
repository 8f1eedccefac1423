# FitNet (Romero et al.) for classifiers, as RepDistiller runs it for the
# CIFAR-100 benchmark (scripts/run_cifar_distill.sh: `--distill hint -a 0
# -b 100`, CE weight 1; `--hint_layer 2`): the mean squared error between the
# teacher's and the student's middle-stage maps (`feat[2]`, the post-ReLU
# output of `backbone.layer2` of the CIFAR ResNets), the student's map passed
# through the hint regressor `ConvReg` (a convolution chosen by the two map
# sizes, 1x1 for equal sizes, then BN and ReLU; trained with the student).
# Weight 100. Pair configs set the ``hint`` connector's in_channels /
# out_channels (the two layer2 widths; in_size / out_size when the maps differ
# in size).
model = dict(
    type='mmdlkd.Distiller',
    distill=dict(
        recorders=dict(
            student=dict(feat='backbone.layer2'),
            teacher=dict(feat='backbone.layer2')),
        connectors=dict(hint=dict(type='mmdlkd.ConvRegConnector')),
        losses=dict(
            loss_fitnet=dict(type='mmdlkd.FitNetLoss', loss_weight=100.0)),
        loss_inputs=dict(
            loss_fitnet=dict(
                s_feat=('student.feat', 'hint'), t_feat='teacher.feat'))))
