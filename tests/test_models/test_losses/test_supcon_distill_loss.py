import math

import pytest
import torch
import torch.nn.functional as F

from mmdlkd.models.losses import SupConDistillLoss
from mmdlkd.models.losses.supcon_distill_loss import (_mean_over_counted,
                                                      supcon_anchor_losses,
                                                      supcon_terms,
                                                      valid_subset)

S = [[1., 0.], [0.6, 0.8], [0., 1.], [-1., 1.]]
T = [[2., 1.], [1., 0.], [0., -1.], [0., 3.]]
Y = [0, 1, 0, 1]


def _unit(v):
    norm = math.sqrt(sum(x * x for x in v))
    return [x / norm for x in v]


def _dot(a, b):
    return sum(x * y for x, y in zip(a, b))


def _anchor_loss(anchor, label, samples, labels, tau):
    """-mean over positives of log softmax over ``samples``."""
    den = sum(math.exp(_dot(anchor, z) / tau) for z in samples)
    logs = [
        math.log(math.exp(_dot(anchor, z) / tau) / den)
        for z, y in zip(samples, labels) if y == label
    ]
    return -sum(logs) / len(logs) if logs else None


def _hand_cross(s, t, y, tau):
    s, t = [_unit(v) for v in s], [_unit(v) for v in t]
    t2s = [_anchor_loss(a, ya, s, y, tau) for a, ya in zip(t, y)]
    s2t = [_anchor_loss(a, ya, t, y, tau) for a, ya in zip(s, y)]
    return (sum(t2s) / len(t2s) + sum(s2t) / len(s2t)) / 2


def _hand_union(s, t, y, tau):
    z = [_unit(v) for v in s + t]
    zy = y + y
    losses = []
    for a in range(len(z)):
        others = [k for k in range(len(z)) if k != a]
        losses.append(
            _anchor_loss(z[a], zy[a], [z[k] for k in others],
                         [zy[k] for k in others], tau))
    return sum(losses) / len(losses)


@pytest.mark.parametrize('mode,hand', [('cross', _hand_cross),
                                       ('union', _hand_union)])
def test_supcon_hand_computed(mode, hand):
    loss = SupConDistillLoss(loss_weight=0.5, tau=0.5, mode=mode)
    loss = loss(
        s_feat=torch.tensor(S), t_feat=torch.tensor(T), labels=torch.tensor(Y))
    assert loss.item() == pytest.approx(0.5 * hand(S, T, Y, 0.5), rel=1e-5)
    # the default temperature too
    loss = SupConDistillLoss(mode=mode)(torch.tensor(S), torch.tensor(T),
                                        torch.tensor(Y))
    assert loss.item() == pytest.approx(hand(S, T, Y, 0.07), rel=1e-5)


def test_supcon_modes_differ_and_permutation_invariant():
    torch.manual_seed(0)
    s, t = torch.randn(6, 4), torch.randn(6, 4)
    y = torch.tensor([0, 1, 2, 0, 1, 1])
    perm = torch.randperm(6)
    for mode in ('cross', 'union'):
        loss = SupConDistillLoss(mode=mode)
        assert loss(s[perm], t[perm], y[perm]).item() == pytest.approx(
            loss(s, t, y).item(), rel=1e-5)
    assert SupConDistillLoss(mode='cross')(s, t, y).item() != \
        pytest.approx(SupConDistillLoss(mode='union')(s, t, y).item())


def test_supcon_anchor_without_positive():
    z = torch.eye(3)
    labels = torch.tensor([0, 1, 1])
    terms = supcon_terms(z, labels, z, labels, tau=1., exclude_self=True)
    # anchor 0 has no positive besides itself: left out, no NaN
    assert terms.shape == (2, ) and torch.isfinite(terms).all()
    # anchor 1: one positive (2) at logit 0 among two samples at logit 0
    assert terms.tolist() == pytest.approx([math.log(2)] * 2, rel=1e-6)
    assert supcon_terms(
        z, torch.arange(3), z, torch.arange(3), 1., exclude_self=True) is None


