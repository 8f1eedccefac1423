"""``distill.compile``: the compiled connectors and losses give the eager
loss values and gradients."""
import copy
import shutil

import pytest
import torch
from distill_helpers import build, cls_batch, cls_model, seg_model
from test_distiller_dlkd_losses import dlkd_cls_distill

pytestmark = pytest.mark.skipif(
    shutil.which('c++') is None and shutil.which('g++') is None,
    reason='torch.compile (inductor) needs a C++ compiler on the CPU')


def seg_dlkd_distill() -> dict:
    """The headline PSPNet DLKD head at test size (8 channels)."""
    pixel_mlp = dict(
        type='mmdlkd.PixelMLPConnector',
        in_channels=8,
        out_channels=8,
        hidden_channels=16)
    return dict(
        recorders=dict(
            student=dict(feat='decode_head.bottleneck'),
            teacher=dict(feat='decode_head.bottleneck')),
        connectors=dict(align=pixel_mlp, corr=pixel_mlp),
        losses=dict(
            loss_align=dict(
                type='mmdlkd.AlignLoss', loss_weight=10.0, normalize=True),
            loss_corr=dict(
                type='mmdlkd.CorrelationLoss',
                loss_weight=20.0,
                max_pixels=2048,
                chunk_size=None)),
        loss_inputs=dict(
            loss_align=dict(
                s_feat=('student.feat', 'align'), t_feat='teacher.feat'),
            loss_corr=dict(
                s_feat=('student.feat', 'corr'), t_feat='teacher.feat')))


def _distiller(kind: str, compile) -> torch.nn.Module:
    torch.manual_seed(0)
    if kind == 'cls':
        models = dict(
            student=cls_model(base=16),
            teacher=cls_model(base=32),
            num_views=2,
            distill=dict(dlkd_cls_distill(), compile=compile))
    else:
        models = dict(
            student=seg_model(base=8),
            teacher=seg_model(base=16),
            distill=dict(seg_dlkd_distill(), compile=compile))
    return build(
        dict(
            type='mmdlkd.Distiller',
            random_teacher=True,
            **copy.deepcopy(models)))


def _run(head, params: dict, sources: dict, num_views: int) -> tuple:
    """Loss values and the gradients of their sum (params and sources)."""
    for p in params.values():
        p.grad = None
    feat = sources['student.feat'].detach().requires_grad_()
    losses = head(dict(sources, **{'student.feat': feat}), num_views)
    sum(losses.values()).backward()
    grads = {k: p.grad for k, p in params.items()}
    grads['student.feat'] = feat.grad
    return {k: v.detach() for k, v in losses.items()}, grads


@pytest.mark.parametrize('kind', ['cls', 'seg'])
def test_compiled_head_equals_eager_float64(kind, request):
    """Connectors and losses alone, in float64: equal up to rounding."""
    request.getfixturevalue(f'{kind}_scope')
    model = _distiller(kind, True).train()
    model.connectors.double()
    gen = torch.Generator().manual_seed(1)
    if kind == 'cls':  # 4 images x 2 views, student 32-d, teacher 64-d
        sources, num_views = {
            'student.feat': torch.randn(8, 32, generator=gen),
            'teacher.feat': torch.randn(8, 64, generator=gen),
            'labels': torch.randint(0, 3, (8, ), generator=gen)
        }, 2
    else:  # 2 images, 8 channels, a 6x8 map
        sources, num_views = {
            'student.feat': torch.randn(2, 8, 6, 8, generator=gen),
            'teacher.feat': torch.randn(2, 8, 6, 8, generator=gen).relu()
        }, 1
    sources = {
        k: v.double() if v.is_floating_point() else v
        for k, v in sources.items()
    }
    params = dict(model.connectors.named_parameters())
    mapping = model.mapping
    assert mapping._head is not mapping.head
    eager = _run(mapping.head, params, sources, num_views)
    for _ in range(2):  # the second call reuses the compiled graph
        compiled = _run(mapping._head, params, sources, num_views)
        for want, got in zip(eager, compiled):
            assert set(got) == set(want)
            for key, value in want.items():
                torch.testing.assert_close(
                    got[key], value, rtol=1e-5, atol=1e-5)


def test_compiled_training_loss_equals_eager(cls_scope):
    """A float32 training step through ``Distiller.loss``: the same losses;
    the gradients equal up to float32 rounding (relative to their norm)."""
    views, samples = cls_batch(n=4, views=2)
    results = []
    for compile in (False, True):
        model = _distiller('cls', compile).train()
        losses = model.loss(views, samples)
        sum(losses.values()).backward()
        grads = {
            k: p.grad
            for k, p in model.named_parameters() if p.grad is not None
        }
        results.append(({k: v.detach() for k, v in losses.items()}, grads))
    (eager_losses, eager_grads), (losses, grads) = results
    assert set(losses) == set(eager_losses)
    for key, value in eager_losses.items():
        torch.testing.assert_close(losses[key], value, rtol=1e-5, atol=1e-5)
    assert set(grads) == set(eager_grads)
    for key, value in eager_grads.items():
        error = (grads[key] - value).norm() / value.norm().clamp(min=1e-12)
        assert error < 1e-4, (key, float(error))
