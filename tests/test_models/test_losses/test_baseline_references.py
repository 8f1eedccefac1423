"""Each baseline loss against a second, plain-loop float64 evaluation of its
reference code (``tests/baseline_references.py``) on fixed random inputs."""
import baseline_references as ref
import pytest
import torch

from mmdlkd.models.connectors import ConvRegConnector
from mmdlkd.models.losses import (ATLoss, ChannelWiseDivergence, FitNetLoss,
                                  KDLoss, PixelSimilarityLoss, RKDLoss, SPLoss)

REL = 1e-10


def rand(*shape, seed=0, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return scale * torch.randn(*shape, generator=g, dtype=torch.float64)


@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_kd_is_distill_kl(tau):
    s, t = rand(5, 7, seed=1, scale=3.), rand(5, 7, seed=2, scale=3.)
    loss = KDLoss(loss_weight=0.9, tau=tau)(s, t)
    assert loss.dtype == torch.float64
    expected = 0.9 * ref.kd(s.tolist(), t.tolist(), tau)
    assert loss.item() == pytest.approx(expected, rel=REL)


def test_pixel_kd_is_cirkds_criterion_kd():
    s, t = rand(2, 5, 3, 4, seed=3), rand(2, 5, 3, 4, seed=4)
    loss = KDLoss(tau=1.0)(s, t)
    assert loss.item() == pytest.approx(
        ref.pixel_kd(s.tolist(), t.tolist(), 1.0), rel=REL)


def test_skd_pixel_wise_is_80_times_the_pixel_mean_kl_at_batch_8():
    """SKD's pixel-wise term (weight 10, summed over its batch of 8 and
    divided by H*W) minus the teacher's constant entropy is KDLoss at T 1 with
    weight 80; the gradients for the student are equal."""
    s = rand(8, 4, 3, 2, seed=5, scale=2.).requires_grad_()
    t = rand(8, 4, 3, 2, seed=6, scale=2.)
    loss = KDLoss(tau=1.0, loss_weight=80.0)(s, t)
    skd = 10 * (
        ref.skd_pixel_wise(s.tolist(), t.tolist()) -
        ref.skd_pixel_entropy(t.tolist()))
    assert loss.item() == pytest.approx(skd, rel=1e-9)
    # the gradient of SKD's cross-entropy form, written with torch
    p_t = t.permute(0, 2, 3, 1).reshape(-1, 4).softmax(1)
    log_s = s.permute(0, 2, 3, 1).reshape(-1, 4).log_softmax(1)
    ce = 10 * (-(p_t * log_s).sum()) / 3 / 2
    grad_skd, = torch.autograd.grad(ce, s)
    grad_kd, = torch.autograd.grad(loss, s)
    assert torch.allclose(grad_kd, grad_skd, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize('shape', [(3, 4), (2, 3, 4, 5)])
def test_fitnet_is_hint_mse(shape):
    s, t = rand(*shape, seed=7), rand(*shape, seed=8)
    loss = FitNetLoss(loss_weight=100.0)(s, t)
    expected = 100 * ref.mse(s.tolist(), t.tolist())
    assert loss.item() == pytest.approx(expected, rel=REL)


@pytest.mark.parametrize('train', [True, False])
def test_conv_reg_connector_is_convreg(train):
    """1x1 (equal sizes, the shipped hints) and a 3x3 valid kernel (a student
    map two pixels larger), in training (batch statistics) and eval mode."""
    for in_size, out_size in ((4, 4), (5, 3)):
        torch.manual_seed(0)
        m = ConvRegConnector(3, 2, in_size, out_size).double()
        with torch.no_grad():
            m.bn.weight.copy_(rand(2, seed=9))
            m.bn.bias.copy_(rand(2, seed=10))
            m.bn.running_mean.copy_(rand(2, seed=11))
            m.bn.running_var.copy_(rand(2, seed=12).abs() + 0.5)
        m.train(train)
        x = rand(2, 3, in_size, in_size, seed=13)
        out = m(x)
        assert out.shape == (2, 2, out_size, out_size)
        stats = (None, None) if train else (m.bn.running_mean.tolist(),
                                            m.bn.running_var.tolist())
        expected = ref.conv_reg(x.tolist(), m.conv.weight.tolist(),
                                m.conv.bias.tolist(), m.bn.weight.tolist(),
                                m.bn.bias.tolist(), m.bn.eps, *stats)
        assert torch.allclose(
            out,
            torch.tensor(expected, dtype=torch.float64),
            rtol=1e-10,
            atol=1e-12)


def test_conv_reg_connector_kernels_and_errors():
    """RepDistiller's choice of convolution by the map heights."""
    cases = {
        (8, 4): ('Conv2d', (3, 3), (2, 2)),
        (4, 8): ('ConvTranspose2d', (4, 4), (2, 2)),
        (8, 8): ('Conv2d', (1, 1), (1, 1)),
        (8, 6): ('Conv2d', (3, 3), (1, 1)),
    }
    for (s_size, t_size), (kind, kernel, stride) in cases.items():
        m = ConvRegConnector(3, 5, s_size, t_size)
        assert type(m.conv).__name__ == kind
        assert (m.conv.kernel_size, m.conv.stride) == (kernel, stride)
        assert m(torch.randn(2, 3, s_size,
                             s_size)).shape == (2, 5, t_size, t_size)
    assert ConvRegConnector(3, 5).conv.kernel_size == (1, 1)
    with pytest.raises(ValueError, match='at least as large'):
        ConvRegConnector(3, 5, 3, 8)
    with pytest.raises(ValueError, match=r'\[N, 3, H, W\]'):
        ConvRegConnector(3, 5)(torch.randn(2, 4, 8, 8))
    with pytest.raises(ValueError, match='built for'):
        ConvRegConnector(3, 5, 8, 8)(torch.randn(2, 3, 6, 6))
    assert not ConvRegConnector(
        3, 5, relu=False)(-torch.ones(2, 3, 2, 2)).ge(0).all()


@pytest.mark.parametrize('p', [2., 1.])
def test_at_is_attention_loss(p):
    s, t = rand(3, 4, 5, 5, seed=14), rand(3, 6, 5, 5, seed=15)
    loss = ATLoss(loss_weight=1000.0, p=p)(s, t)
    expected = 1000 * ref.at(s.tolist(), t.tolist(), p)
    assert loss.item() == pytest.approx(expected, rel=REL)


def test_sp_is_similarity_loss():
    s, t = rand(4, 3, 2, 2, seed=16), rand(4, 5, 3, 3, seed=17)
    loss = SPLoss(loss_weight=3000.0)(s, t)
    expected = 3000 * ref.sp(s.tolist(), t.tolist())
    assert loss.item() == pytest.approx(expected, rel=REL)


def test_rkd_is_rkd_loss():
    s, t = rand(5, 3, seed=18), rand(5, 4, seed=19, scale=2.)
    loss = RKDLoss()(s, t)
    assert loss.item() == pytest.approx(
        ref.rkd(s.tolist(), t.tolist()), rel=1e-9)
    loss = RKDLoss(loss_weight=2., distance_weight=1., angle_weight=0.)(s, t)
    assert loss.item() == pytest.approx(
        2 * ref.rkd(s.tolist(), t.tolist(), 1., 0.), rel=1e-9)


@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_cwd_is_channel_wise_kl(tau):
    s, t = rand(2, 3, 4, 3, seed=20, scale=2.), rand(2, 3, 4, 3, seed=21)
    loss = ChannelWiseDivergence(loss_weight=3.0, tau=tau)(s, t)
    expected = 3 * ref.cwd(s.tolist(), t.tolist(), tau)
    assert loss.item() == pytest.approx(expected, rel=REL)


@pytest.mark.parametrize('size', [8, 6])
def test_pixel_similarity_is_skds_pair_wise(size):
    """2x2 max-pooled nodes (a kernel of half the map), the teacher with
    other channels; without and with the 1e-8 SKD adds to the norms."""
    s, t = rand(2, 3, size, size, seed=22), rand(2, 5, size, size, seed=23)
    for detach in (False, True):
        loss = PixelSimilarityLoss(
            loss_weight=0.5, pool_size=2, detach_norm=detach)(s, t)
        exact = ref.skd_pair_wise(s.tolist(), t.tolist(), norm_eps=0.)
        assert loss.item() == pytest.approx(0.5 * exact, rel=REL)
        skd = ref.skd_pair_wise(s.tolist(), t.tolist())
        assert loss.item() == pytest.approx(0.5 * skd, rel=1e-5)


def test_pixel_similarity_detached_norm_gradient_is_skds():
    """With ``detach_norm=True`` the student's gradient is that of SKD's
    similarity with the node norms held constant (numeric differences of the
    reference at fixed norms); without it, the cosine's full gradient."""
    s = rand(1, 2, 4, 4, seed=24).requires_grad_()
    t = rand(1, 3, 4, 4, seed=25)
    grad = {}
    for detach in (True, False):
        loss = PixelSimilarityLoss(pool_size=2, detach_norm=detach)(s, t)
        grad[detach], = torch.autograd.grad(loss, s)
    base = s.detach().tolist()
    norms = ref.skd_node_norms(ref.max_pool_ceil(base, 2), norm_eps=0.)
    numeric = torch.zeros_like(s)
    h = 1e-6
    for idx in torch.cartesian_prod(*[torch.arange(n) for n in s.shape]):
        i = tuple(idx.tolist())
        plus, minus = s.detach().clone(), s.detach().clone()
        plus[i] += h
        minus[i] -= h
        f_plus, f_minus = (
            ref.skd_pair_wise(
                x.tolist(), t.tolist(), s_norms=norms, norm_eps=0.)
            for x in (plus, minus))
        numeric[i] = (f_plus - f_minus) / (2 * h)
    assert torch.allclose(grad[True], numeric, rtol=1e-5, atol=1e-8)
    assert not torch.allclose(grad[False], numeric, rtol=1e-3, atol=1e-6)