def test_supcon_all_ignored_is_zero_with_graph():
    s = torch.randn(2, 4, 3, 3, requires_grad=True)
    t = torch.randn(2, 4, 3, 3, requires_grad=True)
    labels = torch.full((2, 6, 6), 255)
    for mode in ('cross', 'union'):
        loss = SupConDistillLoss(mode=mode)(s, t, labels)
        assert loss.item() == 0.
        loss.backward()
        assert torch.equal(s.grad, torch.zeros_like(s))


def test_supcon_pixels_ignore_index_and_resize():
    torch.manual_seed(0)
    s, t = torch.randn(2, 3, 2, 2), torch.randn(2, 3, 2, 2)
    small = torch.tensor([[[0, 255], [1, 0]], [[255, 1], [2, 2]]])
    labels = small.repeat_interleave(2, 1).repeat_interleave(2, 2)  # 4x4
    keep = small.flatten() != 255
    s_rows = s.permute(0, 2, 3, 1).reshape(-1, 3)[keep]
    t_rows = t.permute(0, 2, 3, 1).reshape(-1, 3)[keep]
    for mode in ('cross', 'union'):
        loss = SupConDistillLoss(mode=mode)
        expected = loss(s_rows, t_rows, small.flatten()[keep])
        assert loss(s, t, labels).item() == pytest.approx(
            expected.item(), rel=1e-6)


def as_map(rows, labels):
    """``[N, D]`` rows and ``[N]`` labels as one ``1 x N`` map, so that
    ``ignore_index`` applies (it does to pixel labels only)."""
    return rows.t().reshape(1, rows.shape[1], 1, -1), labels.reshape(1, 1, -1)


def test_supcon_max_samples():
    torch.manual_seed(0)
    s, t = torch.randn(10, 3), torch.randn(10, 3)
    y = torch.tensor([0, 1, 2, 0, 1, 2, 255, 0, 1, 2])
    keep = y != 255
    (s_map, y_map), t_map = as_map(s, y), as_map(t, y)[0]
    full = SupConDistillLoss(max_samples=None)(s_map, t_map, y_map)
    assert SupConDistillLoss(max_samples=9)(s_map, t_map, y_map).item() == \
        pytest.approx(full.item())
    # 4 of the 9 valid rows: the 4 largest of uniform scores (ignored rows
    # scored -1), the same rows for student and teacher
    torch.manual_seed(3)
    sub = SupConDistillLoss(max_samples=4)(s_map, t_map, y_map)
    torch.manual_seed(3)
    scores = torch.rand(10).masked_fill(~keep, -1.)
    idx = torch.tensor(sorted(range(10), key=lambda i: -scores[i])[:4])
    assert bool(keep[idx].all())
    expected = SupConDistillLoss()(s[idx], t[idx], y[idx])
    assert sub.item() == pytest.approx(expected.item(), rel=1e-6)
    # fewer valid rows than max_samples among more rows: all valid ones
    y_few = as_map(s, torch.tensor([0, 255, 1, 255, 0, 255, 255, 1, 255,
                                    255]))[1]
    full_few = SupConDistillLoss(max_samples=None)(s_map, t_map, y_few)
    for seed in range(3):
        torch.manual_seed(seed)
        assert SupConDistillLoss(max_samples=7)(s_map, t_map,
                                                y_few).item() == pytest.approx(
                                                    full_few.item(), rel=1e-6)


def test_valid_subset_is_uniform_over_valid_rows():
    valid = torch.tensor([True, False, True, True, False, True])
    torch.manual_seed(0)
    hits = torch.zeros(6)
    for _ in range(2000):
        idx = valid_subset(valid, 2)
        assert idx.shape == (2, ) and len(set(idx.tolist())) == 2
        hits[idx] += 1
    assert hits[~valid].sum() == 0
    # each of the 4 valid rows is picked with probability 1/2
    assert torch.allclose(
        hits[valid] / 2000, torch.full((4, ), 0.5), atol=0.05)


