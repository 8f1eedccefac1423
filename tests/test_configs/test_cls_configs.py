"""Every shipped classification config (CIFAR-100, ImageNet, self-supervised
teachers; not the Cityscapes and demo ones, which have their own tests)
loads and builds on the CPU without downloads, with the intended losses,
weights, views, protocol, and connectors whose channels match the
backbones' actual output dims."""
import copy
import functools
import glob
import os.path as osp
from unittest import mock

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdlkd.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _glob(*parts):
    return glob.glob(osp.join(ROOT, 'configs', *parts), recursive=True)


CONFIGS = sorted(
    osp.relpath(p, ROOT)
    for p in _glob('cifar100', '**', '*.py') + _glob('selfsup', '*.py') +
    _glob('dlkd', 'resnet*.py') + _glob('baselines', 'resnet*.py'))
CIFAR = [c for c in CONFIGS if c.startswith('configs/cifar100/')]
LOW_LR = ('mobilenetv2', 'shufflenetv1', 'shufflenetv2')

DLKD_CIFAR = {
    'loss_align': ('AlignLoss', 20.0),
    'loss_corr': ('CorrelationLoss', 50.0),
    'loss_sup': ('SupConDistillLoss', 1.0)
}
DLKD_PAPER = {
    'loss_align': ('AlignLoss', 10.0),
    'loss_corr': ('CorrelationLoss', 20.0),
    'loss_sup': ('SupConDistillLoss', 0.5)
}
KD = {'loss_kd': ('KDLoss', 1.0)}
BASELINES = {
    'kd': {
        'loss_kd': ('KDLoss', 0.9)
    },
    'fitnet': {
        'loss_fitnet': ('FitNetLoss', 100.0)
    },
    'at': {
        f'loss_at{i}': ('ATLoss', 1000.0)
        for i in (1, 2, 3)
    },
    'sp': {
        'loss_sp': ('SPLoss', 3000.0)
    },
    'rkd': {
        'loss_rkd': ('RKDLoss', 1.0)
    },
    'crd': {
        'loss_crd': ('CRDLoss', 0.8)
    },
}
PAIRS = ('wrn-40-2_wrn-16-2', 'wrn-40-2_wrn-40-1', 'resnet56_resnet20',
         'resnet32x4_resnet8x4', 'vgg13_vgg8', 'vgg13_mobilenetv2',
         'resnet50_mobilenetv2', 'resnet50_vgg8', 'resnet32x4_shufflenetv1',
         'resnet32x4_shufflenetv2', 'wrn-40-2_shufflenetv1')


def expected_losses(rel_path: str):
    """{loss name: (type, weight)}, or None for a model trained alone."""
    name = osp.basename(rel_path)
    if '/selfsup/' in rel_path:
        return {k: v for k, v in DLKD_PAPER.items() if k != 'loss_sup'}
    if '_dlkd-kd_' in name:
        return {**DLKD_CIFAR, **KD}
    if '_dlkd' in name or rel_path.startswith('configs/dlkd/'):
        return DLKD_PAPER if 'in1k' in name or 'imagenet' in name else \
            DLKD_CIFAR
    for method, losses in BASELINES.items():
        if f'_{method}_' in name:
            return losses
    return None


@functools.lru_cache(maxsize=None)
def _load(rel_path: str) -> Config:
    return Config.fromfile(osp.join(ROOT, rel_path))


def load(rel_path: str) -> Config:
    return copy.deepcopy(_load(rel_path))


@functools.lru_cache(maxsize=None)
def build_path(rel_path: str):
    """Build each config once, without the random initialisation of the
    convolutions and linear layers (their weights stay uninitialised: fine
    for shapes; the ResNet-50 teachers take seconds otherwise)."""
    with mock.patch.object(nn.Conv2d, 'reset_parameters', _no_init), \
            mock.patch.object(nn.Linear, 'reset_parameters', _no_init):
        return build(load(rel_path))


