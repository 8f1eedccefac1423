import math

import pytest
import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from mmdlkd.models.losses import CorrelationLoss


def _cos(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def _softmax(row):
    exps = [math.exp(v) for v in row]
    return [e / sum(exps) for e in exps]


def _kl(p, q):
    return sum(pi * math.log(pi / qi) for pi, qi in zip(p, q))


def _hand_loss(s_rows, t_rows, queries, keys, tau, skip_self=False):
    """Plain-math eq. 6: mean over query rows of KL(P_T || P_S)."""
    total = 0.
    for qi in queries:
        cols = [k for k in keys if not (skip_self and k == qi)]
        p_s = _softmax([_cos(s_rows[qi], s_rows[k]) / tau for k in cols])
        p_t = _softmax([_cos(t_rows[qi], t_rows[k]) / tau for k in cols])
        total += _kl(p_t, p_s)
    return total / len(queries)


def test_correlation_two_views_hand_computed():
    s = [[1., 0.], [0., 1.], [1., 0.], [1., 1.]]
    t = [[1., 0., 0.], [0., 2., 0.], [0., 1., 1.], [3., 0., 0.]]
    expected = _hand_loss(s, t, queries=[2, 3], keys=[0, 1], tau=0.5)
    loss = CorrelationLoss(loss_weight=2.)(
        s_feat=torch.tensor(s), t_feat=torch.tensor(t), num_views=2)
    assert loss.item() == pytest.approx(2 * expected, rel=1e-5)


def test_correlation_one_view_diagonal_hand_computed():
    s = [[1., 0.], [0., 1.], [1., 1.]]
    t = [[1., 0.], [1., 2.], [-1., 1.]]
    masked = _hand_loss(s, t, [0, 1, 2], [0, 1, 2], tau=0.5, skip_self=True)
    kept = _hand_loss(s, t, [0, 1, 2], [0, 1, 2], tau=0.5)
    s, t = torch.tensor(s), torch.tensor(t)
    assert CorrelationLoss()(s, t).item() == pytest.approx(masked, rel=1e-5)
    assert CorrelationLoss(one_view_diagonal='keep')(s, t).item() == \
        pytest.approx(kept, rel=1e-5)
    assert masked != pytest.approx(kept, rel=1e-2)


def test_correlation_rotation_layout_3n_by_n():
    torch.manual_seed(0)
    n, tau = 3, 0.5
    s, t = torch.randn(4 * n, 5), torch.randn(4 * n, 7)
    zs, zt = F.normalize(s, dim=1), F.normalize(t, dim=1)
    a_s, a_t = zs[n:] @ zs[:n].t(), zt[n:] @ zt[:n].t()
    assert a_s.shape == (3 * n, n)
    expected = F.kl_div(
        F.log_softmax(a_s / tau, 1),
        F.log_softmax(a_t / tau, 1),
        log_target=True,
        reduction='batchmean')
    loss = CorrelationLoss(tau=tau)(s, t, num_views=4)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    # permuting the samples consistently in every view changes nothing
    perm = torch.randperm(n)
    idx = torch.cat([perm + v * n for v in range(4)])
    assert CorrelationLoss()(s[idx], t[idx], num_views=4).item() == \
        pytest.approx(loss.item(), rel=1e-5)


def test_correlation_zero_and_scale_invariance():
    torch.manual_seed(0)
    s, t = torch.randn(6, 4), torch.randn(6, 8)
    loss = CorrelationLoss()
    for views in (1, 2, 3):
        assert loss(2.5 * t, t, views).item() == pytest.approx(0., abs=1e-6)
        assert loss(3 * s, 0.1 * t, views).item() == pytest.approx(
            loss(s, t, views).item(), rel=1e-5)
    maps = torch.randn(2, 3, 4, 4)
    assert loss(maps, maps).item() == pytest.approx(0., abs=1e-6)


def test_correlation_teacher_gets_no_grad():
    s = torch.randn(4, 3, requires_grad=True)
    t = torch.randn(4, 5, requires_grad=True)
    CorrelationLoss()(s, t, num_views=2).backward()
    assert s.grad is not None and t.grad is None


def test_correlation_gradcheck():
    torch.manual_seed(0)
    kw = dict(dtype=torch.float64)
    s = torch.randn(6, 3, **kw, requires_grad=True)
    t = torch.randn(6, 4, **kw)
    for views, diag in ((1, 'mask'), (1, 'keep'), (3, 'mask')):
        loss = CorrelationLoss(one_view_diagonal=diag)
        assert torch.autograd.gradcheck(lambda x: loss(x, t, views), (s, ))
    sm = torch.randn(2, 2, 3, 3, **kw, requires_grad=True)
    tm = torch.randn(2, 3, 3, 3, **kw)
    loss = CorrelationLoss(chunk_size=4)  # checkpointed chunks
    for views in (1, 2):
        assert torch.autograd.gradcheck(
            lambda x: loss(x, tm, views), (sm, ), fast_mode=True)


def _per_image_reference(s, t, num_views, idx=None):
    """Pixel loss = mean over images of the vector loss on their pixels."""
    m = s.shape[0] // num_views
    losses = []
    for i in range(m):
        rows_s, rows_t = [], []
        for v in range(num_views):
            ps = s[v * m + i].flatten(1).t()
            pt = t[v * m + i].flatten(1).t()
            if idx is not None:
                ps, pt = ps[idx], pt[idx]
            rows_s.append(ps)
            rows_t.append(pt)
        loss = CorrelationLoss(chunk_size=None)
        losses.append(loss(torch.cat(rows_s), torch.cat(rows_t), num_views))
    return torch.stack(losses).mean()


@pytest.mark.parametrize('num_views', [1, 2, 3])
def test_correlation_pixel_level(num_views):
    torch.manual_seed(0)
    s = torch.randn(2 * num_views, 3, 4, 5)
    t = torch.randn(2 * num_views, 6, 4, 5)
    expected = _per_image_reference(s, t, num_views).item()
    full = CorrelationLoss(chunk_size=None)(s, t, num_views).item()
    assert full == pytest.approx(expected, rel=1e-5)
    # chunking is exact, for the value and the gradient
    s1 = s.clone().requires_grad_()
    s2 = s.clone().requires_grad_()
    chunked = CorrelationLoss(chunk_size=3)(s1, t, num_views)
    CorrelationLoss(chunk_size=None)(s2, t, num_views).backward()
    chunked.backward()
    assert chunked.item() == pytest.approx(full, rel=1e-6)
    assert torch.allclose(s1.grad, s2.grad, atol=1e-7)
    # a pixel budget above the pixel count changes nothing
    assert CorrelationLoss(max_pixels=20)(s, t, num_views).item() == \
        pytest.approx(full, rel=1e-6)


def test_correlation_pixel_sampling_and_pooling():
    torch.manual_seed(0)
    s, t = torch.randn(2, 3, 4, 6), torch.randn(2, 5, 4, 6)
    torch.manual_seed(7)
    sampled = CorrelationLoss(max_pixels=9)(s, t)
    torch.manual_seed(7)
    idx = torch.randperm(24)[:9]
    assert sampled.item() == pytest.approx(
        _per_image_reference(s, t, 1, idx).item(), rel=1e-5)
    pooled = CorrelationLoss(pool_size=(2, 3))(s, t)
    expected = CorrelationLoss()(F.adaptive_avg_pool2d(s, (2, 3)),
                                 F.adaptive_avg_pool2d(t, (2, 3)))
    assert pooled.item() == pytest.approx(expected.item(), rel=1e-6)
    # student map of another size is resized to the teacher's
    small = F.avg_pool2d(s, 2)
    up = F.interpolate(small, (4, 6), mode='bilinear', align_corners=False)
    assert CorrelationLoss()(small, t).item() == pytest.approx(
        CorrelationLoss()(up, t).item(), rel=1e-6)


class _LargestTensor(TorchDispatchMode):
    """Records the largest tensor any op produces (forward and backward)."""

    def __init__(self):
        super().__init__()
        self.numel = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for x in tree_flatten(out)[0]:
            if isinstance(x, torch.Tensor):
                self.numel = max(self.numel, x.numel())
        return out


@pytest.mark.parametrize('chunk_size,bound', [(8, 2 * 8 * 64),
                                              (None, 2 * 64 * 64)])
def test_correlation_memory_bound(chunk_size, bound):
    # 2 images of 64 pixels, 4 channels: the features are smaller than one
    # block; the blocks of both images are computed together
    s = torch.randn(2, 4, 8, 8, requires_grad=True)
    t = torch.randn(2, 4, 8, 8)
    with _LargestTensor() as mode:
        CorrelationLoss(chunk_size=chunk_size)(s, t).backward()
    assert mode.numel == bound
    with _LargestTensor() as mode:
        CorrelationLoss(chunk_size=None, pool_size=2)(s, t).backward()
    assert mode.numel == s.numel()  # the 4 x 4 matrix is smaller


def test_correlation_edge_cases():
    # batch of one with the diagonal masked: nothing to compare
    one = torch.randn(1, 4, requires_grad=True)
    loss = CorrelationLoss()(one, torch.randn(1, 4))
    assert loss.item() == 0.
    loss.backward()
    keep = CorrelationLoss(one_view_diagonal='keep')
    assert keep(one, torch.randn(1, 4)).item() == pytest.approx(0.)
    # zero-norm and all-equal features give finite values and gradients
    for feat in (torch.zeros(4, 3), torch.ones(4, 3)):
        feat.requires_grad_()
        loss = CorrelationLoss()(feat, torch.randn(4, 5), num_views=2)
        loss.backward()
        assert torch.isfinite(loss) and torch.isfinite(feat.grad).all()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = CorrelationLoss()(torch.randn(2, 3, 4, 4).bfloat16(),
                                torch.randn(2, 3, 4, 4))
    assert out.dtype == torch.float32 and torch.isfinite(out)
    # under autocast (backward outside it, as in AMP training) the
    # checkpointed chunks give the float32 value and gradient
    torch.manual_seed(0)
    s, t = torch.randn(2, 8, 4, 4), torch.randn(2, 8, 4, 4)
    s1, s2 = s.clone().requires_grad_(), s.clone().requires_grad_()
    ref = CorrelationLoss(chunk_size=5)(s1, t)
    ref.backward()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = CorrelationLoss(chunk_size=5)(s2, t)
    out.backward()
    assert out.item() == ref.item()
    assert torch.allclose(s1.grad, s2.grad, atol=1e-7)
    with pytest.raises(ValueError, match='num_views'):
        CorrelationLoss()(torch.randn(5, 3), torch.randn(5, 3), num_views=2)
    with pytest.raises(ValueError, match='one_view_diagonal'):
        CorrelationLoss(one_view_diagonal='zero')


class _CountMatmuls(TorchDispatchMode):
    """Counts the matrix products run (forward and backward)."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func.__name__.split('.')[0] in ('mm', 'bmm'):
            self.count += 1
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize('num_views', [1, 4])
def test_correlation_batches_images(num_views):
    # the images (and views) of a call share one product per block: the
    # number of products does not grow with the batch
    counts = []
    for images in (1, 3):
        s = torch.randn(images * num_views, 4, 3, 5, requires_grad=True)
        t = torch.randn(images * num_views, 6, 3, 5)
        with _CountMatmuls() as mode:
            CorrelationLoss(chunk_size=None)(s, t, num_views).backward()
        counts.append(mode.count)
    # forward: teacher and student relations; backward: the student's two
    # operand gradients
    assert counts == [4, 4]
