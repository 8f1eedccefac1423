# Baseline: ResNet-18 alone on ImageNet, mmpretrain's own config
# (resnet18_8xb32_in1k: 69.90 top-1 in its model zoo; paper Table III
# 69.75), i.e. the protocol of the DLKD ImageNet configs, plus mmdlkd's
# run-time checks.
_base_ = ['mmpretrain::resnet/resnet18_8xb32_in1k.py']
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
custom_hooks = [
    dict(type='mmdlkd.NonFiniteLossHook'),
    dict(type='mmdlkd.DatasetCheckHook'),
]
