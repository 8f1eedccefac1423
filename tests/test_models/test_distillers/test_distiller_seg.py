"""Distiller with tiny mmseg PSPNet student and teacher (CPU)."""
import copy

import pytest
import torch
from distill_helpers import build, seg_batch, seg_distill, seg_model

from mmdlkd.registry import MODELS


def seg_distiller(weight=1.0, distill=None, **kwargs):
    return dict(
        type='mmdlkd.Distiller',
        random_teacher=True,
        student=seg_model(base=8),
        teacher=seg_model(base=8),
        distill=distill or seg_distill(weight),
        **kwargs)


def test_teacher_frozen_and_eval(seg_scope):
    model = build(seg_distiller())
    model.train()
    assert model.training and model.student.training
    assert not model.teacher.training
    assert all(not m.training for m in model.teacher.modules())
    assert all(not p.requires_grad for p in model.teacher.parameters())
    assert all(p.requires_grad for p in model.connectors.parameters())


def test_loss_keys_and_weight_zero_equals_student_alone(seg_scope):
    torch.manual_seed(0)
    model = build(seg_distiller(weight=0.0))
    plain = MODELS.build(seg_model(base=8))
    plain.load_state_dict(model.student.state_dict())
    inputs, samples = seg_batch()
    losses = model.loss(inputs, samples)
    expected = plain.loss(inputs, copy.deepcopy(samples))
    assert set(losses) == set(expected) | {'loss_align'}
    for key, value in expected.items():
        assert torch.equal(losses[key], value), key
    assert losses['loss_align'].item() == 0.0


def test_optimizer_step_leaves_teacher_unchanged(seg_scope):
    torch.manual_seed(0)
    model = build(seg_distiller(weight=1.0))
    teacher_before = copy.deepcopy(model.teacher.state_dict())
    student_before = copy.deepcopy(model.student.state_dict())
    conn_before = copy.deepcopy(model.connectors.state_dict())
    optim = torch.optim.SGD(
        model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.1)
    inputs, samples = seg_batch()
    for _ in range(2):
        model.train()
        losses = model.loss(inputs, samples)
        optim.zero_grad()
        sum(v for k, v in losses.items() if 'loss' in k).backward()
        assert all(p.grad is None for p in model.teacher.parameters())
        optim.step()
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, teacher_before[key]), key
    assert not torch.equal(model.student.decode_head.conv_seg.weight,
                           student_before['decode_head.conv_seg.weight'])
    assert not torch.equal(model.connectors['align'].weight,
                           conn_before['align.weight'])


def test_recorders_capture_expected_tensors(seg_scope):
    torch.manual_seed(0)
    model = build(seg_distiller())
    model.eval()  # deterministic BN for the manual forward
    inputs, samples = seg_batch()
    captured = {}
    orig = model.mapping.compute

    def spy(*args):
        captured['s'] = model.student_recorders.get('feat').clone()
        captured['t'] = model.teacher_recorders.get('feat').clone()
        captured['logits'] = model.student_recorders.get('logits').clone()
        return orig(*args)

    model.mapping.compute = spy
    model.loss(inputs, samples)
    with torch.no_grad():
        t_feats = model.teacher.extract_feat(inputs)
        t_expected = model.teacher.decode_head._forward_feature(t_feats)
        s_feats = model.student.extract_feat(inputs)
        s_expected = model.student.decode_head._forward_feature(s_feats)
    assert torch.allclose(captured['t'], t_expected)
    assert torch.allclose(captured['s'], s_expected)
    assert captured['logits'].shape == (2, 4, 8, 8)
    # cleared after the step: nothing is kept across steps
    assert model.student_recorders.recorders['feat'].num_calls == 0
    assert model.teacher_recorders.recorders['feat'].num_calls == 0
    # predict records nothing
    model(inputs, samples, mode='predict')
    assert model.student_recorders.recorders['feat'].num_calls == 0


def test_predict_and_tensor_are_the_students(seg_scope):
    torch.manual_seed(0)
    model = build(seg_distiller()).eval()
    inputs, samples = seg_batch()
    out = model(inputs, copy.deepcopy(samples), mode='predict')
    ref = model.student.predict(inputs, copy.deepcopy(samples))
    for a, b in zip(out, ref):
        assert torch.equal(a.pred_sem_seg.data, b.pred_sem_seg.data)
    assert torch.equal(
        model(inputs, mode='tensor'), model.student(inputs, mode='tensor'))


def test_connector_shape_mismatch_is_named(seg_scope):
    distill = seg_distill()
    distill['connectors']['align']['in_channels'] = 5
    model = build(seg_distiller(distill=distill))
    inputs, samples = seg_batch()
    with pytest.raises(
            RuntimeError, match=r"connector 'align'.*\(2, 8, 8, 8\)"):
        model.loss(inputs, samples)
    # recorders are reset even after a failed step
    assert model.student_recorders.recorders['feat'].num_calls == 0


def test_loss_shape_mismatch_is_named(seg_scope):
    distill = seg_distill()
    distill['connectors']['align']['out_channels'] = 6
    model = build(seg_distiller(distill=distill))
    inputs, samples = seg_batch()
    with pytest.raises(
            RuntimeError,
            match=r"distill loss 'loss_align'.*"
            r's_feat=Tensor\(2, 6, 8, 8\)'):
        model.loss(inputs, samples)


def test_multiview_seg_original_only(seg_scope):
    torch.manual_seed(0)
    model = build(seg_distiller(weight=1.0)).eval()
    plain = MODELS.build(seg_model(base=8)).eval()
    plain.load_state_dict(model.student.state_dict())
    inputs, samples = seg_batch()
    views = [inputs, inputs.flip(-1)]
    losses = model.loss(views, samples)
    expected = plain.loss(inputs, copy.deepcopy(samples))
    for key, value in expected.items():
        assert torch.allclose(losses[key], value, atol=1e-6), key
    assert model.distill_losses['loss_align'].last_num_views == 2
    with pytest.raises(ValueError, match='pixel labels for every view'):
        model.task_loss_views = 'all'
        model.loss(views, samples)
