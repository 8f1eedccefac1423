# DLKD ablation (paper Table VIII) on Fashion-MNIST, resnet32x4 -> resnet8x4:
# only the correlation + supervised terms of the full DLKD config, same weights
# and views.
_base_ = ['../resnet32x4_resnet8x4_dlkd_fashion-mnist.py']
model = dict(
    distill=dict(
        connectors=dict(
            _delete_=True,
            corr=_base_.model.distill.connectors.corr,
            sup_s=_base_.model.distill.connectors.sup_s,
            sup_t=_base_.model.distill.connectors.sup_t,
        ),
        losses=dict(
            _delete_=True,
            loss_corr=_base_.model.distill.losses.loss_corr,
            loss_sup=_base_.model.distill.losses.loss_sup,
        ),
        loss_inputs=dict(
            _delete_=True,
            loss_corr=_base_.model.distill.loss_inputs.loss_corr,
            loss_sup=_base_.model.distill.loss_inputs.loss_sup,
        )))
