# A ViT sized for Fashion-MNIST (28x28 grey, padded to 32x32): mmpretrain's
# own ViT model config (`mmpretrain::_base_/models/vit-base-p16.py`:
# VisionTransformer with a class token, VisionTransformerClsHead) with
# 4x4 patches (an 8x8 grid + the class token = 65 tokens), 128-d embeddings,
# 6 layers of 4 heads, an MLP of 256 and a grey stem. The teacher config
# (configs/transformers/vit-d6-p4_fashion-mnist.py) merges `vit_overrides`
# into that model; the distiller configs load the same model with
# `teacher=dict(vit_overrides, cfg_path=vit_cfg_path)`, so a checkpoint of
# the one loads into the other. Both add the Fashion-MNIST classifiers'
# normalisation (`fashion_mnist_classifier.data_preprocessor` of
# ./fashion_mnist_classifier.py, which their other bases inherit).
vit_cfg_path = 'mmpretrain::_base_/models/vit-base-p16.py'
vit_overrides = dict(
    backbone=dict(
        arch=dict(
            _delete_=True,  # a dict in place of the base's 'b'
            embed_dims=128,
            num_layers=6,
            num_heads=4,
            feedforward_channels=256),
        img_size=32,
        patch_size=4,
        in_channels=1),
    head=dict(num_classes=10, in_channels=128))
