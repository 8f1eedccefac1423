# DLKD + Hinton KD on Fashion-MNIST, resnet32x4 -> resnet8x4 (the paper's CIFAR
# pair, GPU-sized): the DLKD config plus KL between the tau-4 softened logits
# (weight 1) on all rows.
_base_ = ['./resnet32x4_resnet8x4_dlkd_fashion-mnist.py']
model = dict(
    distill=dict(
        recorders=dict(
            student=dict(logits='head.fc'), teacher=dict(logits='head.fc')),
        losses=dict(
            loss_kd=dict(type='mmdlkd.KDLoss', loss_weight=1.0, tau=4.0)),
        loss_inputs=dict(
            loss_kd=dict(s_logits='student.logits',
                         t_logits='teacher.logits'))))
