# SKD-style pair-wise similarity of the decoder features (2x2 max-pooled
# nodes, weight 10), as configs/_base_/distill/pspnet_r101_r18_skd.py
# configures it for Cityscapes.
_base_ = [
    '../_base_/distill/pspnet_r101_r18_skd.py',
    '../_base_/protocols/fashion_mosaics_cpu.py',
]
model = dict(
    student=dict(_delete_=True, **_base_.student_model),
    teacher=dict(_delete_=True, **_base_.teacher_model),
    teacher_ckpt=_base_.teacher_checkpoint)
