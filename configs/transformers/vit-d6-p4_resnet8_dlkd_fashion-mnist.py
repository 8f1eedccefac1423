# DLKD from a ViT teacher into a CNN student on Fashion-MNIST: the ViT of
# ./vit-d6-p4_fashion-mnist.py (mmpretrain's own ViT model config, loaded
# with cfg_path and sized for 32x32 grey images), frozen, into the CPU
# pair's CIFAR ResNet-8 (../fashion_mnist/resnet8_fashion-mnist.py), on the
# CPU protocol with two views per image, as
# ../fashion_mnist/resnet20_resnet8_dlkd_fashion-mnist.py does for the
# ResNet-20 teacher: alignment (spindle r = 16, 2 - 2 cos), correlation
# (tau 0.5) and supervised distillation (tau 0.07), weights 10 / 20 / 0.5
# and CE 1.
#
# Features: the student's pooled 64-d vector (its GlobalAveragePooling
# neck) and the teacher's class token after its final norm (128-d), which
# is what the ViT's backbone returns with out_type='cls_token' and what its
# head classifies: no token reshaping is needed. For the mean of the patch
# tokens instead, record
#   teacher=dict(feat=dict(source='backbone.ln1',
#                          tokens=dict(to='mean', num_extra_tokens=1)))
# (docs/own_pair.md). Connectors: align 64 -> 2048 -> 128, corr 64 -> 64 ->
# 64, sup_s 64 -> 128, sup_t 128 -> 128.
#
#   python tools/train.py \
#       configs/transformers/vit-d6-p4_resnet8_dlkd_fashion-mnist.py
_base_ = [
    '../_base_/distill/dlkd_cls.py',
    '../_base_/models/fashion_mnist_resnet20_resnet8.py',
    '../_base_/models/fashion_mnist_vit.py',
    '../_base_/protocols/fashion_mnist_cpu_augview.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
teacher_ckpt = 'work_dirs/transformers/vit-d6-p4_fashion-mnist/iter_3000.pth'
model = dict(
    student=_base_.student_model,
    teacher=dict(
        _base_.vit_overrides,
        cfg_path=_base_.vit_cfg_path,
        data_preprocessor=_base_.fashion_mnist_classifier.data_preprocessor),
    teacher_ckpt=teacher_ckpt,
    data_preprocessor=dict(type='mmdlkd.MultiViewDataPreprocessor'),
    num_views=2,
    distill=dict(
        recorders=dict(teacher=dict(feat=dict(source='backbone'))),
        connectors=dict(
            align=dict(in_channels=64, out_channels=128),
            corr=dict(in_channels=64, out_channels=64, hidden_channels=64),
            sup_s=dict(in_channels=64),
            sup_t=dict(in_channels=128))))
