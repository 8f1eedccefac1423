# DLKD + Hinton KD, resnet32x4 -> resnet8x4 on CIFAR-100: the rotation DLKD
# config plus KL between the tau-4 softened logits (weight 1) on all 4N
# rows. Not in the paper; its eq. 1 relates KD to alignment through the
# class prototypes, so the two signals may add up. Not yet trained.
_base_ = ['./resnet32x4_resnet8x4_dlkd_cifar100.py']
model = dict(
    distill=dict(
        recorders=dict(
            student=dict(logits='head.fc'), teacher=dict(logits='head.fc')),
        losses=dict(
            loss_kd=dict(type='mmdlkd.KDLoss', loss_weight=1.0, tau=4.0)),
        loss_inputs=dict(
            loss_kd=dict(s_logits='student.logits',
                         t_logits='teacher.logits'))))
