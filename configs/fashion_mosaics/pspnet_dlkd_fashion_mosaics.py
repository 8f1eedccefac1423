# DLKD, pixel level: alignment (weight 10) and correlation (weight 20, tau
# 0.5) on the decoder features, as
# configs/_base_/distill/pspnet_r101_r18_dlkd.py configures it for Cityscapes;
# the connectors take this pair's widths (student 32, teacher 64 channels;
# spindle hidden 2x the teacher's, as there).
_base_ = [
    '../_base_/distill/pspnet_r101_r18_dlkd.py',
    '../_base_/protocols/fashion_mosaics_cpu.py',
]
model = dict(
    student=dict(_delete_=True, **_base_.student_model),
    teacher=dict(_delete_=True, **_base_.teacher_model),
    teacher_ckpt=_base_.teacher_checkpoint,
    distill=dict(
        connectors=dict(
            align=dict(in_channels=32, out_channels=64, hidden_channels=128),
            corr=dict(in_channels=32, out_channels=32, hidden_channels=32))))
