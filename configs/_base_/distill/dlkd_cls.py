# DLKD for classifiers (paper eqs. 3, 6, 7, 8) on the pooled penultimate
# feature, the output of mmpretrain's GlobalAveragePooling neck.
# Children set `student`, `teacher`, `teacher_ckpt` and the connectors'
# channels (student dim S, teacher dim T):
#   align: S -> 16*T -> T  (the "spindle" MLP, r = 16, Table VII)
#   corr:  S -> S -> S     (the correlation MLP)
#   sup_s: S -> 128, sup_t: T -> 128 (linear embeddings; the teacher's is
#          trainable, the teacher itself stays frozen)
# Weights 10 / 20 / 0.5 with CE 1 are the paper's and the authors' ImageNet
# script's. Alignment uses the authors' normalised form (2 - 2 cos), the
# scale those weights were tuned with.
model = dict(
    type='mmdlkd.Distiller',
    distill=dict(
        recorders=dict(
            student=dict(feat=dict(source='neck', index=-1)),
            teacher=dict(feat=dict(source='neck', index=-1))),
        connectors=dict(
            align=dict(type='mmdlkd.MLPConnector', hidden_ratio=16),
            corr=dict(type='mmdlkd.MLPConnector'),
            sup_s=dict(type='mmdlkd.LinearConnector', out_channels=128),
            sup_t=dict(type='mmdlkd.LinearConnector', out_channels=128)),
        losses=dict(
            loss_align=dict(
                type='mmdlkd.AlignLoss', loss_weight=10.0, normalize=True),
            loss_corr=dict(
                type='mmdlkd.CorrelationLoss', loss_weight=20.0, tau=0.5),
            loss_sup=dict(
                type='mmdlkd.SupConDistillLoss', loss_weight=0.5, tau=0.07)),
        loss_inputs=dict(
            loss_align=dict(
                s_feat=('student.feat', 'align'), t_feat='teacher.feat'),
            loss_corr=dict(
                s_feat=('student.feat', 'corr'), t_feat='teacher.feat'),
            loss_sup=dict(
                s_feat=('student.feat', 'sup_s'),
                t_feat=('teacher.feat', 'sup_t'),
                labels='labels'))))
