# Baseline: Hinton KD on the logits, pixel by pixel: KL(teacher || student)
# over the 19 classes of each pixel of the 1/8-resolution
# ``decode_head.conv_seg`` outputs, averaged over all pixels of the batch.
# Temperature 1 and weight 1 as CIRKD's pixel KD (losses/kd.py
# ``CriterionKD``, batchmean over the pixel rows; train_kd.py
# ``--kd-temperature 1.0 --lambda-kd 1.``) on its 512x512 / 40k / batch-8
# Cityscapes protocol (the one the DLKD paper reports); Hinton's usual tau 4
# is one override away (model.distill.losses.loss_kd.tau=4.0).
_base_ = './pspnet_r101_r18.py'

model = dict(
    distill=dict(
        recorders=dict(
            student=dict(logits='decode_head.conv_seg'),
            teacher=dict(logits='decode_head.conv_seg')),
        losses=dict(
            loss_kd=dict(type='mmdlkd.KDLoss', tau=1.0, loss_weight=1.0)),
        loss_inputs=dict(
            loss_kd=dict(s_logits='student.logits',
                         t_logits='teacher.logits'))))
