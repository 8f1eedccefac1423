# Demo: the 10% student distilled from the ResNet-20 teacher with Hinton KD.
_base_ = [
    '../_base_/distill/kd_cls.py',
    '../_base_/models/digits_resnet20_resnet8.py',
    '../_base_/datasets/digits_10pct.py',
    '../_base_/schedules/digits_demo.py',
    '../_base_/default_runtime_iters.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    student={{_base_.student_model}},
    teacher={{_base_.teacher_model}},
    teacher_ckpt={{_base_.teacher_ckpt}})
