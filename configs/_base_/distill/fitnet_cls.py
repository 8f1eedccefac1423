# FitNet (Romero et al.) for classifiers: mean squared error between the
# teacher's last feature map and the student's, projected per pixel by a
# 1x1 linear regressor (``hint``, S -> T channels; maps of different size are
# resized to the teacher's). Weight 100 as in RepDistiller, whose hint is
# the middle stage; here it is the last stage, which every network of the
# benchmark has under the same name (``backbone`` output). Pair configs set
# ``hint`` in_channels / out_channels.
model = dict(
    type='mmdlkd.Distiller',
    distill=dict(
        recorders=dict(
            student=dict(feat=dict(source='backbone', index=-1)),
            teacher=dict(feat=dict(source='backbone', index=-1))),
        connectors=dict(hint=dict(type='mmdlkd.LinearConnector')),
        losses=dict(
            loss_fitnet=dict(type='mmdlkd.FitNetLoss', loss_weight=100.0)),
        loss_inputs=dict(
            loss_fitnet=dict(
                s_feat=('student.feat', 'hint'), t_feat='teacher.feat'))))
