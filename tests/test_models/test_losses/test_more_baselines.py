"""FitNetLoss, ATLoss, SPLoss, RKDLoss and InBatchCRDLoss (CRDLoss:
test_crd_loss.py)."""
import itertools
import math

import pytest
import torch
import torch.nn.functional as F

from mmdlkd.models.losses import (ATLoss, FitNetLoss, InBatchCRDLoss, RKDLoss,
                                  SPLoss)
from mmdlkd.registry import MODELS


def _unit(v):
    norm = math.sqrt(sum(x * x for x in v))
    return [x / norm for x in v] if norm > 0 else [0.] * len(v)


def _huber(a, b):
    d = abs(a - b)
    return 0.5 * d * d if d < 1 else d - 0.5


def test_registered():
    for name in ('FitNetLoss', 'ATLoss', 'SPLoss', 'RKDLoss',
                 'InBatchCRDLoss'):
        loss = MODELS.build(dict(type=f'mmdlkd.{name}', loss_weight=2.))
        assert loss.loss_weight == 2.


# ---------------------------------------------------------------- FitNet


def test_fitnet_hand_computed_and_zero():
    s = torch.tensor([[1., 2.], [3., 4.]])
    t = torch.tensor([[0., 2.], [3., 0.]])
    # squared differences 1, 0, 0, 16 -> mean 17 / 4
    assert FitNetLoss()(s_feat=s, t_feat=t).item() == pytest.approx(4.25)
    assert FitNetLoss(loss_weight=2.)(s, t).item() == pytest.approx(8.5)
    assert FitNetLoss()(t, t).item() == 0.


def test_fitnet_maps_resized_and_checks():
    torch.manual_seed(0)
    s, t = torch.randn(2, 3, 4, 4), torch.randn(2, 3, 8, 8)
    up = F.interpolate(s, size=(8, 8), mode='bilinear', align_corners=False)
    assert FitNetLoss()(s, t).item() == pytest.approx(
        ((up - t)**2).mean().item(), rel=1e-6)
    down = F.interpolate(t, size=(4, 4), mode='bilinear', align_corners=False)
    assert FitNetLoss(resize_to='student')(s, t).item() == pytest.approx(
        ((s - down)**2).mean().item(), rel=1e-6)
    with pytest.raises(ValueError, match='channels'):
        FitNetLoss()(s, t[:, :2])
    with pytest.raises(ValueError, match='resize_to'):
        FitNetLoss(resize_to='both')


# -------------------------------------------------------------------- AT


def test_at_hand_computed():
    # student: 2 channels over 1x2 positions; teacher: 1 channel
    s = torch.tensor([[[[1., 2.]], [[3., 0.]]]])
    t = torch.tensor([[[[1., 1.]]]])
    q_s = _unit([(1 + 9) / 2, (4 + 0) / 2])
    q_t = _unit([1., 1.])
    expected = sum((a - b)**2 for a, b in zip(q_s, q_t)) / 2
    loss = ATLoss(loss_weight=3.)(s_feat=s, t_feat=t)
    assert loss.item() == pytest.approx(3 * expected, rel=1e-6)
    # p = 1: mean absolute activation
    q_s1 = _unit([(1 + 3) / 2, (2 + 0) / 2])
    expected1 = sum((a - b)**2 for a, b in zip(q_s1, q_t)) / 2
    assert ATLoss(p=1)(s, t).item() == pytest.approx(expected1, rel=1e-6)


def test_at_scale_invariant_zero_and_resize():
    torch.manual_seed(0)
    s, t = torch.randn(3, 4, 6, 6), torch.randn(3, 8, 6, 6)
    loss = ATLoss()
    assert loss(3.7 * s, 0.2 * t).item() == pytest.approx(
        loss(s, t).item(), rel=1e-5)
    assert loss(-2 * t, t).item() == pytest.approx(0., abs=1e-7)
    assert loss(torch.zeros_like(s), t).isfinite()
    # different sizes: the student's attention map is resized
    small = torch.randn(3, 4, 3, 3)
    q = small.pow(2).mean(1, keepdim=True)
    q = F.interpolate(q, size=(6, 6), mode='bilinear', align_corners=False)
    q_t = t.pow(2).mean(1, keepdim=True)
    expected = (F.normalize(q.flatten(1)) -
                F.normalize(q_t.flatten(1))).pow(2).mean()
    assert loss(small, t).item() == pytest.approx(expected.item(), rel=1e-6)


