# Baseline: PSPNet R101-D8 -> R18-D8 with channel-wise distillation (CWD) on
# the logits under mmseg's protocol (512x1024 crops, 80k iterations, 4 GPUs x
# 2 images, SyncBN), with MMRazor's weights for it (tau 1, weight 5; MMRazor
# reports 75.54 mIoU), for comparison with
# configs/dlkd/pspnet_r101_r18_4xb2-80k_cityscapes-512x1024.py.
# CPU runs: override every norm_cfg to BN (student and teacher).
_base_ = [
    '../_base_/distill/pspnet_r101_r18_cwd.py',
    '../_base_/protocols/cityscapes_80k_512x1024.py',  # the protocol
]
model = dict(
    student=dict(data_preprocessor=dict(size=_base_.crop_size)),
    distill=dict(losses=dict(loss_cwd=dict(tau=1.0, loss_weight=5.0))))
