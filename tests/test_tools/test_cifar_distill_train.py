"""The shipped CIFAR-100 DLKD config (resnet32x4 -> resnet8x4, the authors'
4 rotated views) trains through tools/train.py on a synthetic CIFAR-100,
changed only where the test needs it: the image-folder copy of the synthetic
set (mmpretrain's ``CIFAR100`` accepts only the official files' md5),
batch 4, 2 iterations, a random-initialised teacher saved as a checkpoint.
The networks, views, losses and weights are the shipped ones. Also: the
synthetic pickles have the official format (read by mmpretrain's reader
with its md5 check switched off) and are refused with it on.
"""
import os
import os.path as osp
import re
import sys

import numpy as np
import pytest
from mmengine.config import Config
from train_utils import ROOT, random_teacher, run_tool

sys.path.insert(0, osp.join(ROOT, 'tools', 'data'))
from make_synthetic_cifar import make_dataset  # noqa: E402

CONFIG = osp.join(ROOT, 'configs', 'cifar100', 'dlkd',
                  'resnet32x4_resnet8x4_dlkd_cifar100.py')


@pytest.fixture(scope='module')
def synth_cifar(tmp_path_factory) -> str:
    """100 classes, one train and one test image each, both layouts."""
    root = str(tmp_path_factory.mktemp('cifar100_synth'))
    make_dataset(root, train_per_class=1, test_per_class=1)
    return root


def test_synthetic_pickles_have_the_official_format(synth_cifar, monkeypatch):
    from mmpretrain.datasets import CIFAR100

    # the stock reader checks the official md5s and refuses them
    with pytest.raises(RuntimeError, match='Cannot find CIFAR100'):
        CIFAR100(data_root=synth_cifar, split='train', download=False)
    monkeypatch.setattr(CIFAR100, 'train_list', [['train', None]])
    monkeypatch.setattr(CIFAR100, 'test_list', [['test', None]])
    train = CIFAR100(data_root=synth_cifar, split='train', download=False)
    test = CIFAR100(data_root=synth_cifar, split='test', download=False)
    assert len(train) == len(test) == 100
    assert sorted(train.get_gt_labels().tolist()) == list(range(100))
    # the pickled image equals the PNG of the folder layout (RGB vs BGR)
    import cv2
    info = train.get_data_info(0)
    assert info['img'].shape == (32, 32, 3)
    assert info['img'].dtype == np.uint8
    name = train.CLASSES[info['gt_label']]
    folder = osp.join(synth_cifar, 'train', name)
    png = cv2.imread(osp.join(folder, os.listdir(folder)[0]))
    np.testing.assert_array_equal(png[..., ::-1], info['img'])


def _folder_dataset(root: str, prefix: str, pipeline: list) -> dict:
    return dict(
        type='CustomDataset',
        data_root=root,
        data_prefix=prefix,
        pipeline=[dict(type='LoadImageFromFile')] + pipeline)


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory) -> str:
    """The shipped teacher (resnet32x4 classifier), random weights."""
    return random_teacher(CONFIG, {}, 'mmpretrain',
                          tmp_path_factory.mktemp('teacher') / 'teacher.pth')


def test_cifar_dlkd_rotation_trains(synth_cifar, teacher_ckpt, tmp_path):
    cfg = Config.fromfile(CONFIG)
    # the shipped training views: RotationViews(0/90/180/270) + PackInputs
    train_pipeline = cfg.train_dataloader.dataset.pipeline
    assert train_pipeline[0].type == 'mmdlkd.RotationViews'
    iters = 2
    cfg.train_dataloader.dataset = _folder_dataset(synth_cifar, 'train',
                                                   train_pipeline)
    cfg.val_dataloader.dataset = _folder_dataset(
        synth_cifar, 'test', cfg.val_dataloader.dataset.pipeline)
    cfg.test_dataloader = cfg.val_dataloader
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.num_workers = 0
        loader.persistent_workers = False
    cfg.train_dataloader.batch_size = 4
    cfg.model.teacher_ckpt = teacher_ckpt
    cfg.train_cfg = dict(
        type='IterBasedTrainLoop', max_iters=iters, val_interval=iters)
    cfg.param_scheduler = dict(
        type='MultiStepLR', by_epoch=False, milestones=[1], gamma=0.1)
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', by_epoch=False, interval=iters)
    cfg.default_hooks.logger.interval = 1
    cfg.log_processor = dict(by_epoch=False)
    cfg.randomness = dict(seed=0)
    cfg.work_dir = str(tmp_path / 'work')
    path = str(tmp_path / 'cifar_dlkd.py')
    cfg.dump(path)

    out = run_tool('train.py', path)
    for key in ('loss_align', 'loss_corr', 'loss_sup', 'loss'):
        values = re.findall(rf'\b{key}: (-?\d+\.\d+)', out)
        assert values, f'{key} not logged:\n{out[-3000:]}'
        assert all(np.isfinite(float(v)) for v in values), (key, values)
    top1 = re.findall(r'accuracy/top1: (\d+\.\d+)', out)
    assert top1, out[-3000:]
    assert 0 <= float(top1[-1]) <= 100
    assert osp.isfile(tmp_path / 'work' / f'iter_{iters}.pth')
