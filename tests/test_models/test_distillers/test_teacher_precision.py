"""The distiller's half-precision / channels-last teacher (CPU)."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from distill_helpers import build, seg_batch, seg_model
from torch.overrides import TorchFunctionMode

from mmdlkd.registry import MODELS

#: Stated tolerance of a bf16 teacher's recorded features against float32
#: (tiny PSPNet, CPU): relative L2 error and cosine similarity of the map.
BF16_REL_L2 = 2e-2
BF16_MIN_COS = 0.999


@MODELS.register_module(name='DistTestProbeMSE', force=True)
class DistTestProbeMSE(nn.Module):
    """Test-local MSE that keeps the teacher feature it receives."""

    def __init__(self, loss_weight=1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, s_feat, t_feat):
        self.last_t_feat = t_feat
        return self.loss_weight * F.mse_loss(s_feat, t_feat)


def distiller(**kwargs):
    return dict(
        type='mmdlkd.Distiller',
        random_teacher=True,
        student=seg_model(base=8),
        teacher=seg_model(base=16),
        distill=dict(
            recorders=dict(
                student=dict(feat='decode_head.bottleneck'),
                teacher=dict(feat='decode_head.bottleneck')),
            connectors=dict(
                align=dict(
                    type='mmdlkd.DistTestConv', in_channels=8,
                    out_channels=8)),
            losses=dict(loss_align=dict(type='mmdlkd.DistTestProbeMSE')),
            loss_inputs=dict(
                loss_align=dict(
                    s_feat=('student.feat', 'align'), t_feat='teacher.feat'))),
        **kwargs)


def teacher_feature(model, inputs, samples):
    losses = model.loss(inputs, samples)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    return model.distill_losses['loss_align'].last_t_feat


def trained_like(model):
    """Give the teacher's BN layers non-trivial statistics, as a trained
    teacher has."""
    for mod in model.teacher.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.5, 0.5)
            mod.running_var.uniform_(0.5, 2.0)
    return model


def pair(**kwargs):
    torch.manual_seed(0)
    ref = trained_like(build(distiller()))
    other = build(distiller(**kwargs))
    other.load_state_dict(ref.state_dict())
    return ref.train(), other.train()


def test_bf16_teacher_within_tolerance(seg_scope):
    ref, half = pair(teacher_dtype='bf16')
    assert all(p.dtype == torch.bfloat16 for p in half.teacher.parameters())
    assert all(p.dtype == torch.float32 for p in half.student.parameters())
    inputs, samples = seg_batch()
    expected = teacher_feature(ref, inputs, samples)
    got = teacher_feature(half, inputs, samples)
    assert got.dtype == torch.float32 and got.is_contiguous()
    rel = (got - expected).norm() / expected.norm()
    cos = F.cosine_similarity(got.flatten(), expected.flatten(), dim=0)
    assert rel < BF16_REL_L2 and cos > BF16_MIN_COS, (rel, cos)
    # the student and its connector train as usual, the teacher gets nothing
    assert all(p.grad is None for p in half.teacher.parameters())
    assert half.connectors['align'].weight.grad is not None


def test_fp16_teacher_on_cpu(seg_scope):
    ref, half = pair(teacher_dtype='fp16')
    inputs, samples = seg_batch()
    expected = teacher_feature(ref, inputs, samples)
    try:
        got = teacher_feature(half, inputs, samples)
    except RuntimeError as err:  # older CPU builds lack fp16 kernels
        pytest.skip(f'fp16 convolution unsupported on this CPU: {err}')
    assert got.dtype == torch.float32
    rel = (got - expected).norm() / expected.norm()
    assert rel < 5e-3, rel


def test_channels_last_teacher_matches(seg_scope):
    ref, other = pair(teacher_channels_last=True)
    inputs, samples = seg_batch()
    expected = teacher_feature(ref, inputs, samples)
    got = teacher_feature(other, inputs, samples)
    assert got.is_contiguous()
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('options, dtype, channels_last', [
    (dict(), torch.float32, False),
    (dict(teacher_dtype='bf16'), torch.bfloat16, False),
    (dict(teacher_channels_last=True), torch.float32, True),
    (dict(teacher_dtype='bf16',
          teacher_channels_last=True), torch.bfloat16, True),
])
def test_teacher_input_dtype_and_layout(seg_scope, options, dtype,
                                        channels_last):
    model = build(distiller(**options))
    batch = seg_batch()[0]
    out = model._teacher_input(batch)
    assert out.dtype == dtype
    assert out.is_contiguous(
        memory_format=torch.channels_last) == channels_last
    # float32 NCHW as it comes: the batch itself, no copy
    assert (out is batch) == (not options)
    torch.testing.assert_close(out.float(), batch, rtol=1e-2, atol=1e-2)


def test_invalid_teacher_dtype(seg_scope):
    with pytest.raises(ValueError, match='teacher_dtype'):
        build(distiller(teacher_dtype='fp8'))


class SyncOps(TorchFunctionMode):
    """Record the calls that need the value of a tensor on the host."""

    NAMES = ('__bool__', 'item', 'tolist', 'nonzero', 'masked_select',
             '__int__', '__float__', 'argwhere', 'unique')

    def __init__(self):
        super().__init__()
        self.found = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, '__name__', str(func))
        bool_index = name == '__getitem__' and any(
            isinstance(a, torch.Tensor) and a.dtype == torch.bool
            for a in (args[1] if isinstance(args[1], tuple) else (args[1], )))
        if name in self.NAMES or bool_index:
            self.found.append(name)
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize('maps', [False, True])
def test_dlkd_losses_need_no_host_sync(maps):
    """DLKD's connectors and losses (alignment, correlation, supervised on
    labels with ignored entries) call nothing that synchronises a GPU."""
    torch.manual_seed(0)
    shape = (4, 8, 6, 6) if maps else (4, 8)
    s = torch.randn(shape, requires_grad=True)
    t = torch.randn(shape[:1] + (16, ) + shape[2:])
    labels = torch.randint(0, 3, (4, 6, 6) if maps else (4, ))
    labels[0] = 255
    mask = labels != 255
    losses = [
        (MODELS.build(
            dict(type='mmdlkd.MLPConnector', in_channels=8, out_channels=16)),
         MODELS.build(dict(type='mmdlkd.AlignLoss',
                           normalize=True)), dict(t_feat=t, valid_mask=mask)),
        (MODELS.build(
            dict(
                type='mmdlkd.MLPConnector',
                in_channels=8,
                out_channels=8,
                hidden_channels=8)),
         MODELS.build(dict(type='mmdlkd.CorrelationLoss',
                           max_pixels=16)), dict(t_feat=t, num_views=2)),
        (MODELS.build(
            dict(type='mmdlkd.LinearConnector', in_channels=8,
                 out_channels=4)),
         MODELS.build(dict(type='mmdlkd.SupConDistillLoss')),
         dict(t_feat=t[:, :4], labels=labels)),
        # more rows than max_samples: sampled among the valid ones
        (MODELS.build(
            dict(type='mmdlkd.LinearConnector', in_channels=8,
                 out_channels=4)),
         MODELS.build(dict(type='mmdlkd.SupConDistillLoss', max_samples=3)),
         dict(t_feat=t[:, :4], labels=labels)),
    ]
    with SyncOps() as mode:
        total = sum(loss(conn(s), **kwargs) for conn, loss, kwargs in losses)
    total.backward()
    assert mode.found == [] and torch.isfinite(total)
