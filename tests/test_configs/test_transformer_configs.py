"""Every config in configs/transformers builds on the CPU at its shipped
sizes without downloads, from mmpretrain's / mmseg's own model configs;
each distiller runs one loss step (the connectors fit the recorded
features); a teacher or student config trained alone builds the very model
(keys and shapes) that the distiller holds, so checkpoints go both ways."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdlkd.models.distillers.teacher import clear_pretrained
from mmdlkd.registry import MODELS
from mmdlkd.utils import reset_runtime, setup_runtime

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DIR = osp.join(ROOT, 'configs', 'transformers')
CONFIGS = sorted(osp.basename(p) for p in glob.glob(osp.join(DIR, '*.py')))
DLKD = {'loss_align', 'loss_corr', 'loss_sup'}
EXPECTED = {
    'vit-d6-p4_fashion-mnist.py': None,
    'vit-d6-p4_resnet8_dlkd_fashion-mnist.py': DLKD,
    'vit-d6-p4_resnet8_kd_fashion-mnist.py': {'loss_kd'},
    'swin-t-p2w4_cifar100.py': None,
    'resnet50_swin-t-p2w4_dlkd_cifar100.py': DLKD,
    'pspnet_r101_segformer-mit-b0_dlkd_cityscapes.py':
    {'loss_align', 'loss_corr'},
}
# what a config trained alone must match: (its path, the distiller, part)
ALONE = {
    'vit-d6-p4_fashion-mnist.py':
    ('vit-d6-p4_resnet8_dlkd_fashion-mnist.py', 'teacher'),
    'swin-t-p2w4_cifar100.py':
    ('resnet50_swin-t-p2w4_dlkd_cifar100.py', 'student'),
}


def load(name: str) -> Config:
    setup_runtime()
    try:
        return Config.fromfile(osp.join(DIR, name))
    finally:
        reset_runtime()


def to_bn(cfg) -> None:
    """SyncBN -> BN at any depth (CPU, one process)."""
    if isinstance(cfg, dict):
        if cfg.get('type') == 'SyncBN':
            cfg['type'] = 'BN'
        for value in cfg.values():
            to_bn(value)
    elif isinstance(cfg, list):
        for value in cfg:
            to_bn(value)


def build_model(cfg: Config):
    """The config's model as the Runner builds it, on the CPU, random."""
    init_default_scope(cfg.default_scope)
    model = cfg.model.to_dict()
    if cfg.get('data_preprocessor') is not None:
        model.setdefault('data_preprocessor', cfg.data_preprocessor.to_dict())
    to_bn(model)
    if model['type'] == 'mmdlkd.Distiller':
        clear_pretrained(model['student'])
        if cfg.default_scope == 'mmseg':  # merged into the cfg_path teacher
            model['teacher'].update({
                head: dict(norm_cfg=dict(type='BN'))
                for head in ('backbone', 'decode_head', 'auxiliary_head')
            })
        model.update(teacher_ckpt=None, random_teacher=True)
    else:
        clear_pretrained(model)
    torch.manual_seed(0)
    return MODELS.build(model)


def unscoped(cfg):
    """``cfg`` as plain containers without mmengine's ``_scope_`` keys."""
    if isinstance(cfg, dict):
        return {k: unscoped(v) for k, v in cfg.items() if k != '_scope_'}
    if isinstance(cfg, (list, tuple)):
        return [unscoped(v) for v in cfg]
    return cfg


def test_all_configs_listed():
    assert set(CONFIGS) == set(EXPECTED)


def _cls_batch(channels: int, views: int, num_classes: int):
    from mmpretrain.structures import DataSample
    g = torch.Generator().manual_seed(0)
    imgs = [
        torch.randn(4, channels, 32, 32, generator=g) for _ in range(views)
    ]
    samples = [DataSample().set_gt_label(i % num_classes) for i in range(4)]
    return (imgs[0] if views == 1 else imgs), samples


def _seg_batch():
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    g = torch.Generator().manual_seed(0)
    samples = []
    for _ in range(2):
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, 19, (1, 64, 64), generator=g))
        sample.set_metainfo(dict(img_shape=(64, 64), pad_shape=(64, 64)))
        samples.append(sample)
    return torch.randn(2, 3, 64, 64, generator=g), samples


@pytest.mark.parametrize('name', CONFIGS)
def test_config_builds_and_runs_one_step(name):
    cfg = load(name)
    model = build_model(cfg)
    losses = EXPECTED[name]
    if losses is None:
        assert cfg.model.type in ('ImageClassifier', 'EncoderDecoder')
        return
    assert cfg.custom_imports == dict(
        imports=['mmdlkd'], allow_failed_imports=False)
    assert set(model.distill_losses) == losses
    if cfg.default_scope == 'mmseg':
        inputs, samples = _seg_batch()
        assert type(model.student.backbone).__name__ == 'MixVisionTransformer'
    else:
        conv = next(m for m in model.student.modules()
                    if isinstance(m, torch.nn.Conv2d))
        inputs, samples = _cls_batch(conv.in_channels,
                                     cfg.model.get('num_views') or 1,
                                     model.student.head.num_classes)
    model.train()
    out = model.loss(inputs, samples)
    assert losses <= set(out)
    assert all(torch.isfinite(v) for k, v in out.items() if 'loss' in k)


@pytest.mark.parametrize('alone', sorted(ALONE))
def test_model_trained_alone_is_the_distillers(alone):
    distiller_name, part = ALONE[alone]
    plain = build_model(load(alone))
    distilled = getattr(build_model(load(distiller_name)), part)
    shapes = {k: tuple(v.shape) for k, v in plain.state_dict().items()}
    assert shapes == {
        k: tuple(v.shape)
        for k, v in distilled.state_dict().items()
    }


def test_transformer_models_come_from_upstream_configs():
    vit = load('vit-d6-p4_resnet8_dlkd_fashion-mnist.py').model.teacher
    assert vit.cfg_path == 'mmpretrain::_base_/models/vit-base-p16.py'
    cnn = load('resnet50_swin-t-p2w4_dlkd_cifar100.py').model
    assert cnn.teacher.cfg_path == \
        'mmpretrain::resnet/resnet50_8xb16_cifar100.py'
    assert cnn.student.backbone.type == 'SwinTransformer'
    seg = load('pspnet_r101_segformer-mit-b0_dlkd_cityscapes.py')
    assert seg.model.teacher.cfg_path == \
        'mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py'
    # the student and its recipe are mmseg's SegFormer config, unchanged
    upstream = Config.fromfile(
        osp.join(
            osp.dirname(__import__('mmseg').__file__), '.mim', 'configs',
            'segformer', 'segformer_mit-b0_8xb1-160k_cityscapes-1024x1024.py'))
    assert unscoped(seg.model.student) == unscoped(upstream.model)
    for key in ('train_dataloader', 'optim_wrapper', 'param_scheduler',
                'train_cfg'):
        assert unscoped(seg[key]) == unscoped(upstream[key]), key