def _no_init(module) -> None:
    pass


def build(cfg: Config):
    """The model as the Runner builds it, without the teacher checkpoint."""
    init_default_scope(cfg.default_scope)
    model_cfg = cfg.model.to_dict()
    if model_cfg['type'] == 'mmdlkd.Distiller':
        model_cfg['teacher_ckpt'] = None
        model_cfg['random_teacher'] = True
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    return MODELS.build(model_cfg)


@torch.no_grad()
def out_dim(net, size: int) -> int:
    """Channels of the last backbone output for a ``size``^2 input."""
    mode = net.training
    net.eval()
    dim = net.backbone(torch.zeros(1, 3, size, size))[-1].shape[1]
    net.train(mode)
    return dim


def _few_shot_base(rel_path: str) -> str:
    name = osp.basename(rel_path).rsplit('-', 1)[0] + '.py'
    sub = 'dlkd' if '_dlkd_' in name else 'baselines'
    return f'configs/cifar100/{sub}/{name}'


def linear_dims(module) -> tuple:
    linears = [m for m in module.modules() if isinstance(m, torch.nn.Linear)]
    return linears[0].in_features, linears[-1].out_features


def test_config_list():
    names = {osp.basename(c) for c in CONFIGS}
    for pair in PAIRS:
        assert f'{pair}_dlkd_cifar100.py' in names, pair
    for method in BASELINES:
        assert f'resnet32x4_resnet8x4_{method}_cifar100.py' in names
    for name in ('resnet32x4_resnet8x4_dlkd-augview_cifar100.py',
                 'resnet32x4_resnet8x4_dlkd-kd_cifar100.py',
                 'resnet8x4_cifar100.py', 'resnet34_resnet18_8xb32_in1k.py',
                 'resnet34_resnet18_kd_8xb32_in1k.py'):
        assert name in names, name
    teachers = {
        osp.basename(c)
        for c in CONFIGS if c.startswith('configs/cifar100/teachers/')
    }
    assert teachers == {
        f'{t}_cifar100.py'
        for t in ('resnet32x4', 'wrn-40-2', 'resnet56', 'vgg13', 'resnet50')
    }


