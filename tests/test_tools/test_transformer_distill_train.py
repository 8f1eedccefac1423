"""The configs of configs/transformers train through tools/train.py, each on
a fixed batch (the same images, deterministic views) for a few steps with a
random teacher, small widths and depths where the shipped ones would be
slow, and a schedule of a few iterations: the loss falls, and the exported
student loads strictly into the plain student config (mmpretrain's / mmseg's
own model config with the same small sizes).

(a) a ViT teacher (mmpretrain's ViT model config) into the CPU pair's
    CIFAR ResNet-8 on synthetic Fashion-MNIST files, at the shipped sizes;
    the teacher config trains too, and its checkpoint is the distillers'
    teacher;
(b) mmpretrain's CIFAR ResNet into its Swin-T on the digits image folders;
(c) PSPNet R101 (an R18 backbone under the R101-D8 decoder) into mmseg's
    SegFormer MiT-B0 on the synthetic Cityscapes layout, pixel-level DLKD.
"""
import os.path as osp
import re

import numpy as np
import pytest
import torch
from make_fashion_mosaics import write_idx
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from prepare_fashion_mnist import prepare
from train_utils import ROOT, load_tool, run_tool

from mmdlkd.registry import MODELS

DIR = osp.join(ROOT, 'configs', 'transformers')
SEG_HEADS = ('backbone', 'decode_head', 'auxiliary_head')


def iteration_values(log: str, key: str) -> list:
    """``key``'s value at each logged training iteration."""
    lines = [line for line in log.splitlines() if 'Iter(train)' in line]
    values = [
        re.search(rf'(?<![\w.]){re.escape(key)}: (-?\d+\.\d+)', line)
        for line in lines
    ]
    assert lines and all(values), f'{key} not logged:\n{log[-3000:]}'
    return [float(v.group(1)) for v in values]


def assert_falls(log: str, keys) -> None:
    for key in keys:
        values = iteration_values(log, key)
        assert all(np.isfinite(values)), (key, values)
        assert values[-1] < values[0], (key, values)


def set_keys(cfg: dict, options: dict) -> None:
    """Set dotted keys of ``cfg`` (replacing, not merging, the values)."""
    for dotted, value in options.items():
        *parents, last = dotted.split('.')
        node = cfg
        for part in parents:
            node = node[part]
        node[last] = value


def iter_schedule(cfg: Config, iters: int) -> None:
    """``iters`` iterations at a constant learning rate, one checkpoint and
    one validation at the end, every iteration logged."""
    cfg.train_cfg = dict(
        type='IterBasedTrainLoop', max_iters=iters, val_interval=iters)
    cfg.param_scheduler = dict(type='ConstantLR', factor=1.0, by_epoch=False)
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', by_epoch=False, interval=iters)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.log_processor = dict(by_epoch=False)
    cfg.randomness = dict(seed=0)
    cfg.model.teacher_ckpt = None
    cfg.model.random_teacher = True


def train(cfg: Config, tmp_path) -> tuple:
    """Train ``cfg`` with tools/train.py; return the log and the last
    checkpoint's path."""
    cfg.work_dir = str(tmp_path / 'work')
    path = str(tmp_path / 'config.py')
    cfg.dump(path)
    log = run_tool('train.py', path)
    iters = cfg.train_cfg.max_iters
    return log, osp.join(cfg.work_dir, f'iter_{iters}.pth')


def export_and_load(ckpt: str, model_cfg: dict, scope: str, tmp_path):
    """Export the student of ``ckpt`` and load it strictly into a model built
    from ``model_cfg``; the weights are the trained student's."""
    student = str(tmp_path / 'student.pth')
    load_tool(
        osp.join('model_converters', 'export_student.py'),
        'export_student').main([ckpt, student])
    init_default_scope(scope)
    model = MODELS.build(model_cfg)
    load_checkpoint(model, student, map_location='cpu', strict=True)
    trained = torch.load(ckpt, map_location='cpu', weights_only=False)
    trained = trained['state_dict']
    for key, value in model.state_dict().items():
        assert torch.equal(value, trained[f'student.{key}']), key
    model.eval()
    return model


@pytest.fixture(scope='module')
def fashion_root(tmp_path_factory) -> str:
    """Fashion-MNIST idx files of 120 training and 20 test images."""
    src = tmp_path_factory.mktemp('fmnist_src')
    rng = np.random.RandomState(0)
    for split, num in (('train', 120), ('t10k', 20)):
        write_idx(
            str(src / f'{split}-images-idx3-ubyte.gz'),
            rng.randint(0, 256, size=(num, 28, 28)))
        write_idx(
            str(src / f'{split}-labels-idx1-ubyte.gz'),
            np.arange(num) % 10)
    out = tmp_path_factory.mktemp('fmnist')
    assert prepare(str(out), source=str(src), install=False)
    return str(out)


