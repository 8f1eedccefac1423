# Hinton KD for classifiers, as RepDistiller runs it for the CIFAR-100
# benchmark (scripts/run_cifar_distill.sh: `--distill kd -r 0.1 -a 0.9 -b 0`,
# `--kd_T 4`): tau^2 * KL(softmax(t / 4) || softmax(s / 4)) between the
# logits (the output of the head's `fc`), averaged over the batch, weight 0.9,
# beside the student's own loss (its CE) at weight 0.1 (``task_loss_weight``).
# Children set `student`, `teacher`, `teacher_ckpt`.
model = dict(
    type='mmdlkd.Distiller',
    task_loss_weight=0.1,
    distill=dict(
        recorders=dict(
            student=dict(logits='head.fc'), teacher=dict(logits='head.fc')),
        losses=dict(
            loss_kd=dict(type='mmdlkd.KDLoss', loss_weight=0.9, tau=4.0)),
        loss_inputs=dict(
            loss_kd=dict(s_logits='student.logits',
                         t_logits='teacher.logits'))))