# -------------------------------------------------------------------- SP


def test_sp_hand_computed():
    s = torch.tensor([[1., 0.], [0., 1.]])  # G_s = I
    t = torch.tensor([[1., 1., 0.], [1., 0., 0.]])  # G_t = [[2, 1], [1, 1]]
    r5, r2 = math.sqrt(5), math.sqrt(2)
    expected = ((1 - 2 / r5)**2 + (1 / r5)**2 + (1 / r2)**2 +
                (1 - 1 / r2)**2) / 4
    loss = SPLoss()(s_feat=s, t_feat=t)
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    assert SPLoss(loss_weight=5.)(s, t).item() == pytest.approx(
        5 * expected, rel=1e-6)


def test_sp_scale_invariant_zero_and_shapes():
    torch.manual_seed(0)
    s, t = torch.randn(5, 4, 3, 3), torch.randn(5, 7)
    loss = SPLoss()
    assert loss(4. * s, 0.3 * t).item() == pytest.approx(
        loss(s, t).item(), rel=1e-5)
    assert loss(2. * s, s).item() == pytest.approx(0., abs=1e-7)
    with pytest.raises(ValueError, match='batch size'):
        loss(s, t[:4])


# ------------------------------------------------------------------- RKD


def _rkd_reference(s, t, w_d=25., w_a=50.):
    """Plain-Python RKD on lists of vectors."""

    def relations(x):
        n = len(x)
        dist = [[math.dist(x[a], x[b]) for b in range(n)] for a in range(n)]
        mean = sum(map(sum, dist)) / (n * (n - 1))
        dist = [d / mean for row in dist for d in row]
        angle = []
        for a, b, c in itertools.product(range(n), repeat=3):
            e_ab = _unit([p - q for p, q in zip(x[b], x[a])])
            e_ac = _unit([p - q for p, q in zip(x[c], x[a])])
            angle.append(sum(p * q for p, q in zip(e_ab, e_ac)))
        return dist, angle

    s_d, s_a = relations(s)
    t_d, t_a = relations(t)
    loss_d = sum(map(_huber, s_d, t_d)) / len(s_d)
    loss_a = sum(map(_huber, s_a, t_a)) / len(s_a)
    return w_d * loss_d + w_a * loss_a


def test_rkd_hand_computed():
    s = [[0., 0.], [1., 0.], [0., 2.], [1., 1.]]
    t = [[0., 0., 1.], [3., 0., 0.], [0., 1., 0.], [2., 2., 2.]]
    loss = RKDLoss()(s_feat=torch.tensor(s), t_feat=torch.tensor(t))
    assert loss.item() == pytest.approx(_rkd_reference(s, t), rel=1e-5)
    rkd = RKDLoss(loss_weight=2., distance_weight=1., angle_weight=0.)
    loss = rkd(torch.tensor(s), torch.tensor(t))
    assert loss.item() == pytest.approx(
        2 * _rkd_reference(s, t, 1., 0.), rel=1e-5)
    # far apart: the linear branch of the Huber loss is used
    far = [[0., 0.], [10., 0.], [0., 0.1]]
    near = [[0., 0.], [0.1, 0.], [0., 10.]]
    loss = RKDLoss()(torch.tensor(far), torch.tensor(near))
    assert loss.item() == pytest.approx(_rkd_reference(far, near), rel=1e-5)


