"""Bad input fails fast with a message naming the key or module: multi-view
pipelines vs the distiller's preprocessor and num_views, teacher and
student class scores over different classes."""
import copy

import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope

from mmdlkd.registry import MODELS


def rotation_batch(digits_root, n=3):
    from mmpretrain.registry import DATASETS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        dataset = DATASETS.build(
            dict(
                type='CustomDataset',
                data_root=digits_root,
                data_prefix='train',
                pipeline=[
                    dict(type='LoadImageFromFile'),
                    dict(
                        type='mmdlkd.RotationViews', angles=(0, 90, 180, 270)),
                    dict(type='PackInputs')
                ]))
    return pseudo_collate([dataset[i] for i in range(n)])


def corr_distiller(cfg, **kwargs):
    model = copy.deepcopy(cfg.model)
    model.distill = dict(
        recorders=dict(
            student=dict(feat=dict(source='neck', index=-1)),
            teacher=dict(feat=dict(source='neck', index=-1))),
        losses=dict(loss_corr=dict(type='mmdlkd.CorrelationLoss')),
        loss_inputs=dict(
            loss_corr=dict(s_feat='student.feat', t_feat='teacher.feat')))
    model.update(kwargs)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(model)


class NoStep:
    """An optim wrapper stand-in: the checks fail before any update."""

    def optim_context(self, model):
        import contextlib
        return contextlib.nullcontext()

    def update_params(self, loss):
        pass


def test_views_need_the_multiview_preprocessor(tiny_distill_cfg, digits_root):
    batch = rotation_batch(digits_root)
    model = corr_distiller(tiny_distill_cfg)
    with pytest.raises(ValueError) as info:
        model.train_step(batch, NoStep())
    msg = str(info.value)
    assert 'gives 4 views per sample' in msg
    assert 'mmdlkd.RotationViews' in msg
    assert 'ClsDataPreprocessor' in msg
    assert "data_preprocessor=dict(type='mmdlkd.MultiViewDataPreprocessor')" \
        in msg


def test_views_must_match_num_views(tiny_distill_cfg, digits_root):
    batch = rotation_batch(digits_root)
    model = corr_distiller(
        tiny_distill_cfg,
        num_views=2,
        data_preprocessor=dict(type='mmdlkd.MultiViewDataPreprocessor'))
    with pytest.raises(ValueError) as info:
        model.train_step(batch, NoStep())
    msg = str(info.value)
    assert 'expects 2 views per batch (model.num_views=2)' in msg
    assert 'gives 4' in msg and 'RotationViews: len(angles)' in msg


def test_matching_views_train_with_correct_view_order(tiny_distill_cfg,
                                                      digits_root):
    """mmengine's pseudo_collate gives V tuples of N images: the views are
    not mixed up with the samples (regression: they were, for V != N)."""
    batch = rotation_batch(digits_root, n=3)
    model = corr_distiller(
        tiny_distill_cfg,
        num_views=4,
        data_preprocessor=dict(type='mmdlkd.MultiViewDataPreprocessor'))
    data = model.data_preprocessor(batch, True)
    views = data['inputs']
    assert len(views) == 4 and views[0].shape == (3, 3, 32, 32)
    for v in range(4):
        assert torch.allclose(views[v], torch.rot90(views[0], v, (2, 3)))
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['loss_corr'])


def test_teacher_student_class_scores_at_build(tiny_distill_cfg):
    model = copy.deepcopy(tiny_distill_cfg.model)
    model.teacher.head.num_classes = 100
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        with pytest.raises(ValueError) as info:
            MODELS.build(model)
    msg = str(info.value)
    assert 'the teacher has 100 classes (teacher head.num_classes)' in msg
    assert 'the student 10 (student head.num_classes)' in msg
    assert "logits (head.fc)" in msg
    # features only: a teacher from another dataset is fine
    model.distill.recorders.student.pop('logits')
    model.distill.recorders.teacher.pop('logits')
    model.distill.losses.pop('loss_kd')
    model.distill.loss_inputs.pop('loss_kd')
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        MODELS.build(model)
