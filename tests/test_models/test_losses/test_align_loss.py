import math

import pytest
import torch
import torch.nn.functional as F

from mmdlkd.models.losses import AlignLoss


def test_align_hand_computed_vectors():
    s = torch.tensor([[1., 2.], [3., 0.]])
    t = torch.tensor([[0., 2.], [1., 1.]])
    # squared distances summed over channels: 1 and 4 + 1; mean 3
    raw = AlignLoss(normalize=False)
    assert raw(s_feat=s, t_feat=t).item() == pytest.approx(3.)
    raw2 = AlignLoss(loss_weight=2., normalize=False)
    assert raw2(s, t).item() == pytest.approx(6.)


def test_align_normalized_hand_computed():
    s = torch.tensor([[1., 0.], [3., 4.]])
    t = torch.tensor([[0., 5.], [3., 4.]])
    # cos = 0 and 1 -> (2 - 0 + 2 - 2) / 2
    loss = AlignLoss(normalize=True)(s, t)
    assert loss.item() == pytest.approx(1.)
    # 45 degrees
    loss = AlignLoss(normalize=True)(torch.tensor([[1., 1.]]),
                                     torch.tensor([[0., 2.]]))
    assert loss.item() == pytest.approx(2 - 2 * math.cos(math.pi / 4))


def test_align_normalized_scale_invariant_and_zero():
    torch.manual_seed(0)
    s, t = torch.randn(4, 6, 3, 2), torch.randn(4, 6, 3, 2)
    loss = AlignLoss(normalize=True)
    assert loss(3 * s, 0.5 * t).item() == pytest.approx(
        loss(s, t).item(), rel=1e-5)
    assert loss(2 * s, s).item() == pytest.approx(0., abs=1e-6)
    assert AlignLoss(normalize=False)(s, s).item() == 0.


def test_align_maps_per_pixel_and_mask():
    torch.manual_seed(0)
    s, t = torch.randn(2, 3, 4, 5), torch.randn(2, 3, 4, 5)
    per_pixel = ((s - t)**2).sum(1)
    assert AlignLoss(normalize=False)(s, t).item() == pytest.approx(
        per_pixel.mean().item(), rel=1e-6)
    mask = torch.rand(2, 4, 5) > 0.5
    expected = per_pixel[mask].mean().item()
    loss = AlignLoss(normalize=False)(s, t, valid_mask=mask)
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    # a mask at twice the resolution is resized with nearest
    big = mask.repeat_interleave(2, 1).repeat_interleave(2, 2)
    loss = AlignLoss(normalize=False)(s, t, valid_mask=big)
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    # vectors with a per-sample mask
    sv, tv = s[:, :, 0, 0], t[:, :, 0, 0]
    loss = AlignLoss(normalize=False)(
        sv, tv, valid_mask=torch.tensor([False, True]))
    assert loss.item() == pytest.approx(per_pixel[1, 0, 0].item())


def test_align_all_masked_is_zero_with_graph():
    s = torch.randn(2, 3, 4, 4, requires_grad=True)
    loss = AlignLoss(normalize=False)(s, torch.randn(2, 3, 4, 4),
                                      torch.zeros(2, 4, 4, dtype=torch.bool))
    assert loss.item() == 0.
    loss.backward()
    assert torch.equal(s.grad, torch.zeros_like(s))


@pytest.mark.parametrize('resize_to', ['teacher', 'student'])
def test_align_resize(resize_to):
    torch.manual_seed(0)
    s, t = torch.randn(1, 3, 4, 4), torch.randn(1, 3, 8, 8)
    if resize_to == 'teacher':
        s_ref, t_ref = F.interpolate(
            s, (8, 8), mode='bilinear', align_corners=False), t
    else:
        s_ref, t_ref = s, F.interpolate(
            t, (4, 4), mode='bilinear', align_corners=False)
    expected = ((s_ref - t_ref)**2).sum(1).mean()
    assert AlignLoss(
        normalize=False, resize_to=resize_to)(s, t).item() == pytest.approx(
            expected.item(), rel=1e-6)


def test_align_teacher_gets_no_grad():
    s = torch.randn(3, 4, requires_grad=True)
    t = torch.randn(3, 4, requires_grad=True)
    for normalize in (False, True):
        AlignLoss(normalize=normalize)(s, t).backward()
    assert s.grad is not None and t.grad is None


@pytest.mark.parametrize('normalize', [False, True])
def test_align_gradcheck(normalize):
    torch.manual_seed(0)
    loss = AlignLoss(normalize=normalize, loss_weight=0.7)
    s = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    t = torch.randn(3, 4, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda x: loss(x, t), (s, ))
    sm = torch.randn(2, 3, 2, 2, dtype=torch.float64, requires_grad=True)
    tm = torch.randn(2, 3, 3, 3, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda x: loss(x, tm), (sm, ))


def test_align_edge_cases():
    zero = torch.zeros(2, 4, requires_grad=True)
    loss = AlignLoss(normalize=True)(zero, torch.randn(2, 4))
    assert loss.item() == pytest.approx(2.)
    loss.backward()
    assert torch.isfinite(zero.grad).all()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = AlignLoss(normalize=False)(torch.randn(2, 3).bfloat16(),
                                         torch.randn(2, 3))
    assert out.dtype == torch.float32 and torch.isfinite(out)
    with pytest.raises(ValueError, match='channels'):
        AlignLoss(normalize=False)(torch.randn(2, 3), torch.randn(2, 4))
    with pytest.raises(ValueError, match='t_feat'):
        AlignLoss(normalize=False)(torch.randn(2, 3), torch.randn(2, 3, 1, 1))


def test_default_is_the_authors_normalised_form():
    s, t = torch.tensor([[3., 4.]]), torch.tensor([[10., 0.]])
    # 2 - 2 cos = 2 - 2 * 0.6
    assert AlignLoss()(s, t).item() == pytest.approx(0.8)
