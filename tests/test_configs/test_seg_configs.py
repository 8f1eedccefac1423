"""Every shipped Cityscapes (PSPNet) config loads, inherits the intended
protocol and builds on the CPU with the full-size R18 student and R101
teacher (SyncBN -> BN, no downloads)."""
import copy
import functools
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdlkd.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    osp.relpath(p, ROOT)
    for p in glob.glob(osp.join(ROOT, 'configs', 'dlkd', 'pspnet_*.py')) +
    glob.glob(osp.join(ROOT, 'configs', 'baselines', 'pspnet_*.py')))
MMSEG_R18 = 'mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py'
TEACHER_CFG = 'mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py'
TEACHER_CKPT = (
    'https://download.openmmlab.com/mmsegmentation/v0.5/pspnet/'
    'pspnet_r101-d8_512x1024_80k_cityscapes/'
    'pspnet_r101-d8_512x1024_80k_cityscapes_20200606_112211-e1e1100f.pth')
HEADLINE = 'configs/dlkd/pspnet_r101_r18_cityscapes.py'
PAPER = '4xb2-40k_cityscapes-512x512'
MMSEG = '4xb2-80k_cityscapes-512x1024'

# config -> (recorder names, {loss: (type, weight)}, {connector: (in, out)}),
# None for the student alone
DLKD = ({'feat'}, {
    'loss_align': ('AlignLoss', 10.0),
    'loss_corr': ('CorrelationLoss', 20.0)
}, {
    'align': (128, 512),
    'corr': (128, 128)
})
SUP = ({'feat'}, {
    **DLKD[1], 'loss_sup': ('SupConDistillLoss', 0.5)
}, {
    **DLKD[2], 'sup_s': (128, 128),
    'sup_t': (512, 128)
})
LOGITS_ONLY = {'logits'}
EXPECTED = {
    HEADLINE: DLKD,
    'configs/dlkd/pspnet_r101_r18_cityscapes_sup.py': SUP,
    f'configs/dlkd/pspnet_r101_r18_{PAPER}.py': DLKD,
    f'configs/dlkd/pspnet_r101_r18_{MMSEG}.py': DLKD,
    'configs/baselines/pspnet_r18_cityscapes_4xb2-40k-512x512.py': None,
    'configs/baselines/pspnet_r18_cityscapes_4xb2-80k-512x1024.py': None,
}
for method, losses in (('kd', {
        'loss_kd': ('KDLoss', 1.0)
}), ('cwd', {
        'loss_cwd': ('ChannelWiseDivergence', 3.0)
}), ('skd', {
        'loss_skd_pa': ('PixelSimilarityLoss', 0.5),
        'loss_skd_pi': ('KDLoss', 80.0)
})):
    EXPECTED[f'configs/baselines/pspnet_r101_r18_{method}_{PAPER}.py'] = (
        {'feat', 'logits'} if method == 'skd' else LOGITS_ONLY, losses, {})
EXPECTED[f'configs/baselines/pspnet_r101_r18_cwd_{MMSEG}.py'] = (LOGITS_ONLY, {
    'loss_cwd': ('ChannelWiseDivergence', 5.0)
}, {})
BN = dict(type='BN', requires_grad=True)


@functools.lru_cache(maxsize=None)
def _load(rel_path: str) -> Config:
    return Config.fromfile(osp.join(ROOT, rel_path))


def load(rel_path: str) -> Config:
    """A copy of the loaded config (loading resolves ``mmseg::`` bases, about
    a second each, so every file is read once)."""
    return copy.deepcopy(_load(rel_path))


def plain(cfg) -> dict:
    """A config as a dict without the ``_scope_`` keys mmengine adds to
    configs inherited from another package."""
    if isinstance(cfg, dict):
        return {k: plain(v) for k, v in cfg.items() if k != '_scope_'}
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(plain(v) for v in cfg)
    return cfg


def is_distiller(cfg: Config) -> bool:
    return cfg.model.type == 'mmdlkd.Distiller'


def norm_types(cfg: dict) -> set:
    """All ``norm_cfg`` types in a (nested) config."""
    found = set()
    if isinstance(cfg, dict):
        for key, value in cfg.items():
            if key == 'norm_cfg' and isinstance(value, dict):
                found.add(value['type'])
            else:
                found |= norm_types(value)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            found |= norm_types(value)
    return found


def to_bn(cfg):
    """SyncBN -> BN everywhere in a config, in place."""
    items = cfg.items() if isinstance(cfg, dict) else enumerate(cfg)
    for key, value in list(items):
        if key == 'norm_cfg' and isinstance(value, dict):
            value['type'] = 'BN'
        elif isinstance(value, (dict, list)):
            to_bn(value)


def cpu_safe(cfg: Config) -> dict:
    """The CPU-safe model config: BN, nothing downloaded."""
    model = cfg.model.to_dict()
    if model['type'] != 'mmdlkd.Distiller':
        to_bn(model)
        model['pretrained'] = None
        return model
    to_bn(model['student'])
    model['student']['pretrained'] = None
    # overrides merged into the teacher config loaded from cfg_path
    model['teacher'].update(
        pretrained=None,
        backbone=dict(norm_cfg=BN),
        decode_head=dict(norm_cfg=BN),
        auxiliary_head=dict(norm_cfg=BN))
    model['teacher_ckpt'] = None
    model['random_teacher'] = True
    return model


def test_all_configs_listed():
    assert set(CONFIGS) == set(EXPECTED)


