"""Build-time checks of the distiller config."""
import copy

import pytest
from distill_helpers import build, cls_distill, cls_model


def make(distill, **kwargs):
    return dict(
        type='mmdlkd.Distiller',
        random_teacher=True,
        student=cls_model(base=16),
        teacher=cls_model(base=32),
        distill=distill,
        **kwargs)


def edited(fn):
    distill = copy.deepcopy(cls_distill())
    fn(distill)
    return make(distill)


def test_unknown_recorder_path_lists_close_names(cls_scope):
    cfg = edited(lambda d: d['recorders']['student'].update(
        feat='backbone.layer1.0.conv'))
    with pytest.raises(ValueError) as info:
        build(cfg)
    msg = str(info.value)
    assert "no module 'backbone.layer1.0.conv'" in msg
    assert "'backbone.layer1.0.conv1'" in msg
    assert "'student.feat'" in msg


@pytest.mark.parametrize('edit, pattern', [
    (lambda d: d['loss_inputs']['loss_align'].update(t_feat='teacher.missing'),
     r"loss_inputs\['loss_align'\]\['t_feat'\].*'teacher.missing' names no "
     r"teacher recorder; teacher recorders are \['feat'\]"),
    (lambda d: d['loss_inputs']['loss_align'].update(
        s_feat=('student.feat', 'nope')),
     r"uses connector 'nope'.*\['align'\]"),
    (lambda d: d['loss_inputs']['loss_align'].update(weights='student.feat'),
     r"'loss_align' \(DistTestMSE\) has no argument 'weights'"),
    (lambda d: d['loss_inputs'].pop('loss_align'),
     r"'loss_align' has no entry in distill.loss_inputs"),
    (lambda d: d['loss_inputs']['loss_align'].pop('t_feat'),
     r"required argument\(s\) \['t_feat'\] are not mapped"),
    (lambda d: d['loss_inputs'].update(loss_x=dict(s_feat='student.feat')),
     r"names losses \['loss_x'\] that are not in distill.losses"),
    (lambda d: d['loss_inputs']['loss_align'].update(s_feat='feat'),
     r"must be 'student.<recorder>'"),
    (lambda d: d['connectors'].update(
        extra=dict(
            type='mmdlkd.DistTestLinear', in_features=2, out_features=2)),
     r"connectors \['extra'\] are used by no loss input"),
    (lambda d: d['losses'].update(align2=d['losses']['loss_align']),
     r"'align2' must contain 'loss'"),
    (lambda d: d.update(extra=1), r"distill has unknown keys \['extra'\]"),
])
def test_mapping_errors(cls_scope, edit, pattern):
    with pytest.raises(ValueError, match=pattern):
        build(edited(edit))


def test_bad_options(cls_scope):
    with pytest.raises(ValueError, match='task_loss_views'):
        build(make(cls_distill(), task_loss_views='rotations'))
    with pytest.raises(ValueError, match='teacher_norm'):
        build(make(cls_distill(), teacher_norm='imagenet'))


def two_terms():
    """``loss_align`` (connector ``align``) and ``loss_proj`` (connectors
    ``align``, then its own ``proj``)."""
    distill = cls_distill()
    distill['connectors']['proj'] = dict(
        type='mmdlkd.DistTestLinear', in_features=64, out_features=64)
    distill['losses']['loss_proj'] = dict(type='mmdlkd.DistTestMSE')
    distill['loss_inputs']['loss_proj'] = dict(
        s_feat=('student.feat', 'align', 'proj'), t_feat='teacher.feat')
    return distill


def test_loss_set_to_none_is_left_out_with_its_own_connectors(cls_scope):
    full = build(make(two_terms()))
    assert set(full.distill_losses) == {'loss_align', 'loss_proj'}
    assert set(full.connectors) == {'align', 'proj'}
    # off: loss_proj, its inputs and proj; align stays (loss_align uses it)
    distill = two_terms()
    distill['losses']['loss_proj'] = None
    model = build(make(distill))
    assert set(model.distill_losses) == {'loss_align'}
    assert set(model.mapping.inputs) == {'loss_align'}
    assert set(model.connectors) == {'align'}
    # both off: no connector is left
    distill['losses']['loss_align'] = None
    assert len(build(make(distill)).connectors) == 0


def test_connector_of_no_loss_is_still_refused_with_a_loss_off(cls_scope):
    distill = two_terms()
    distill['losses']['loss_proj'] = None
    distill['connectors']['extra'] = dict(
        type='mmdlkd.DistTestLinear', in_features=2, out_features=2)
    with pytest.raises(ValueError, match=r"\['extra'\] are used by no loss"):
        build(make(distill))
