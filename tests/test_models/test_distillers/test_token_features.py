"""Token features in a distiller: an mmpretrain ViT teacher and a CNN
student. Tokens are converted where they are recorded or by a connector;
unconverted tokens are refused with a message that names the loss input,
its recorder and module, both recorded shapes and the options."""
import pytest
import torch
import torch.nn as nn
from distill_helpers import build, cls_batch, cls_model

from mmdlkd.registry import MODELS

EMBED = 16


def vit_model(num_classes=5):
    """A tiny mmpretrain ViT classifier: 32x32 images, 8x8 patches (a 4x4
    grid and a class token: 17 tokens of 16 channels)."""
    model = cls_model(num_classes=num_classes)
    model.update(
        backbone=dict(
            type='VisionTransformer',
            arch=dict(
                embed_dims=EMBED,
                num_layers=1,
                num_heads=2,
                feedforward_channels=32),
            img_size=32,
            patch_size=8),
        neck=None,
        head=dict(
            type='VisionTransformerClsHead',
            num_classes=num_classes,
            in_channels=EMBED))
    return model


@MODELS.register_module(name='DistTestTokenLoss', force=True)
class DistTestTokenLoss(nn.Module):
    """Test-local loss that takes token sequences itself."""

    accepts_tokens = True

    def forward(self, s_feat, t_feat):
        self.last_shapes = (tuple(s_feat.shape), tuple(t_feat.shape))
        return (s_feat.mean() - t_feat.mean())**2


def align(s_feat, t_feat, connector=None):
    """An AlignLoss on two sources, the student's through ``connector``."""
    connectors = {} if connector is None else dict(align=connector)
    s_spec = s_feat if connector is None else (s_feat, 'align')
    return dict(
        connectors=connectors,
        losses=dict(loss_align=dict(type='mmdlkd.AlignLoss')),
        loss_inputs=dict(loss_align=dict(s_feat=s_spec, t_feat=t_feat)))


def distiller(recorders, **distill):
    return dict(
        type='mmdlkd.Distiller',
        random_teacher=True,
        student=cls_model(base=16),
        teacher=vit_model(),
        distill=dict(recorders=recorders, **distill))


VEC = dict(source='neck', index=-1)  # the student's pooled 32-d feature
LINEAR = dict(
    type='mmdlkd.LinearConnector', in_channels=32, out_channels=EMBED)


def test_recorded_class_token_is_the_backbone_output(cls_scope):
    """tokens=dict(to='cls') on the final norm records what the ViT's
    backbone returns (out_type='cls_token') and its head classifies; 'mean'
    the mean of the 16 patch tokens; 'map' the 4x4 grid."""
    torch.manual_seed(0)
    ln1 = 'backbone.ln1'
    model = build(
        distiller(
            dict(
                student=dict(feat=VEC),
                teacher=dict(
                    vec=dict(source='backbone', index=-1),
                    raw=ln1,
                    cls=dict(
                        source=ln1, tokens=dict(to='cls', num_extra_tokens=1)),
                    mean=dict(
                        source=ln1, tokens=dict(to='mean',
                                                num_extra_tokens=1)),
                    map=dict(
                        source=ln1, tokens=dict(to='map',
                                                num_extra_tokens=1)))),
            **align('student.feat', 'teacher.cls', LINEAR)))
    inputs, samples = cls_batch()
    model.run_teacher(inputs)
    get = model.teacher_recorders.get
    raw = get('raw')
    assert raw.shape == (2, 17, EMBED)
    assert torch.equal(get('cls'), get('vec'))
    assert torch.equal(get('mean'), raw[:, 1:].mean(1))
    assert get('map').shape == (2, EMBED, 4, 4)
    assert torch.equal(get('map')[:, :, 1, 2], raw[:, 1 + 1 * 4 + 2])
    losses = model.loss(inputs, samples)
    assert torch.isfinite(losses['loss_align'])


