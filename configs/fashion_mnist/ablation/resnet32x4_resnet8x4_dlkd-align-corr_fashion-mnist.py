# DLKD ablation (paper Table VIII) on Fashion-MNIST, resnet32x4 -> resnet8x4:
# only the align + correlation terms of the full DLKD config, same weights and
# views.
_base_ = ['../resnet32x4_resnet8x4_dlkd_fashion-mnist.py']
model = dict(
    distill=dict(
        connectors=dict(
            _delete_=True,
            align=_base_.model.distill.connectors.align,
            corr=_base_.model.distill.connectors.corr,
        ),
        losses=dict(
            _delete_=True,
            loss_align=_base_.model.distill.losses.loss_align,
            loss_corr=_base_.model.distill.losses.loss_corr,
        ),
        loss_inputs=dict(
            _delete_=True,
            loss_align=_base_.model.distill.loss_inputs.loss_align,
            loss_corr=_base_.model.distill.loss_inputs.loss_corr,
        )))