@pytest.mark.parametrize('rel_path', CONFIGS)
def test_config_builds(rel_path):
    cfg = load(rel_path)
    assert cfg.default_scope == 'mmpretrain'
    assert 'mmdlkd' in cfg.custom_imports.imports
    hooks = [h.type for h in cfg.custom_hooks]
    assert {'mmdlkd.NonFiniteLossHook',
            'mmdlkd.DatasetCheckHook'} <= set(hooks)
    size = 32 if rel_path in CIFAR else 64
    losses = expected_losses(rel_path)
    if 'few_shot' in rel_path:
        # the model, schedule and val set of the full-data config it wraps
        full = load(_few_shot_base(rel_path))
        for key in ('model', 'optim_wrapper', 'param_scheduler', 'train_cfg',
                    'val_dataloader'):
            assert cfg[key] == full[key], key
        assert cfg.train_dataloader.dataset.dataset == \
            full.train_dataloader.dataset
        return
    model = build_path(rel_path)
    if losses is None:
        assert type(model).__name__ == 'ImageClassifier'
        assert out_dim(model, size) == model.head.fc.in_features
        return
    assert type(model).__name__ == 'Distiller'
    assert not any(p.requires_grad for p in model.teacher.parameters())
    assert {
        name: (type(loss).__name__, loss.loss_weight)
        for name, loss in model.distill_losses.items()
    } == losses
    s_dim = out_dim(model.student, size)
    t_dim = out_dim(model.teacher, size)
    assert model.student.head.fc.in_features == s_dim
    found = {
        name: linear_dims(conn)
        for name, conn in model.connectors.items()
        if name not in ('t_pool', 'hint')
    }
    expected = {}
    if 'loss_align' in losses:
        expected.update(align=(s_dim, t_dim), corr=(s_dim, s_dim))
        mapping = cfg.model.distill.loss_inputs
        assert tuple(mapping.loss_align.s_feat) == ('student.feat', 'align')
        assert tuple(mapping.loss_corr.s_feat) == ('student.feat', 'corr')
    if 'loss_sup' in losses:
        expected.update(sup_s=(s_dim, 128), sup_t=(t_dim, 128))
    if 'loss_fitnet' in losses:
        # RepDistiller's hint: layer2 through conv (1x1) + BN + ReLU
        hint = model.connectors['hint']
        assert type(hint).__name__ == 'ConvRegConnector'
        assert hint.conv.kernel_size == (1, 1) and hint.relu
        width = model.student.backbone.stage_channels[1]
        assert (hint.conv.in_channels, hint.conv.out_channels) == (
            width, model.teacher.backbone.stage_channels[1])
        mapping = cfg.model.distill
        assert mapping.recorders.student.feat == 'backbone.layer2'
        assert mapping.recorders.teacher.feat == 'backbone.layer2'
    if 'loss_crd' in losses:
        expected.update(embed_s=(s_dim, 128), embed_t=(t_dim, 128))
    assert found == expected
    if 'loss_align' in losses:
        assert model.distill_losses.loss_align.normalize is True
        assert model.distill_losses.loss_corr.tau == 0.5
        hidden = model.connectors.align.linears[0].out_features
        if '/selfsup/' in rel_path:
            assert hidden == 2 * t_dim  # 4096 for the 2048-d teachers
        else:
            assert hidden == 16 * t_dim  # the paper's spindle, r = 16
    if 'loss_kd' in losses:
        assert model.distill_losses.loss_kd.tau == 4.0
    if 'loss_sup' in losses:
        # the authors' weights go with their code's union-form SupCon (and
        # their rotations); the one-view ImageNet config is the paper's text
        union = rel_path.startswith('configs/cifar100/') or ('_rot4_'
                                                             in rel_path)
        assert model.distill_losses.loss_sup.mode == ('union' if union else
                                                      'cross'), rel_path
    if losses in BASELINES.values():
        # the student's CE weight: RepDistiller's `-r` (0.1 for KD, else 1)
        ce = 0.1 if 'loss_kd' in losses else 1.0
        assert model.task_loss_weight == ce
        assert model.student.head.loss_module.loss_weight == 1.0


def test_cifar_protocol_views_and_teachers():
    for rel_path in CIFAR:
        cfg = load(rel_path)
        name = osp.basename(rel_path)
        assert cfg.train_cfg.max_epochs == 240, rel_path
        assert list(cfg.param_scheduler.milestones) == [150, 180, 210]
        assert cfg.optim_wrapper.optimizer.weight_decay == 5e-4
        assert cfg.optim_wrapper.optimizer.momentum == 0.9
        assert cfg.train_dataloader.batch_size == 64
        student = name.split('_')[1] if expected_losses(rel_path) else \
            name.split('_')[0]
        lr = 0.01 if student in LOW_LR else 0.05
        assert cfg.optim_wrapper.optimizer.lr == lr, rel_path
        dataset = cfg.train_dataloader.dataset
        if 'few_shot' in rel_path:
            pct = int(name.rsplit('-', 1)[1][:-len('pct.py')])
            assert dataset.type == 'mmdlkd.RandomSubset'
            assert (dataset.fraction, dataset.seed) == (pct / 100, 0)
            dataset = dataset.dataset
        assert dataset.type == 'CIFAR100'
        assert dataset.download is False
        assert cfg.val_dataloader.dataset.split == 'test'
        views = dataset.pipeline[0].type
        model = cfg.model
        if '_dlkd-augview_' in name:
            assert views == 'mmdlkd.AugmentedViews'
            assert model.num_views == 2
        elif '_dlkd' in name:
            assert views == 'mmdlkd.RotationViews'
            assert tuple(dataset.pipeline[0].angles) == (0, 90, 180, 270)
            assert model.num_views == 4
        else:
            assert views == 'RandomCrop'
        if '_dlkd' in name:
            assert model.data_preprocessor.type == \
                'mmdlkd.MultiViewDataPreprocessor'
        if model.type != 'mmdlkd.Distiller':
            continue
        # the pair's teacher is what its teacher config trains, and
        # teacher_ckpt is where that run leaves it
        teacher_name = name.split('_')[0]
        teacher_cfg = load(
            f'configs/cifar100/teachers/{teacher_name}_cifar100.py')
        assert model.teacher.backbone == teacher_cfg.model.backbone
        assert model.teacher.head == teacher_cfg.model.head
        assert model.teacher_ckpt == osp.join(teacher_cfg.work_dir,
                                              'epoch_240.pth')