def test_map_by_recorder_or_connector_gives_the_same_loss(cls_scope):
    """A student stage map against the teacher's patch-token map, made by
    the recorder option or by a TokensToMap connector: the same loss."""
    student = dict(stage=dict(source='backbone', index=-1))  # [2,32,16,16]
    pixel = dict(
        type='mmdlkd.PixelMLPConnector',
        in_channels=32,
        out_channels=EMBED,
        hidden_channels=8)
    by_recorder = distiller(
        dict(
            student=student,
            teacher=dict(
                map=dict(
                    source='backbone.layers.0',
                    tokens=dict(to='map', num_extra_tokens=1)))),
        **align('student.stage', 'teacher.map', pixel))
    by_connector = distiller(
        dict(student=student, teacher=dict(tok='backbone.layers.0')),
        **align('student.stage', 'teacher.tok', pixel))
    by_connector['distill']['connectors']['to_map'] = dict(
        type='mmdlkd.TokensToMap', num_extra_tokens=1)
    by_connector['distill']['loss_inputs']['loss_align']['t_feat'] = (
        'teacher.tok', 'to_map')
    values = []
    for cfg in (by_recorder, by_connector):
        torch.manual_seed(0)
        model = build(cfg)
        values.append(model.loss(*cls_batch())['loss_align'])
    assert torch.isfinite(values[0]) and values[0] > 0
    assert torch.equal(values[0], values[1])


def test_tokens_for_a_vector_loss_are_refused_with_the_options(cls_scope):
    model = build(
        distiller(
            dict(student=dict(feat=VEC), teacher=dict(feat='backbone.ln1')),
            **align('student.feat', 'teacher.feat', LINEAR)))
    with pytest.raises(ValueError) as info:
        model.loss(*cls_batch())
    msg = str(info.value)
    assert msg.startswith("distill loss 'loss_align' (AlignLoss) takes "
                          'vectors [N, C] or maps [N, C, H, W]')
    assert ("loss_inputs['loss_align']['t_feat'] ('teacher.feat') is a "
            'token sequence [N, L, C] of shape (2, 17, 16) (17 = 1 + 4x4 '
            'tokens)') in msg
    # both recorded shapes, with their sources
    assert ("recorded inputs: s_feat=Tensor(2, 32) from 'student.feat', "
            "t_feat=Tensor(2, 17, 16) from 'teacher.feat'") in msg
    assert ("dict(source='backbone.ln1', tokens=dict(to='mean', "
            'num_extra_tokens=1))') in msg
    assert 'mmdlkd.TokenPool / mmdlkd.TokensToMap' in msg
    assert 'accepts_tokens = True' in msg


def test_tokens_for_a_connector_are_refused(cls_scope):
    sup = dict(type='mmdlkd.LinearConnector', in_channels=EMBED)
    model = build(
        distiller(
            dict(student=dict(feat=VEC), teacher=dict(feat='backbone.ln1')),
            connectors=dict(sup_t=sup),
            losses=dict(loss_tok=dict(type='mmdlkd.AlignLoss')),
            loss_inputs=dict(
                loss_tok=dict(
                    s_feat='student.feat', t_feat=('teacher.feat', 'sup_t')))))
    with pytest.raises(ValueError) as info:
        model.loss(*cls_batch())
    msg = str(info.value)
    assert msg.startswith("connector 'sup_t' (LinearConnector) takes "
                          'vectors [N, C] or maps')
    assert "('teacher.feat' -> 'sup_t') is a token sequence" in msg
    assert "source='backbone.ln1'" in msg


def test_a_loss_that_accepts_tokens_gets_them(cls_scope):
    model = build(
        distiller(
            dict(student=dict(feat=VEC), teacher=dict(feat='backbone.ln1')),
            losses=dict(loss_tok=dict(type='mmdlkd.DistTestTokenLoss')),
            loss_inputs=dict(
                loss_tok=dict(s_feat='student.feat', t_feat='teacher.feat'))))
    losses = model.loss(*cls_batch())
    assert model.distill_losses['loss_tok'].last_shapes == ((2, 32), (2, 17,
                                                                      EMBED))
    assert torch.isfinite(losses['loss_tok'])


def test_a_loss_failure_names_each_input_chain(cls_scope):
    """A vector against a map (no sensible pairing for AlignLoss): the
    loss's own error, with each input's shape, source and connectors."""
    model = build(
        distiller(
            dict(
                student=dict(feat=VEC),
                teacher=dict(
                    map=dict(
                        source='backbone.ln1',
                        tokens=dict(to='map', num_extra_tokens=1)))),
            **align('student.feat', 'teacher.map', LINEAR)))
    with pytest.raises(ValueError) as info:
        model.loss(*cls_batch())
    msg = str(info.value)
    assert ("distill loss 'loss_align' (AlignLoss) failed on inputs "
            "s_feat=Tensor(2, 16) ('student.feat' -> 'align'), "
            "t_feat=Tensor(2, 16, 4, 4) ('teacher.map')") in msg
    assert 't_feat must have 2 dims' in msg
