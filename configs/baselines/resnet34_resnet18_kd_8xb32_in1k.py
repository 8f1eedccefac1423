# Baseline: Hinton KD (kd_cls.py: tau 4, KD weight 0.9, CE weight 0.1,
# RepDistiller's recipe), mmpretrain's ResNet-34 (frozen, model-zoo weights)
# -> ResNet-18 on ImageNet, the same protocol as
# configs/dlkd/resnet34_resnet18_8xb32_in1k.py (100 epochs, total batch 256).
# Paper (Table III, the row CRD's ImageNet table also has): KD 70.66 top-1
# (error 29.34). RepDistiller's public scripts cover CIFAR-100 only, so the
# weights are its CIFAR-100 ones. Not yet trained.
_base_ = [
    '../_base_/distill/kd_cls.py',
    '../_base_/models/imagenet_resnet34_resnet18.py',
    '../_base_/protocols/imagenet_100e_bs256.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    student=_base_.student_model,
    teacher=_base_.teacher_model,
    data_preprocessor=None,
    teacher_ckpt=_base_.teacher_ckpt)