def test_imagenet_protocol_and_teacher():
    dlkd = load('configs/dlkd/resnet34_resnet18_8xb32_in1k.py')
    kd = load('configs/baselines/resnet34_resnet18_kd_8xb32_in1k.py')
    for cfg in (dlkd, kd):
        assert cfg.model.teacher.cfg_path == \
            'mmpretrain::resnet/resnet34_8xb32_in1k.py'
        assert cfg.model.teacher_ckpt == (
            'https://download.openmmlab.com/mmclassification/v0/resnet/'
            'resnet34_8xb32_in1k_20210831-f257d4e6.pth')
        opt = cfg.optim_wrapper.optimizer
        assert (opt.type, opt.lr, opt.momentum,
                opt.weight_decay) == ('SGD', 0.1, 0.9, 1e-4)
        assert list(cfg.param_scheduler.milestones) == [30, 60, 90]
        assert cfg.train_cfg.max_epochs == 100
        assert cfg.train_dataloader.batch_size == 32  # x 8 GPUs = 256
        student = cfg.model.student
        assert student.backbone.depth == 18
        assert student.data_preprocessor.mean == [123.675, 116.28, 103.53]


@pytest.mark.parametrize('rel_path', [
    'configs/dlkd/resnet34_resnet18_8xb32_in1k.py',
    'configs/selfsup/mocov2-r50_resnet18_dlkd_8xb32-200e_in1k.py',
])
def test_imagenet_distill_step(rel_path):
    """One loss step on 4 random 32x32 images, as the distiller runs it."""
    model = build(load(rel_path))
    torch.manual_seed(0)
    from mmpretrain.structures import DataSample
    samples = [DataSample().set_gt_label(i) for i in range(4)]
    losses = model.loss(torch.randn(4, 3, 32, 32), samples)
    expected = set(expected_losses(rel_path))
    assert expected <= set(losses)
    for name in expected:
        assert torch.isfinite(losses[name]) and losses[name] > 0, name


def test_selfsup_teachers_without_labels():
    for rel_path in CONFIGS:
        if '/selfsup/' not in rel_path:
            continue
        cfg = load(rel_path)
        model = build_path(rel_path)
        kind = 'MoCo' if 'mocov2' in rel_path else 'SwAV'
        assert type(model.teacher).__name__ == kind
        # the whole self-supervised model: the model-zoo checkpoint's keys
        keys = set(model.teacher.state_dict())
        assert any(k.startswith('backbone.') for k in keys)
        assert any(k.startswith('neck.') for k in keys)
        assert cfg.model.teacher_strict if 'teacher_strict' in cfg.model \
            else True
        assert cfg.model.teacher_ckpt.startswith(
            f'https://download.openmmlab.com/mmselfsup/1.x/{kind.lower()}')
        assert cfg.model.student.head.loss.loss_weight == 0.0
        assert 'labels' not in str(cfg.model.distill.loss_inputs)
        assert cfg.val_dataloader is None and cfg.val_cfg is None
        depth = 34 if 'resnet34' in rel_path else 18
        assert model.student.backbone.depth == depth
