"""MultiViewDataPreprocessor with mmpretrain's ClsDataPreprocessor."""
import pytest
import torch
from distill_helpers import build, cls_distill, cls_model
from mmpretrain.structures import DataSample

from mmdlkd.registry import MODELS

MEAN = [125.3, 123.0, 113.9]
STD = [63.0, 62.1, 66.7]


def make_pp(**kwargs):
    return MODELS.build(
        dict(
            type='mmdlkd.MultiViewDataPreprocessor',
            preprocessor=dict(
                type='ClsDataPreprocessor',
                mean=MEAN,
                std=STD,
                to_rgb=True,
                **kwargs)))


def expected(img):
    mean = torch.tensor(MEAN).view(3, 1, 1)
    std = torch.tensor(STD).view(3, 1, 1)
    return (img.flip(0).float() - mean) / std


def test_pseudo_and_default_collate(cls_scope):
    pp = make_pp()
    imgs = [[
        torch.randint(0, 255, (3, 8, 8), dtype=torch.uint8) for _ in range(3)
    ] for _ in range(2)]  # N=2 samples, V=3
    samples = [DataSample().set_gt_label(i) for i in range(2)]
    out = pp(dict(inputs=imgs, data_samples=samples), training=True)
    assert isinstance(out['inputs'], list) and len(out['inputs']) == 3
    for v in range(3):
        assert out['inputs'][v].shape == (2, 3, 8, 8)
        for n in range(2):
            assert torch.allclose(out['inputs'][v][n], expected(imgs[n][v]))
    assert out['data_samples'] is samples
    batched = [torch.stack([imgs[n][v] for n in range(2)]) for v in range(3)]
    out2 = pp(dict(inputs=batched, data_samples=samples), training=True)
    for v in range(3):
        assert torch.allclose(out2['inputs'][v], out['inputs'][v])


def test_single_view_passes_through(cls_scope):
    pp = make_pp()
    imgs = [
        torch.randint(0, 255, (3, 8, 8), dtype=torch.uint8) for _ in range(2)
    ]
    out = pp(dict(inputs=imgs, data_samples=None))
    assert torch.is_tensor(out['inputs'])
    assert torch.allclose(out['inputs'][1], expected(imgs[1]))


def test_batch_augments_refused(cls_scope):
    pp = make_pp(
        num_classes=5,
        batch_augments=dict(augments=dict(type='Mixup', alpha=1.)))
    imgs = [[torch.zeros(3, 4, 4, dtype=torch.uint8)] * 2] * 2
    samples = [DataSample().set_gt_label(i) for i in range(2)]
    with pytest.raises(NotImplementedError, match='Mixup'):
        pp(dict(inputs=imgs, data_samples=samples), training=True)


def test_distiller_fills_student_preprocessor(cls_scope):
    model = build(
        dict(
            type='mmdlkd.Distiller',
            random_teacher=True,
            student=cls_model(base=16),
            teacher=cls_model(base=32),
            distill=cls_distill(),
            data_preprocessor=dict(type='mmdlkd.MultiViewDataPreprocessor')))
    inner = model.data_preprocessor.preprocessor
    assert type(inner).__name__ == 'ClsDataPreprocessor'
    assert torch.allclose(inner.mean.flatten(), torch.tensor(MEAN))
    imgs = [[
        torch.randint(0, 255, (3, 32, 32), dtype=torch.uint8) for _ in range(2)
    ] for _ in range(2)]
    samples = [DataSample().set_gt_label(i) for i in range(2)]
    data = model.data_preprocessor(
        dict(inputs=imgs, data_samples=samples), True)
    losses = model(**data, mode='loss')
    assert model.distill_losses['loss_align'].last_num_views == 2
    assert set(losses) == {'loss', 'loss_align'}
