# Demo: the 10% student distilled from the ResNet-20 teacher with DLKD
# (alignment + correlation + supervised distillation, 64-d features).
_base_ = [
    '../_base_/distill/dlkd_cls.py',
    '../_base_/models/digits_resnet20_resnet8.py',
    '../_base_/datasets/digits_10pct.py',
    '../_base_/schedules/digits_demo.py',
    '../_base_/default_runtime_iters.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    student={{_base_.student_model}},
    teacher={{_base_.teacher_model}},
    teacher_ckpt={{_base_.teacher_ckpt}},
    distill=dict(
        connectors=dict(
            align=dict(in_channels=64, out_channels=64),
            corr=dict(in_channels=64, out_channels=64, hidden_channels=64),
            sup_s=dict(in_channels=64),
            sup_t=dict(in_channels=64))))
