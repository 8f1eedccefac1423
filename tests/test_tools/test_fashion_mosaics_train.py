"""The DLKD config of the Fashion-MNIST mosaics benchmark trains one
iteration through tools/train.py and tests through tools/test.py, the way
the suite runs it, on a few mosaics of fake items, with a random-initialised
teacher saved as a local checkpoint; only --cfg-options change."""
import json
import os.path as osp
import re

import numpy as np
import pytest
import torch
from make_fashion_mosaics import make_mosaics
from mmengine.config import Config
from mmengine.registry import DefaultScope
from train_utils import ROOT, run_tool

from mmdlkd.models.distillers.teacher import build_teacher

DLKD = osp.join(ROOT, 'configs', 'fashion_mosaics',
                'pspnet_dlkd_fashion_mosaics.py')
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def fake_items(num: int, seed: int) -> tuple:
    rng = np.random.RandomState(seed)
    images = np.zeros((num, 28, 28), np.uint8)
    images[:, 6:22, 8:20] = rng.randint(40, 256, size=(num, 1, 1))
    return images, (np.arange(num) % 10).astype(np.uint8)


@pytest.fixture(scope='module')
def mosaics(tmp_path_factory) -> str:
    root = str(tmp_path_factory.mktemp('mosaics'))
    data = dict(train=fake_items(20, 0), t10k=fake_items(10, 1))
    make_mosaics(root, data, num_train=4, num_val=2, num_test=2, val_images=5)
    return root


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory) -> str:
    cfg = Config.fromfile(DLKD)
    with DefaultScope.overwrite_default_scope('mmseg'):
        torch.manual_seed(0)
        teacher = build_teacher(cfg.model.teacher)
    path = str(tmp_path_factory.mktemp('teacher') / 'teacher.pth')
    torch.save(dict(state_dict=teacher.state_dict()), path)
    return path


def options(root: str, ckpt: str) -> list:
    opts = {
        'model.teacher_ckpt': ckpt,
        'train_dataloader.batch_size': 2,
        'val_dataloader.batch_size': 2,
        'test_dataloader.batch_size': 2,
        'train_cfg.max_iters': 1,
        'train_cfg.val_interval': 1,
        'param_scheduler.0.end': 1,
        'default_hooks.checkpoint.interval': 1,
        'default_hooks.logger.interval': 1,
        'randomness.seed': 0,
    }
    for loader in LOADERS:
        opts[f'{loader}.dataset.data_root'] = root
    return ['--cfg-options'] + [f'{k}={v}' for k, v in opts.items()]


def test_dlkd_trains_one_iteration_and_tests(mosaics, teacher_ckpt, tmp_path):
    work_dir = tmp_path / 'work'
    opts = options(mosaics, teacher_ckpt)
    out = run_tool('train.py', DLKD, '--work-dir', work_dir, *opts)
    for key in ('loss_align', 'loss_corr', 'decode.loss_ce', 'aux.loss_ce'):
        values = re.findall(rf'\b{re.escape(key)}: (-?\d+\.\d+)', out)
        assert values, key
        assert 0 <= float(values[-1]) < 1e3, (key, values)
    val = re.findall(r'\bmIoU: (\d+\.\d+)', out)
    assert val and 0 <= float(val[-1]) <= 100
    ckpt = work_dir / 'iter_1.pth'
    assert ckpt.is_file()
    state = torch.load(ckpt, map_location='cpu', weights_only=False)
    assert any(k.startswith('connectors.align.') for k in state['state_dict'])

    metrics = tmp_path / 'metrics.json'
    run_tool('test.py', DLKD, ckpt, '--work-dir', tmp_path / 'test', '--out',
             metrics, *opts)
    result = json.loads(metrics.read_text())
    assert 0 <= result['mIoU'] <= 100
