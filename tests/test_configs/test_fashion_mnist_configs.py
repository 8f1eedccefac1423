"""Every Fashion-MNIST config builds, with the losses, connectors, views and
grey input its name promises."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdlkd.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    osp.relpath(p, ROOT) for p in glob.glob(
        osp.join(ROOT, 'configs', 'fashion_mnist', '**', '*.py'),
        recursive=True))
METHOD_LOSSES = {
    'kd': {'loss_kd'},
    'fitnet': {'loss_fitnet'},
    'at': {'loss_at1', 'loss_at2', 'loss_at3'},
    'sp': {'loss_sp'},
    'rkd': {'loss_rkd'},
    'crd': {'loss_crd'},
    'dlkd': {'loss_align', 'loss_corr', 'loss_sup'},
    'dlkd-kd': {'loss_align', 'loss_corr', 'loss_sup', 'loss_kd'},
    'dlkd-align': {'loss_align'},
    'dlkd-corr': {'loss_corr'},
    'dlkd-sup': {'loss_sup'},
    'dlkd-align-corr': {'loss_align', 'loss_corr'},
    'dlkd-align-sup': {'loss_align', 'loss_sup'},
    'dlkd-corr-sup': {'loss_corr', 'loss_sup'},
    # controls of the CPU pair: KD on DLKD's two views
    'kd-2view': {'loss_kd'},
}
CONTROLS = {'kd-2view'}
# the student alone on DLKD's two views (a distiller without losses)
STUDENT_2VIEW = 'configs/fashion_mnist/resnet8_2view_fashion-mnist.py'
WEIGHTS = dict(loss_align=10.0, loss_corr=20.0, loss_sup=0.5, loss_kd=1.0)
ZOO_TEACHER = 'configs/fashion_mnist/zoo/resnet20_fashion-mnist-1b509a62.pth'
# the connectors each DLKD term feeds its student feature through
TERM_CONNECTORS = dict(
    loss_align={'align'}, loss_corr={'corr'}, loss_sup={'sup_s', 'sup_t'})


def method(rel_path: str) -> str:
    parts = osp.basename(rel_path).split('_')
    return parts[2] if len(parts) == 4 else ''


def test_every_method_and_ablation_is_shipped():
    for pair in ('resnet20_resnet8', 'resnet32x4_resnet8x4'):
        names = {
            osp.basename(c)
            for c in CONFIGS if osp.basename(c).startswith(pair + '_')
        }
        shipped = set(METHOD_LOSSES) - (
            set() if pair == 'resnet20_resnet8' else CONTROLS)
        assert names == {f'{pair}_{m}_fashion-mnist.py' for m in shipped}
    assert 'configs/fashion_mnist/resnet8_fashion-mnist.py' in CONFIGS
    assert STUDENT_2VIEW in CONFIGS
    assert len(
        glob.glob(osp.join(ROOT, 'configs/fashion_mnist/teachers',
                           '*.py'))) == 2


@pytest.mark.parametrize('rel_path', CONFIGS)
def test_config_builds(rel_path):
    cfg = Config.fromfile(osp.join(ROOT, rel_path))
    assert cfg.default_scope == 'mmpretrain'
    init_default_scope('mmpretrain')
    name = method(rel_path)
    if rel_path == STUDENT_2VIEW:
        name = 'student-2view'
    if name:
        if 'resnet32x4' not in rel_path:
            # the model-zoo teacher, shipped in the repository
            assert cfg.model.teacher_ckpt == ZOO_TEACHER
            assert osp.isfile(osp.join(ROOT, ZOO_TEACHER))
        else:
            assert cfg.model.teacher_ckpt.startswith(
                'work_dirs/fashion_mnist/teachers/')
        cfg.model.teacher_ckpt = None  # no trained teacher in tests
        cfg.model.random_teacher = True
    model = MODELS.build(cfg.model)
    if not name:
        # teachers and students alone: grey 32x32 input, 10 classes
        assert type(model).__name__ == 'ImageClassifier'
        assert model.backbone.stem[0].in_channels == 1
        assert model(torch.zeros(2, 1, 32, 32), mode='tensor').shape == (2, 10)
        return
    assert type(model).__name__ == 'Distiller'
    assert set(model.distill_losses) == METHOD_LOSSES.get(name, set())
    # RepDistiller's KD: KD 0.9 with the student's CE at 0.1
    kd = name.startswith('kd')
    weights = dict(WEIGHTS, loss_kd=0.9) if kd else WEIGHTS
    for loss, weight in weights.items():
        if loss in model.distill_losses:
            assert model.distill_losses[loss].loss_weight == weight
    assert model.task_loss_weight == (0.1 if kd else 1.0)
    assert model.student.head.loss_module.loss_weight == 1.0
    if name == 'fitnet':
        # RepDistiller's hint: layer2 through conv (1x1) + BN + ReLU
        hint = model.connectors.hint
        assert type(hint).__name__ == 'ConvRegConnector'
        assert hint.conv.kernel_size == (1, 1)
        assert hint.conv.in_channels == \
            model.student.backbone.stage_channels[1]
        assert hint.conv.out_channels == \
            model.teacher.backbone.stage_channels[1]
        assert cfg.model.distill.recorders.student.feat == 'backbone.layer2'
    views = cfg.train_dataloader.dataset.dataset.dataset.pipeline[0]
    if name.startswith('dlkd'):
        # an ablation builds only the connectors of the terms it keeps
        assert set(model.connectors) == set().union(
            *(TERM_CONNECTORS.get(loss, set())
              for loss in METHOD_LOSSES[name]))
    if name.startswith('dlkd') or name.endswith('2view'):
        # two views; the correlation compares view 1 with view 0; the CE
        # reads view 0 only
        assert cfg.model.num_views == 2
        assert views.type == 'mmdlkd.AugmentedViews'
        assert model.task_loss_views == 'original'
    else:
        assert views.type == 'RandomCrop'
    if 'align' in model.connectors:
        t_dim = model.teacher.head.fc.in_features
        hidden = model.connectors.align.linears[0].out_features
        assert hidden == 16 * t_dim  # the paper's spindle, r = 16
    assert model.student.backbone.stem[0].in_channels == 1
    assert model.teacher.backbone.stem[0].in_channels == 1


def test_ablations_keep_the_full_configs_terms():
    """An ablation turns terms of the full DLKD config off (``None``); the
    terms it keeps equal the full config's, term by term."""
    for pair in ('resnet20_resnet8', 'resnet32x4_resnet8x4'):
        full = Config.fromfile(
            osp.join(ROOT, 'configs/fashion_mnist',
                     f'{pair}_dlkd_fashion-mnist.py')).model.distill
        for path in glob.glob(
                osp.join(ROOT, 'configs/fashion_mnist/ablation',
                         f'{pair}_*.py')):
            part = Config.fromfile(path).model.distill
            assert set(part.losses) == set(full.losses)
            off = {name for name, cfg in part.losses.items() if cfg is None}
            assert off and off < set(full.losses), path
            for key in ('losses', 'loss_inputs', 'connectors'):
                for name, value in part[key].items():
                    if name not in off:
                        assert value == full[key][name], (path, key, name)