def test_rkd_zero_invariance_and_small_batch():
    torch.manual_seed(0)
    s, t = torch.randn(6, 5), torch.randn(6, 9)
    loss = RKDLoss()
    assert loss(t, t).item() == pytest.approx(0., abs=1e-6)
    # distances are mean-normalised and angles scale-free
    assert loss(3. * s, 0.5 * t).item() == pytest.approx(
        loss(s, t).item(), rel=1e-5)
    one = torch.randn(1, 5, requires_grad=True)
    zero = loss(one, torch.randn(1, 9))
    assert zero.item() == 0.
    zero.backward()
    assert one.grad is not None
    # identical samples give finite values and gradients
    same = torch.ones(3, 4, requires_grad=True)
    out = loss(same, torch.randn(3, 4))
    out.backward()
    assert out.isfinite() and same.grad.isfinite().all()


# ----------------------------------------------------------- in-batch CRD


def _crd_reference(s, t, tau):
    s = [_unit(v) for v in s]
    t = [_unit(v) for v in t]
    n = len(s)

    def nce(a, b):
        total = 0.
        for i in range(n):
            logits = [
                sum(p * q for p, q in zip(a[i], b[j])) / tau for j in range(n)
            ]
            total += math.log(sum(math.exp(v) for v in logits)) - logits[i]
        return total / n

    return (nce(s, t) + nce(t, s)) / 2


def test_crd_hand_computed():
    s = [[1., 0.], [1., 1.], [0., -2.]]
    t = [[2., 1.], [0., 1.], [-1., -1.]]
    for tau in (0.07, 0.5):
        crd = InBatchCRDLoss(loss_weight=0.8, tau=tau)
        loss = crd(s_feat=torch.tensor(s), t_feat=torch.tensor(t))
        assert loss.item() == pytest.approx(
            0.8 * _crd_reference(s, t, tau), rel=1e-5)


def test_crd_properties_and_teacher_grad():
    torch.manual_seed(0)
    s, t = torch.randn(8, 16), torch.randn(8, 16)
    loss = InBatchCRDLoss()
    # scale of the embeddings does not matter (normalised in the loss)
    assert loss(3. * s, 0.5 * t).item() == pytest.approx(
        loss(s, t).item(), rel=1e-5)
    # matched embeddings score far better than random ones
    assert loss(t, t).item() < 0.1 * loss(s, t).item()
    # one row: no negatives, the loss is 0
    assert loss(s[:1], t[:1]).item() == pytest.approx(0., abs=1e-6)
    # the teacher-side embedding is trained by default (CRD's embed_t) ...
    s.requires_grad_()
    t.requires_grad_()
    loss(s, t).backward()
    assert s.grad is not None and t.grad is not None
    # ... and not with detach_teacher=True
    t.grad = None
    InBatchCRDLoss(detach_teacher=True)(s, t).backward()
    assert t.grad is None
    with pytest.raises(ValueError, match='same shape'):
        loss(s, t[:, :8])


# ------------------------------------------------------------- all losses


def _cases():
    torch.manual_seed(0)
    return [
        (FitNetLoss(), (2, 3, 2, 2), (2, 3, 3, 3)),
        (FitNetLoss(), (3, 4), (3, 4)),
        (ATLoss(), (2, 3, 2, 2), (2, 5, 3, 3)),
        (SPLoss(), (3, 2, 2, 2), (3, 5)),
        (RKDLoss(), (4, 3), (4, 5)),
        (InBatchCRDLoss(detach_teacher=True), (4, 3), (4, 3)),
    ]


@pytest.mark.parametrize('case', range(6))
def test_gradcheck_and_teacher_detached(case):
    loss, s_shape, t_shape = _cases()[case]
    s = torch.randn(s_shape, dtype=torch.float64, requires_grad=True)
    t = torch.randn(t_shape, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: loss(x, t), (s, ))
    loss(s, t).backward()
    assert s.grad is not None and t.grad is None


def test_crd_gradcheck_both_sides():
    s = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    t = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(InBatchCRDLoss(tau=0.5), (s, t))


@pytest.mark.parametrize('case', range(6))
def test_half_precision_inputs(case):
    loss, s_shape, t_shape = _cases()[case]
    s = torch.randn(s_shape).bfloat16()
    t = torch.randn(t_shape).bfloat16()
    out = loss(s, t)
    assert out.dtype == torch.float32 and out.isfinite()
