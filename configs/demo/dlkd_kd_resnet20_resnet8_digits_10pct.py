# Demo: DLKD plus the Hinton KD term on logits in one run (a combination
# the paper does not try; eq. 1 relates KD to alignment through the class
# prototypes, so the two signals may add up).
_base_ = ['./dlkd_resnet20_resnet8_digits_10pct.py']
model = dict(
    distill=dict(
        recorders=dict(
            student=dict(logits='head.fc'), teacher=dict(logits='head.fc')),
        losses=dict(
            loss_kd=dict(type='mmdlkd.KDLoss', loss_weight=1.0, tau=4.0)),
        loss_inputs=dict(
            loss_kd=dict(s_logits='student.logits',
                         t_logits='teacher.logits'))))