def test_supcon_teacher_projection_gets_grad():
    s = torch.randn(4, 3, requires_grad=True)
    t = torch.randn(4, 3, requires_grad=True)
    SupConDistillLoss()(s, t, torch.tensor([0, 0, 1, 1])).backward()
    assert t.grad is not None and t.grad.abs().sum() > 0


@pytest.mark.parametrize('mode', ['cross', 'union'])
def test_supcon_gradcheck(mode):
    torch.manual_seed(0)
    s = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    t = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    y = torch.tensor([0, 1, 0, 2, 1])
    loss = SupConDistillLoss(mode=mode, tau=0.5)
    assert torch.autograd.gradcheck(lambda a, b: loss(a, b, y), (s, t))


def test_supcon_edge_cases():
    # one sample, zero-norm features: finite
    for mode in ('cross', 'union'):
        z = torch.zeros(1, 4, requires_grad=True)
        loss = SupConDistillLoss(mode=mode)(z, torch.zeros(1, 4),
                                            torch.tensor([3]))
        loss.backward()
        assert torch.isfinite(loss) and torch.isfinite(z.grad).all()
    labels = torch.tensor([0, 1, 0, 1])
    s, t = torch.randn(4, 8).bfloat16(), torch.randn(4, 8)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = SupConDistillLoss()(s, t, labels)
    assert out.dtype == torch.float32 and torch.isfinite(out)
    with pytest.raises(ValueError, match='labels'):
        SupConDistillLoss()(torch.randn(4, 8), torch.randn(4, 8),
                            torch.zeros(4, 2, 2))
    with pytest.raises(ValueError, match='mode'):
        SupConDistillLoss(mode='both')


@pytest.mark.parametrize('ignored', [(0, 3), (0, 1, 2, 3, 4, 5)])
def test_supcon_cross_batched_equals_two_directions(ignored):
    """Cross mode computes both directions in one batch: the same value and
    gradients as each direction's mean anchor loss, averaged."""
    torch.manual_seed(0)
    s = torch.randn(6, 4, requires_grad=True)
    t = torch.randn(6, 4, requires_grad=True)
    labels = torch.tensor([0, 1, 0, 2, 1, 2])
    labels[list(ignored)] = 255
    (s_map, y_map), t_map = as_map(s, labels), as_map(t, labels)[0]
    loss = SupConDistillLoss(tau=0.5)(s_map, t_map, y_map)
    grads = torch.autograd.grad(loss, (s, t))
    keep = labels != 255
    sn, tn = F.normalize(s, dim=1), F.normalize(t, dim=1)
    ref = _mean_over_counted([
        supcon_anchor_losses(tn, labels, sn, labels, keep, 0.5),
        supcon_anchor_losses(sn, labels, tn, labels, keep, 0.5)
    ])
    ref_grads = torch.autograd.grad(ref, (s, t))
    torch.testing.assert_close(loss, ref, rtol=1e-6, atol=1e-6)
    for got, want in zip(grads, ref_grads):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('mode,hand', [('cross', _hand_cross),
                                       ('union', _hand_union)])
def test_class_255_of_vectors_takes_part(mode, hand):
    # ImageNet has a class 255: for class labels nothing is ignored
    y = [255, 1, 255, 1]
    loss = SupConDistillLoss(
        tau=0.5, mode=mode)(torch.tensor(S), torch.tensor(T), torch.tensor(y))
    assert loss.item() == pytest.approx(hand(S, T, y, 0.5), rel=1e-5)


def test_pixel_label_255_is_ignored():
    # one 1x4 map: pixel 3 labelled 255 is left out, as if absent
    s = torch.tensor(S).t().reshape(1, 2, 1, 4)
    t = torch.tensor(T).t().reshape(1, 2, 1, 4)
    labels = torch.tensor([[[0, 1, 0, 255]]])
    loss = SupConDistillLoss(tau=0.5, max_samples=None)(s, t, labels)
    assert loss.item() == pytest.approx(
        _hand_cross(S[:3], T[:3], Y[:3], 0.5), rel=1e-5)
