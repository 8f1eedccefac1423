# Hinton KD (tau 4, weight 1) from the ViT of ./vit-d6-p4_fashion-mnist.py
# (mmpretrain's own ViT model config, loaded with cfg_path) into the CPU
# pair's CIFAR ResNet-8 on the CPU Fashion-MNIST protocol, one view per
# image: the baseline beside ./vit-d6-p4_resnet8_dlkd_fashion-mnist.py.
# The teacher's logits are the output of its VisionTransformerClsHead's
# linear layer, `head.layers.head`.
#
#   python tools/train.py \
#       configs/transformers/vit-d6-p4_resnet8_kd_fashion-mnist.py
_base_ = [
    '../_base_/distill/kd_cls.py',
    '../_base_/models/fashion_mnist_resnet20_resnet8.py',
    '../_base_/models/fashion_mnist_vit.py',
    '../_base_/protocols/fashion_mnist_cpu.py',
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
    distill=dict(recorders=dict(teacher=dict(logits='head.layers.head'))))
