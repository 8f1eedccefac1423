# DLKD ablation (paper Table VIII) on Fashion-MNIST, resnet20 -> resnet8: only
# the correlation term of the full DLKD config, same weights and views.
_base_ = ['../resnet20_resnet8_dlkd_fashion-mnist.py']
model = dict(
    distill=dict(
        connectors=dict(
            _delete_=True,
            corr=_base_.model.distill.connectors.corr,
        ),
        losses=dict(
            _delete_=True,
            loss_corr=_base_.model.distill.losses.loss_corr,
        ),
        loss_inputs=dict(
            _delete_=True,
            loss_corr=_base_.model.distill.loss_inputs.loss_corr,
        )))