def fashion_data(cfg: Config, root: str) -> None:
    """The Fashion-MNIST protocol's three splits read from ``root``."""
    cfg.train_dataloader.dataset.dataset.dataset.data_root = root
    cfg.val_dataloader.dataset.dataset.data_root = root
    cfg.test_dataloader.dataset.data_root = root


def test_vit_teacher_trains_alone_and_loads_into_the_distiller(
        fashion_root, tmp_path):
    """The ViT teacher config (mmpretrain's ViT model config, AdamW with
    warm-up and clipping) trains, and its checkpoint is the teacher of the
    distiller configs (loaded strictly)."""
    cfg = Config.fromfile(osp.join(DIR, 'vit-d6-p4_fashion-mnist.py'))
    fashion_data(cfg, fashion_root)
    cfg.train_dataloader.batch_size = 8
    cfg.train_cfg.update(max_iters=2, val_interval=2)
    cfg.default_hooks.checkpoint.interval = 2
    cfg.default_hooks.logger.interval = 1
    cfg.work_dir = str(tmp_path / 'work')
    path = str(tmp_path / 'config.py')
    cfg.dump(path)
    log = run_tool('train.py', path)
    assert np.isfinite(iteration_values(log, 'loss')).all()
    distiller = Config.fromfile(
        osp.join(DIR, 'vit-d6-p4_resnet8_kd_fashion-mnist.py'))
    distiller.model.teacher_ckpt = str(tmp_path / 'work' / 'iter_2.pth')
    init_default_scope('mmpretrain')
    model = MODELS.build(distiller.model)  # teacher_strict=True
    trained = torch.load(
        distiller.model.teacher_ckpt, map_location='cpu',
        weights_only=False)['state_dict']
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, trained[key]), key


def test_vit_teacher_resnet8_student_fashion_mnist(fashion_root, tmp_path):
    cfg = Config.fromfile(
        osp.join(DIR, 'vit-d6-p4_resnet8_dlkd_fashion-mnist.py'))
    train_set = cfg.train_dataloader.dataset
    # one image per class (10), in one batch; the shipped two views, made
    # deterministic: the padded image, and the same image flipped
    train_set.fraction = 0.01
    pad = dict(type='RandomCrop', crop_size=32, padding=2)
    views = train_set.dataset.dataset.pipeline[0]
    assert views.type == 'mmdlkd.AugmentedViews'
    views.transforms = [pad]
    views.extra_transforms = [pad, dict(type='RandomFlip', prob=1.0)]
    fashion_data(cfg, fashion_root)
    cfg.train_dataloader.batch_size = 10
    iter_schedule(cfg, 6)
    log, ckpt = train(cfg, tmp_path)
    assert_falls(log, ('loss', 'loss_align', 'loss_corr'))
    assert np.isfinite(iteration_values(log, 'loss_sup')).all()
    assert 'accuracy/top1' in log

    plain = Config.fromfile(
        osp.join(ROOT, 'configs', 'fashion_mnist', 'resnet8_fashion-mnist.py'))
    student = export_and_load(ckpt, plain.model, 'mmpretrain', tmp_path)
    assert student(torch.randn(2, 1, 32, 32)).shape == (2, 10)


SWIN = {
    'backbone.arch':
    dict(embed_dims=8, depths=[1, 1, 1, 1], num_heads=[1, 1, 1, 1]),
    'head.in_channels':
    64,
    'head.num_classes':
    10,
}


def _digits(root: str, prefix: str, indices) -> dict:
    return dict(
        type='CustomDataset',
        data_root=root,
        data_prefix=prefix,
        indices=indices,
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='PackInputs')])


