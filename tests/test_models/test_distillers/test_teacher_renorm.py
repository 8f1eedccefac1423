"""Numerics of the teacher re-normalisation."""
import torch
from distill_helpers import build, cls_batch, cls_distill, cls_model

from mmdlkd.models.distillers import TeacherRenormalizer
from mmdlkd.models.distillers.renorm import norm_of


def test_renormalizer_matches_direct_normalisation():
    torch.manual_seed(0)
    raw = torch.rand(2, 3, 8, 8) * 255
    mean_s, std_s = torch.tensor([1., 2., 3.]), torch.tensor([4., 5., 6.])
    mean_t = torch.tensor([123.675, 116.28, 103.53])
    std_t = torch.tensor([58.395, 57.12, 57.375])
    view = (1, 3, 1, 1)
    for flip_s, flip_t in [(False, False), (False, True), (True, False),
                           (True, True)]:
        x_s = raw.flip(1) if flip_s else raw
        x_s = (x_s - mean_s.view(view)) / std_s.view(view)
        x_t = raw.flip(1) if flip_t else raw
        x_t = (x_t - mean_t.view(view)) / std_t.view(view)
        renorm = TeacherRenormalizer((mean_s, std_s, flip_s),
                                     (mean_t, std_t, flip_t))
        assert torch.allclose(renorm(x_s), x_t, atol=1e-5)


def test_distiller_feeds_renormalised_batch(cls_scope):
    cfg = dict(
        type='mmdlkd.Distiller',
        random_teacher=True,
        student=cls_model(base=16),
        teacher=cls_model(base=32),
        distill=cls_distill(),
        teacher_norm=dict(
            mean=[0., 0., 0.], std=[255., 255., 255.], bgr_to_rgb=True))
    model = build(cfg)
    seen = []
    model.teacher.backbone.register_forward_hook(
        lambda m, i, o: seen.append(i[0]))
    inputs, samples = cls_batch()
    model.loss(inputs, samples)
    mean, std, flip = norm_of(model.data_preprocessor)
    assert not flip
    raw = inputs * std.view(1, 3, 1, 1) + mean.view(1, 3, 1, 1)
    assert torch.allclose(seen[0], raw.flip(1) / 255., atol=1e-5)


def test_teacher_option_uses_teacher_preprocessor(cls_scope):
    teacher = cls_model(base=32)
    teacher['data_preprocessor'].update(
        mean=[0., 0., 0.], std=[1., 1., 1.], to_rgb=True)
    cfg = dict(
        type='mmdlkd.Distiller',
        random_teacher=True,
        student=cls_model(base=16),
        teacher=teacher,
        distill=cls_distill(),
        teacher_norm='teacher')
    model = build(cfg)
    x = torch.randn(1, 3, 2, 2)
    mean, std, _ = norm_of(model.data_preprocessor)
    raw = x * std.view(1, 3, 1, 1) + mean.view(1, 3, 1, 1)
    assert torch.allclose(model.renorm(x), raw.flip(1), atol=1e-4)
