# CWD (channel-wise distillation of the logits, tau 4, weight 3) from the
# teacher of this folder into the student, as
# configs/_base_/distill/pspnet_r101_r18_cwd.py configures it for Cityscapes.
_base_ = [
    '../_base_/distill/pspnet_r101_r18_cwd.py',
    '../_base_/protocols/fashion_mosaics_cpu.py',
]
model = dict(
    student=dict(_delete_=True, **_base_.student_model),
    teacher=dict(_delete_=True, **_base_.teacher_model),
    teacher_ckpt=_base_.teacher_checkpoint)
