# Demo: the 10% student distilled from the ResNet-20 teacher with Hinton KD
# at tau 4, KD weight 1 and the student's CE at weight 1 (the demo's own
# weights, which its README numbers were measured with; the benchmark configs
# use RepDistiller's KD 0.9 + CE 0.1 of kd_cls.py).
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
    teacher_ckpt={{_base_.teacher_ckpt}},
    task_loss_weight=1.0,
    distill=dict(losses=dict(loss_kd=dict(loss_weight=1.0))))
