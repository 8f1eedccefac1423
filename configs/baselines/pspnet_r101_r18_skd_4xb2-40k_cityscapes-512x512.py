# Baseline: PSPNet R101-D8 -> R18-D8 with SKD's pair-wise (weight 0.5, 2x2
# nodes of the decoder feature) and pixel-wise (weight 10 on the batch sum
# over H*W) terms as SKD's code sets them, without its holistic term (see
# configs/_base_/distill/pspnet_r101_r18_skd.py),
# under the DLKD paper's protocol (512x512 crops, 40k iterations, 4 GPUs x 2
# images, SyncBN), for side-by-side comparison with
# configs/dlkd/pspnet_r101_r18_4xb2-40k_cityscapes-512x512.py.
# CPU runs: override every norm_cfg to BN (student and teacher).
_base_ = [
    '../_base_/distill/pspnet_r101_r18_skd.py',
    '../_base_/protocols/cityscapes_40k_512x512.py',  # the protocol
]
model = dict(student=dict(data_preprocessor=dict(size=_base_.crop_size)))
