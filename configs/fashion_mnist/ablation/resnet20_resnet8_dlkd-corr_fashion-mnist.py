# DLKD ablation (paper Table VIII) on Fashion-MNIST, resnet20 -> resnet8: only
# the correlation term of the full DLKD config, same weights and views. A loss
# set to None is left out with the connectors only it uses.
_base_ = ['../resnet20_resnet8_dlkd_fashion-mnist.py']
model = dict(distill=dict(losses=dict(loss_align=None, loss_sup=None)))