def test_resnet_teacher_swin_student(digits_root, tmp_path):
    cfg = Config.fromfile(
        osp.join(DIR, 'resnet50_swin-t-p2w4_dlkd_cifar100.py'))
    set_keys(cfg.model.student, SWIN)
    # merged into mmpretrain's ResNet-50 CIFAR config: a thin ResNet-18
    cfg.model.teacher.update(
        backbone=dict(depth=18, stem_channels=16, base_channels=16),
        head=dict(in_channels=128, num_classes=10))
    conn = cfg.model.distill.connectors
    conn.align.update(in_channels=64, out_channels=128, hidden_channels=128)
    conn.corr.update(in_channels=64, out_channels=64, hidden_channels=64)
    conn.sup_s.in_channels = 64
    conn.sup_t.in_channels = 128
    cfg.data_preprocessor.num_classes = 10
    # 8 images of several classes, every step the same batch
    cfg.train_dataloader = dict(
        batch_size=8,
        num_workers=0,
        persistent_workers=False,
        drop_last=True,
        # endless: no pause of mmengine's loop at the end of each epoch
        sampler=dict(type='InfiniteSampler', shuffle=False),
        dataset=_digits(digits_root, 'train', list(range(0, 1200, 150))))
    cfg.val_dataloader = dict(
        batch_size=32,
        num_workers=0,
        persistent_workers=False,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=_digits(digits_root, 'val', 32))
    cfg.test_dataloader = cfg.val_dataloader
    iter_schedule(cfg, 6)
    log, ckpt = train(cfg, tmp_path)
    assert_falls(log, ('loss', 'loss_align', 'loss_sup'))
    assert np.isfinite(iteration_values(log, 'loss_corr')).all()
    assert 'accuracy/top1' in log

    plain = Config.fromfile(osp.join(DIR, 'swin-t-p2w4_cifar100.py'))
    set_keys(plain.model, SWIN)
    student = export_and_load(ckpt, plain.model, 'mmpretrain', tmp_path)
    assert student(torch.randn(2, 3, 32, 32)).shape == (2, 10)


def segformer_options(prefix: str) -> dict:
    """A SegFormer MiT-B0 with 8 channels and one block per stage (the
    decode head keeps its 256 channels, so the connectors are the shipped
    ones), BN, 64x64 crops, no pretrained download."""
    return {
        f'{prefix}backbone.embed_dims': 8,
        f'{prefix}backbone.num_heads': [1, 1, 1, 1],
        f'{prefix}backbone.num_layers': [1, 1, 1, 1],
        f'{prefix}backbone.init_cfg': None,
        f'{prefix}decode_head.in_channels': [8, 8, 8, 8],
        f'{prefix}decode_head.norm_cfg': dict(type='BN', requires_grad=True),
        f'{prefix}data_preprocessor.size': (64, 64),
        f'{prefix}test_cfg': dict(mode='whole'),
    }


def _cityscapes(root: str, split: str, pipeline: list, **kwargs) -> dict:
    return dict(
        type='CityscapesDataset',
        data_root=root,
        data_prefix=dict(
            img_path=f'leftImg8bit/{split}', seg_map_path=f'gtFine/{split}'),
        pipeline=[dict(type='LoadImageFromFile')] + pipeline +
        [dict(type='PackSegInputs')],
        **kwargs)


def test_pspnet_teacher_segformer_student(cityscapes_root, tmp_path):
    cfg = Config.fromfile(
        osp.join(DIR, 'pspnet_r101_segformer-mit-b0_dlkd_cityscapes.py'))
    set_keys(cfg.model, segformer_options('student.'))
    # merged into mmseg's PSPNet R101-D8 config: an R18 backbone, BN
    bn = dict(norm_cfg=dict(type='BN', requires_grad=True))
    cfg.model.teacher.update(
        pretrained=None,
        backbone=dict(depth=18, **bn),
        decode_head=dict(in_channels=512, **bn),
        auxiliary_head=dict(in_channels=256, **bn))
    # the same two 64x64 images every step
    cfg.train_dataloader = dict(
        batch_size=2,
        num_workers=0,
        persistent_workers=False,
        sampler=dict(type='InfiniteSampler', shuffle=False),
        dataset=_cityscapes(
            cityscapes_root,
            'train', [
                dict(type='LoadAnnotations'),
                dict(type='Resize', scale=(64, 64), keep_ratio=False)
            ],
            indices=2))
    cfg.val_dataloader = dict(
        batch_size=1,
        num_workers=0,
        persistent_workers=False,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=_cityscapes(cityscapes_root, 'val', [
            dict(type='Resize', scale=(128, 64), keep_ratio=True),
            dict(type='LoadAnnotations')
        ]))
    cfg.test_dataloader = cfg.val_dataloader
    cfg.optim_wrapper.optimizer.lr = 2e-4
    iter_schedule(cfg, 6)
    log, ckpt = train(cfg, tmp_path)
    assert_falls(log, ('loss', 'loss_align', 'loss_corr', 'decode.loss_ce'))
    assert 'mIoU' in log

    plain = Config.fromfile(
        osp.join(
            osp.dirname(__import__('mmseg').__file__), '.mim', 'configs',
            'segformer', 'segformer_mit-b0_8xb1-160k_cityscapes-1024x1024.py'))
    set_keys(plain, segformer_options('model.'))
    student = export_and_load(ckpt, plain.model, 'mmseg', tmp_path)
    logits = student(torch.randn(1, 3, 64, 64), mode='tensor')
    assert logits.shape == (1, 19, 16, 16)
