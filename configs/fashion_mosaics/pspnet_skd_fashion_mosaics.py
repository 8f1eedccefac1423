# SKD's pair-wise (2x2 max-pooled nodes of the decoder feature, weight 0.5)
# and pixel-wise (logits, T 1, weight 10 x 8 images = 80 on the per-pixel
# mean) terms, without the holistic term, as
# configs/_base_/distill/pspnet_r101_r18_skd.py configures them for
# Cityscapes (this protocol's batch is 8 images too). SKD's code trains at
# lr 0.01 (`--lr-g`) from an ImageNet-pretrained student; this protocol at
# 0.05 from scratch, where the pixel-wise term at weight 80 kills the PSP
# bottleneck (docs/results_fashion_mosaics.md).
_base_ = [
    '../_base_/distill/pspnet_r101_r18_skd.py',
    '../_base_/protocols/fashion_mosaics_cpu.py',
]
model = dict(
    student=dict(_delete_=True, **_base_.student_model),
    teacher=dict(_delete_=True, **_base_.teacher_model),
    teacher_ckpt=_base_.teacher_checkpoint)