@pytest.mark.parametrize('rel_path', CONFIGS)
def test_config_builds(rel_path):
    cfg = load(rel_path)
    if is_distiller(cfg):
        assert cfg.custom_imports == dict(
            imports=['mmdlkd'], allow_failed_imports=False)
    assert cfg.default_scope == 'mmseg'
    assert cfg.train_dataloader.dataset.type == 'CityscapesDataset'
    assert cfg.val_evaluator.type == 'IoUMetric'
    # SyncBN is the shipped default (mmseg's)
    student_cfg = cfg.model.student if is_distiller(cfg) else cfg.model
    assert norm_types(student_cfg) == {'SyncBN'}
    assert student_cfg.pretrained == 'open-mmlab://resnet18_v1c'
    assert tuple(student_cfg.data_preprocessor.size) == tuple(cfg.crop_size)

    init_default_scope('mmseg')
    model_cfg = cpu_safe(cfg)
    # as mmengine's Runner does with the top-level data_preprocessor
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    model = MODELS.build(model_cfg)
    # the training batches are padded to the protocol's crop
    assert tuple(model.data_preprocessor.size) == tuple(cfg.crop_size)
    student = model.student if is_distiller(cfg) else model
    assert type(student).__name__ == 'EncoderDecoder'
    assert student.backbone.depth == 18
    assert student.decode_head.channels == 128
    assert student.auxiliary_head.channels == 64
    expected = EXPECTED[rel_path]
    if expected is None:
        assert not is_distiller(cfg)
        return
    recorders, losses, connectors = expected
    assert type(model).__name__ == 'Distiller'
    assert type(model.teacher).__name__ == 'EncoderDecoder'
    assert model.teacher.backbone.depth == 101
    assert model.teacher.decode_head.channels == 512
    assert not any(p.requires_grad for p in model.teacher.parameters())
    assert set(model.student_recorders.names()) == recorders
    assert set(model.teacher_recorders.names()) == recorders
    assert {
        name: (type(loss).__name__, loss.loss_weight)
        for name, loss in model.distill_losses.items()
    } == losses
    found = {}
    for name, conn in model.connectors.items():
        linears = [m for m in conn.modules() if type(m).__name__ == 'Linear']
        found[name] = (linears[0].in_features, linears[-1].out_features)
    assert found == connectors
    assert cfg.model.teacher.cfg_path == TEACHER_CFG
    assert cfg.model.teacher_ckpt == TEACHER_CKPT


def test_student_is_mmsegs_pspnet_r18():
    """Our student model equals mmseg's R18-D8 config's model, and the
    80k baseline is mmseg's config itself (model, data, schedule)."""
    mmseg_cfg = Config.fromfile(
        osp.join(
            osp.dirname(__import__('mmseg').__file__), '.mim', 'configs',
            'pspnet', 'pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py'))
    ours = load('configs/baselines/pspnet_r18_cityscapes_4xb2-80k-512x1024.py')
    for key in ('model', 'train_dataloader', 'val_dataloader', 'optim_wrapper',
                'param_scheduler', 'train_cfg'):
        assert plain(ours[key]) == plain(mmseg_cfg[key]), key
    paper = load('configs/baselines/pspnet_r18_cityscapes_4xb2-40k-512x512.py')
    dlkd = load(HEADLINE)
    expected = plain(mmseg_cfg.model)
    expected['data_preprocessor']['size'] = (512, 512)
    assert plain(paper.model) == expected
    assert plain(dlkd.model.student) == expected


def _protocol(cfg: Config) -> tuple:
    crop = [
        t.crop_size for t in cfg.train_dataloader.dataset.pipeline
        if t.type == 'RandomCrop'
    ]
    return (tuple(crop[0]), cfg.train_cfg.max_iters,
            cfg.param_scheduler[0].end, cfg.train_dataloader.batch_size)


def test_protocols():
    for rel_path in CONFIGS:
        cfg = load(rel_path)
        if PAPER in rel_path or '40k-512x512' in rel_path:
            assert _protocol(cfg) == ((512, 512), 40000, 40000, 2), rel_path
            assert 'PhotoMetricDistortion' not in str(
                cfg.train_dataloader.dataset.pipeline)
        elif MMSEG in rel_path or '80k-512x1024' in rel_path:
            assert _protocol(cfg) == ((512, 1024), 80000, 80000, 2), rel_path
    # the headline: the paper protocol on 8 GPUs x 1 image, otherwise the
    # 4xb2-40k config
    headline = load(HEADLINE)
    assert _protocol(headline) == ((512, 512), 40000, 40000, 1)
    four_by_two = load(f'configs/dlkd/pspnet_r101_r18_{PAPER}.py')
    headline.train_dataloader.batch_size = 2
    for key in ('model', 'train_dataloader', 'val_dataloader', 'optim_wrapper',
                'param_scheduler', 'train_cfg'):
        assert headline[key] == four_by_two[key], key
    sup = load('configs/dlkd/pspnet_r101_r18_cityscapes_sup.py')
    assert _protocol(sup) == _protocol(load(HEADLINE))
    loss_sup = sup.model.distill.loss_inputs.loss_sup
    assert loss_sup.labels == 'labels'


def test_dlkd_memory_and_loss_settings():
    cfg = load(HEADLINE)
    losses = cfg.model.distill.losses
    assert losses.loss_align.normalize is True
    assert losses.loss_corr.tau == 0.5
    # a bounded pixel correlation (2048 x 2048 per image)
    assert losses.loss_corr.max_pixels == 2048
    assert cfg.model.distill.connectors.align.hidden_channels == 1024
    assert cfg.model.distill.connectors.corr.hidden_channels == 128
