# Baseline: PSPNet R101-D8 -> R18-D8 with channel-wise distillation (CWD)
# on the logits (tau 4, weight 3),
# under the DLKD paper's protocol (512x512 crops, 40k iterations, 4 GPUs x 2
# images, SyncBN), for side-by-side comparison with
# configs/dlkd/pspnet_r101_r18_4xb2-40k_cityscapes-512x512.py.
# CPU runs: override every norm_cfg to BN (student and teacher).
_base_ = [
    '../_base_/distill/pspnet_r101_r18_cwd.py',
    '../_base_/protocols/cityscapes_40k_512x512.py',  # the protocol
]
model = dict(student=dict(data_preprocessor=dict(size=_base_.crop_size)))
