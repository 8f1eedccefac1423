# Hinton KD for classifiers: KL between temperature-softened teacher and
# student logits (the output of the head's `fc`), times tau^2, beside the
# student's own CE. Children set `student`, `teacher`, `teacher_ckpt`.
model = dict(
    type='mmdlkd.Distiller',
    distill=dict(
        recorders=dict(
            student=dict(logits='head.fc'), teacher=dict(logits='head.fc')),
        losses=dict(
            loss_kd=dict(type='mmdlkd.KDLoss', loss_weight=1.0, tau=4.0)),
        loss_inputs=dict(
            loss_kd=dict(s_logits='student.logits',
                         t_logits='teacher.logits'))))
