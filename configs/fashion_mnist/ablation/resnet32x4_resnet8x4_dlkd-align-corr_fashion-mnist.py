# DLKD ablation (paper Table VIII) on Fashion-MNIST, resnet32x4 -> resnet8x4:
# only the align + correlation terms of the full DLKD config, same weights and
# views. A loss set to None is left out with the connectors only it uses.
_base_ = ['../resnet32x4_resnet8x4_dlkd_fashion-mnist.py']
model = dict(distill=dict(losses=dict(loss_sup=None)))
