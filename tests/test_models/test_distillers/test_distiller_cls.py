"""Distiller with tiny mmpretrain classifiers, single and multi-view."""
import copy

import pytest
import torch
import torch.nn.functional as F
from distill_helpers import build, cls_batch, cls_distill, cls_model

from mmdlkd.registry import MODELS


def cls_distiller(weight=1.0, distill=None, **kwargs):
    return dict(
        type='mmdlkd.Distiller',
        random_teacher=True,
        student=cls_model(base=16),
        teacher=cls_model(base=32),
        distill=distill or cls_distill(weight),
        **kwargs)


def test_single_view_loss_and_weight(cls_scope):
    torch.manual_seed(0)
    model = build(cls_distiller(weight=2.0))
    plain = MODELS.build(cls_model(base=16))
    plain.load_state_dict(model.student.state_dict())
    inputs, samples = cls_batch()
    losses = model.loss(inputs, samples)
    assert set(losses) == {'loss', 'loss_align'}
    assert torch.equal(losses['loss'], plain.loss(inputs, samples)['loss'])
    with torch.no_grad():
        t = model.teacher.extract_feat(inputs)[-1]
        s = model.student.extract_feat(inputs)[-1]
        expected = 2.0 * F.mse_loss(model.connectors['align'](s), t)
    assert torch.allclose(losses['loss_align'], expected, atol=1e-6)
    assert model.distill_losses['loss_align'].last_num_views == 1
    # the log shows the total as ``loss`` and the head's CE beside it
    total, log_vars = model.parse_losses(losses)
    assert list(log_vars) == ['loss', 'student.loss', 'loss_align']
    assert torch.equal(log_vars['student.loss'], losses['loss'])
    assert torch.allclose(total, losses['loss'] + losses['loss_align'])
    assert torch.equal(log_vars['loss'], total)


def test_multiview_ce_on_original_rows_only(cls_scope):
    torch.manual_seed(0)
    distill = cls_distill()
    distill['losses']['loss_sup'] = dict(type='mmdlkd.DistTestLabelLoss')
    distill['loss_inputs']['loss_sup'] = dict(
        s_feat='student.feat', labels='labels')
    model = build(cls_distiller(distill=distill, num_views=3)).eval()
    plain = MODELS.build(cls_model(base=16)).eval()
    plain.load_state_dict(model.student.state_dict())
    views, samples = cls_batch(n=2, views=3)
    calls = []
    handle = model.student.backbone.register_forward_hook(
        lambda m, i, o: calls.append(i[0].shape[0]))
    losses = model.loss(views, samples)
    handle.remove()
    assert calls == [6]  # one backbone pass over all 3x2 rows
    expected = plain.loss(views[0], samples)['loss']
    assert torch.allclose(losses['loss'], expected, atol=1e-6)
    assert model.distill_losses['loss_align'].last_num_views == 3
    labels = torch.cat([s.gt_label for s in samples])
    assert torch.equal(model.distill_losses['loss_sup'].last_labels,
                       labels.repeat(3))
    # the alignment loss sees all views
    with torch.no_grad():
        cat = torch.cat(views)
        t = model.teacher.extract_feat(cat)[-1]
        s = model.connectors['align'](model.student.extract_feat(cat)[-1])
    assert torch.allclose(losses['loss_align'], F.mse_loss(s, t), atol=1e-6)

    with pytest.raises(ValueError, match='expects 3 views.*gives 2'):
        model.loss(views[:2], samples)


def test_multiview_task_loss_all_views(cls_scope):
    torch.manual_seed(0)
    model = build(cls_distiller(task_loss_views='all')).eval()
    plain = MODELS.build(cls_model(base=16)).eval()
    plain.load_state_dict(model.student.state_dict())
    views, samples = cls_batch(n=2, views=2)
    losses = model.loss(views, samples)
    expected = plain.loss(torch.cat(views), samples * 2)['loss']
    assert torch.allclose(losses['loss'], expected, atol=1e-6)


def test_predict_uses_student_and_original_view(cls_scope):
    model = build(cls_distiller()).eval()
    views, samples = cls_batch(n=2, views=2)
    out = model(views, copy.deepcopy(samples), mode='predict')
    ref = model.student.predict(views[0], copy.deepcopy(samples))
    for a, b in zip(out, ref):
        assert torch.equal(a.pred_score, b.pred_score)


def test_unindexed_tuple_recorder_is_explained(cls_scope):
    distill = cls_distill()
    distill['recorders']['student']['feat'] = 'neck'
    model = build(cls_distiller(distill=distill))
    inputs, samples = cls_batch()
    with pytest.raises(
            TypeError, match="'student.feat' is a tuple of 1.*"
            'set index'):
        model.loss(inputs, samples)


def test_teacher_runs_only_needed_modules(cls_scope):
    model = build(cls_distiller())
    calls = []
    model.teacher.head.register_forward_hook(lambda *a: calls.append(1))
    inputs, samples = cls_batch()
    model.loss(inputs, samples)
    assert calls == []  # the teacher's head is not recorded, so not run


def test_without_distill_is_the_student(cls_scope):
    torch.manual_seed(0)
    model = build(
        dict(
            type='mmdlkd.Distiller',
            random_teacher=True,
            student=cls_model(base=16),
            teacher=cls_model(base=32)))
    plain = MODELS.build(cls_model(base=16))
    plain.load_state_dict(model.student.state_dict())
    inputs, samples = cls_batch()
    losses = model.loss(inputs, samples)
    assert set(losses) == {'loss'}
    assert torch.equal(losses['loss'], plain.loss(inputs, samples)['loss'])
