"""``task_loss_weight``: the factor on the student's own losses (RepDistiller's
CE weight ``-r``), for classification and segmentation students."""
import copy

import pytest
import torch
from distill_helpers import (build, cls_batch, cls_distill, cls_model,
                             seg_batch, seg_distill, seg_model)

from mmdlkd.registry import MODELS


def cls_distiller(**kwargs):
    return dict(
        type='mmdlkd.Distiller',
        random_teacher=True,
        student=cls_model(base=16),
        teacher=cls_model(base=32),
        distill=cls_distill(),
        **kwargs)


def seg_distiller(**kwargs):
    return dict(
        type='mmdlkd.Distiller',
        random_teacher=True,
        student=seg_model(base=8),
        teacher=seg_model(base=8),
        distill=seg_distill(1.0),
        **kwargs)


def test_cls_weight_equals_the_heads_loss_weight(cls_scope):
    """0.1 on the Distiller is the head's ``loss_weight=0.1``."""
    torch.manual_seed(0)
    model = build(cls_distiller(task_loss_weight=0.1))
    assert model.task_loss_weight == 0.1
    head_weighted = cls_model(base=16)
    head_weighted['head']['loss'] = dict(
        type='CrossEntropyLoss', loss_weight=0.1)
    plain = MODELS.build(head_weighted)
    plain.load_state_dict(model.student.state_dict())
    inputs, samples = cls_batch()
    losses = model.loss(inputs, samples)
    expected = plain.loss(inputs, samples)['loss']
    assert torch.allclose(losses['loss'], expected, rtol=1e-6)
    unweighted = MODELS.build(cls_model(base=16))
    unweighted.load_state_dict(model.student.state_dict())
    ce = unweighted.loss(inputs, samples)['loss']
    assert losses['loss'].item() == pytest.approx(0.1 * ce.item(), rel=1e-6)


def test_seg_weight_scales_every_loss_not_the_accuracy(seg_scope):
    torch.manual_seed(0)
    model = build(seg_distiller(task_loss_weight=0.25))
    plain = MODELS.build(seg_model(base=8))
    plain.load_state_dict(model.student.state_dict())
    inputs, samples = seg_batch()
    losses = model.loss(inputs, samples)
    expected = plain.loss(inputs, copy.deepcopy(samples))
    scaled = [key for key in expected if 'loss' in key]
    assert len(scaled) >= 2  # decode and auxiliary heads
    for key, value in expected.items():
        factor = 0.25 if 'loss' in key else 1.0
        assert torch.allclose(losses[key], factor * value, rtol=1e-6), key
    # the distillation loss is not scaled
    unscaled = build(seg_distiller())
    unscaled.load_state_dict(model.state_dict())
    assert torch.allclose(
        unscaled.loss(inputs, copy.deepcopy(samples))['loss_align'],
        losses['loss_align'])


def test_negative_weight_is_refused(cls_scope):
    with pytest.raises(ValueError, match='task_loss_weight must be >= 0'):
        build(cls_distiller(task_loss_weight=-1.0))
