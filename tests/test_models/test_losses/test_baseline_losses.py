"""KDLoss, ChannelWiseDivergence and PixelSimilarityLoss."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmdlkd.models.losses import (ChannelWiseDivergence, KDLoss,
                                  PixelSimilarityLoss)


def _softmax(row):
    exps = [math.exp(v) for v in row]
    return [e / sum(exps) for e in exps]


def _kl(p, q):
    return sum(pi * math.log(pi / qi) for pi, qi in zip(p, q))


def test_kd_hand_computed():
    s = [[1., 2., 0.], [0., 0., 4.]]
    t = [[2., 0., 1.], [1., 1., 1.]]
    tau = 2.
    expected = sum(
        _kl(_softmax([v / tau for v in ti]), _softmax([v / tau for v in si]))
        for si, ti in zip(s, t)) / 2 * tau**2
    kd = KDLoss(loss_weight=3., tau=tau)
    loss = kd(s_logits=torch.tensor(s), t_logits=torch.tensor(t))
    assert loss.item() == pytest.approx(3 * expected, rel=1e-5)


def test_kd_maps_per_pixel_and_zero():
    torch.manual_seed(0)
    s, t = torch.randn(2, 5, 3, 4), torch.randn(2, 5, 3, 4)
    as_rows = KDLoss()(s.permute(0, 2, 3, 1).reshape(-1, 5),
                       t.permute(0, 2, 3, 1).reshape(-1, 5))
    assert KDLoss()(s, t).item() == pytest.approx(as_rows.item(), rel=1e-6)
    assert KDLoss()(t, t).item() == pytest.approx(0., abs=1e-6)
    t.requires_grad_()
    s.requires_grad_()
    KDLoss()(s, t).backward()
    assert t.grad is None


def test_cwd_hand_computed_and_zero():
    torch.manual_seed(0)
    s, t = torch.randn(2, 3, 2, 2), torch.randn(2, 3, 2, 2)
    tau = 4.
    total = 0.
    for n in range(2):
        for c in range(3):
            p = _softmax([v / tau for v in t[n, c].flatten().tolist()])
            q = _softmax([v / tau for v in s[n, c].flatten().tolist()])
            total += _kl(p, q)
    expected = total * tau**2 / (2 * 3)
    loss = ChannelWiseDivergence(loss_weight=2.)(s, t)
    assert loss.item() == pytest.approx(2 * expected, rel=1e-5)
    assert ChannelWiseDivergence()(t, t).item() == pytest.approx(0., abs=1e-6)
    with pytest.raises(ValueError, match='same shape'):
        ChannelWiseDivergence()(s, t[:, :2])


def test_pixel_similarity_hand_computed():
    # one image, 2 channels, 1x2 pixels, no pooling
    s = torch.tensor([[[[1., 0.]], [[0., 1.]]]])  # pixels (1,0), (0,1)
    t = torch.tensor([[[[1., 1.]], [[0., 1.]]]])  # pixels (1,0), (1,1)/~
    cos_t = 1 / math.sqrt(2)
    # similarity matrices [[1, 0], [0, 1]] and [[1, c], [c, 1]]
    expected = 2 * cos_t**2 / 4
    loss = PixelSimilarityLoss(pool_size=None)(s, t)
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_pixel_similarity_pooling_zero_and_channels():
    torch.manual_seed(0)
    s, t = torch.randn(2, 3, 8, 6), torch.randn(2, 5, 8, 6)
    # default: SKD's 2x2 max-pooled grid
    expected = PixelSimilarityLoss(pool_size=None)(F.max_pool2d(s, (4, 3)),
                                                   F.max_pool2d(t, (4, 3)))
    assert PixelSimilarityLoss()(s, t).item() == pytest.approx(
        expected.item(), rel=1e-6)
    avg = PixelSimilarityLoss(pool_size=(4, 3), pool_type='avg')(s, t)
    expected = PixelSimilarityLoss(pool_size=None)(F.avg_pool2d(s, 2),
                                                   F.avg_pool2d(t, 2))
    assert avg.item() == pytest.approx(expected.item(), rel=1e-6)
    assert PixelSimilarityLoss(pool_size=None)(2 * s, s).item() == \
        pytest.approx(0., abs=1e-6)


def test_baselines_gradcheck():
    torch.manual_seed(0)
    kw = dict(dtype=torch.float64)
    s = torch.randn(2, 3, 2, 3, **kw, requires_grad=True)
    t = torch.randn(2, 3, 2, 3, **kw)
    for loss in (KDLoss(tau=2.), ChannelWiseDivergence(tau=2.),
                 PixelSimilarityLoss(pool_size=None),
                 PixelSimilarityLoss(pool_size=(1, 2), pool_type='avg')):
        assert torch.autograd.gradcheck(lambda x: loss(x, t), (s, ))
    v = torch.randn(3, 4, **kw, requires_grad=True)
    tv = torch.randn(3, 4, **kw)
    assert torch.autograd.gradcheck(lambda x: KDLoss()(x, tv), (v, ))


def test_baselines_low_precision():
    with torch.autocast('cpu', dtype=torch.bfloat16):
        s = torch.randn(2, 3, 4, 4).bfloat16()
        t = torch.randn(2, 3, 4, 4)
        for loss in (KDLoss(), ChannelWiseDivergence(), PixelSimilarityLoss()):
            out = loss(s, t)
            assert out.dtype == torch.float32 and torch.isfinite(out)
