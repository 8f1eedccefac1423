"""Numerics of the teacher re-normalisation."""
import pytest
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


def test_mmpretrain_zoo_teacher_gets_its_top_level_normalisation(cls_scope):
    """An mmpretrain cfg_path teacher keeps its normalisation in the
    config's top-level data_preprocessor: the teacher is built with it, so
    the norm check warns and teacher_norm='teacher' re-normalises to it."""
    student = cls_model(base=16)
    student['data_preprocessor'].update(
        mean=[10., 20., 30.], std=[2., 4., 8.], to_rgb=False)
    model = build(
        dict(
            type='mmdlkd.Distiller',
            random_teacher=True,
            student=student,
            teacher=dict(cfg_path='mmpretrain::resnet/resnet18_8xb32_in1k.py'),
            teacher_norm='teacher'))
    mean, std, flip = norm_of(model.teacher.data_preprocessor)
    assert mean.tolist() == pytest.approx([123.675, 116.28, 103.53])
    assert std.tolist() == pytest.approx([58.395, 57.12, 57.375])
    assert flip
    raw = torch.rand(1, 3, 2, 2) * 255
    x = (raw - torch.tensor([10., 20., 30.]).view(1, 3, 1, 1)) / torch.tensor(
        [2., 4., 8.]).view(1, 3, 1, 1)
    want = (raw.flip(1) - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)
    assert torch.allclose(model.renorm(x), want, atol=1e-4)
