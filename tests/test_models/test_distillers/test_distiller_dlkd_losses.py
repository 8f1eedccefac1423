"""The distiller with mmdlkd's real DLKD losses and connectors."""
import torch
from distill_helpers import build, cls_batch, cls_model, seg_batch, seg_model


def dlkd_cls_distill():
    return dict(
        recorders=dict(
            student=dict(feat=dict(source='neck', index=-1)),
            teacher=dict(feat=dict(source='neck', index=-1))),
        connectors=dict(
            align=dict(
                type='mmdlkd.MLPConnector',
                in_channels=32,
                out_channels=64,
                hidden_ratio=2),
            corr=dict(
                type='mmdlkd.MLPConnector', in_channels=32, out_channels=32),
            s_embed=dict(
                type='mmdlkd.LinearConnector',
                in_channels=32,
                out_channels=16,
                normalize=True),
            t_embed=dict(
                type='mmdlkd.LinearConnector',
                in_channels=64,
                out_channels=16,
                normalize=True)),
        losses=dict(
            loss_align=dict(
                type='mmdlkd.AlignLoss', loss_weight=10, normalize=True),
            loss_corr=dict(type='mmdlkd.CorrelationLoss', loss_weight=20),
            loss_sup=dict(type='mmdlkd.SupConDistillLoss', loss_weight=0.5)),
        loss_inputs=dict(
            loss_align=dict(
                s_feat=('student.feat', 'align'), t_feat='teacher.feat'),
            loss_corr=dict(
                s_feat=('student.feat', 'corr'), t_feat='teacher.feat'),
            loss_sup=dict(
                s_feat=('student.feat', 's_embed'),
                t_feat=('teacher.feat', 't_embed'),
                labels='labels')))


def test_cls_multiview_dlkd_losses_and_gradients(cls_scope):
    torch.manual_seed(0)
    model = build(
        dict(
            type='mmdlkd.Distiller',
            random_teacher=True,
            student=cls_model(base=16),
            teacher=cls_model(base=32),
            distill=dlkd_cls_distill(),
            num_views=2))
    model.train()
    views, samples = cls_batch(n=4, views=2)
    losses = model.loss(views, samples)
    assert set(losses) == {
        'loss', 'accuracy_top-1', 'loss_align', 'loss_corr', 'loss_sup'
    } - {'accuracy_top-1'}
    for key in ('loss_align', 'loss_corr', 'loss_sup'):
        assert torch.isfinite(losses[key]) and losses[key].requires_grad
    sum(losses.values()).backward()
    assert model.connectors['t_embed'].linear.weight.grad is not None
    assert model.connectors['t_embed'].linear.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.teacher.parameters())


def test_seg_dlkd_pixel_losses(seg_scope):
    torch.manual_seed(0)
    distill = dict(
        recorders=dict(
            student=dict(feat='decode_head.bottleneck'),
            teacher=dict(feat='decode_head.bottleneck')),
        connectors=dict(
            align=dict(
                type='mmdlkd.PixelMLPConnector', in_channels=8,
                out_channels=8),
            corr=dict(
                type='mmdlkd.PixelMLPConnector', in_channels=8,
                out_channels=8)),
        losses=dict(
            loss_align=dict(type='mmdlkd.AlignLoss', loss_weight=10),
            loss_corr=dict(
                type='mmdlkd.CorrelationLoss', loss_weight=20, pool_size=2)),
        loss_inputs=dict(
            loss_align=dict(
                s_feat=('student.feat', 'align'), t_feat='teacher.feat'),
            loss_corr=dict(
                s_feat=('student.feat', 'corr'), t_feat='teacher.feat')))
    model = build(
        dict(
            type='mmdlkd.Distiller',
            random_teacher=True,
            student=seg_model(base=8),
            teacher=seg_model(base=16),
            distill=distill))
    inputs, samples = seg_batch()
    losses = model.loss(inputs, samples)
    assert set(losses) == {
        'decode.loss_ce', 'decode.acc_seg', 'aux.loss_ce', 'aux.acc_seg',
        'loss_align', 'loss_corr'
    }
    assert losses['loss_align'] > 0 and torch.isfinite(losses['loss_corr'])
