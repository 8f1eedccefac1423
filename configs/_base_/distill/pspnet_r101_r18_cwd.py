# Baseline: channel-wise distillation (CWD, Shu et al., ICCV 2021) on the
# logits (``decode_head.conv_seg`` outputs, 19 channels at 1/8 resolution):
# per channel a softmax over the H*W positions at temperature tau,
# tau^2 * KL(teacher || student) summed over positions and averaged over
# images and channels. tau 4, weight 3: the logit term of CIRKD's
# scripts/train_kd/train_cwd.sh (``CriterionCWD(norm_type='channel',
# divergence='kl', temperature=4.)``, ``--lambda-cwd-logit 3.``) for its
# 512x512 / 40k / batch-8 Cityscapes protocol. That script also adds CWD on
# the decoder feature (weight 50, through a 1x1 conv), pixel KD (1) and an
# adversarial term (0.001, discriminator 0.1), which this config does not.
# MMRazor's config for mmseg's 512x1024 / 80k protocol (75.54 mIoU) uses the
# logits alone at tau 1, weight 5: see
# configs/baselines/pspnet_r101_r18_cwd_4xb2-80k_cityscapes-512x1024.py.
_base_ = './pspnet_r101_r18.py'

model = dict(
    distill=dict(
        recorders=dict(
            student=dict(logits='decode_head.conv_seg'),
            teacher=dict(logits='decode_head.conv_seg')),
        losses=dict(
            loss_cwd=dict(
                type='mmdlkd.ChannelWiseDivergence', tau=4.0,
                loss_weight=3.0)),
        loss_inputs=dict(
            loss_cwd=dict(s_feat='student.logits', t_feat='teacher.logits'))))
