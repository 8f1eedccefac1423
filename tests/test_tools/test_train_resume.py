"""tools/train.py trains tiny mmseg and mmpretrain models, checkpoints and
resumes with --resume (which needs the local-checkpoint shim on torch>=2.6).
"""
import os.path as osp

import pytest
import torch
from train_utils import ROOT, run_tool

CONFIGS = osp.join(ROOT, 'tests', 'data', 'configs')


def _meta_iter(path: str) -> int:
    return torch.load(
        path, map_location='cpu', weights_only=False)['meta']['iter']


@pytest.mark.parametrize('config, data_fixture, metric', [
    ('tiny_pspnet_cityscapes.py', 'cityscapes_root', 'mIoU'),
    ('tiny_resnet_digits.py', 'digits_root', 'accuracy/top1'),
])
def test_train_then_resume(config, data_fixture, metric, request, tmp_path):
    data_root = request.getfixturevalue(data_fixture)
    cfg = osp.join(CONFIGS, config)
    work_dir = tmp_path / 'work'
    out = run_tool('train.py', cfg, '--work-dir', work_dir, '--cfg-options',
                   f'train_dataloader.dataset.data_root={data_root}',
                   f'val_dataloader.dataset.data_root={data_root}',
                   f'test_dataloader.dataset.data_root={data_root}')
    assert metric in out
    assert _meta_iter(work_dir / 'iter_2.pth') == 2
    assert _meta_iter(work_dir / 'iter_4.pth') == 4
    assert (work_dir /
            'last_checkpoint').read_text().strip().endswith('iter_4.pth')

    out = run_tool('train.py', cfg, '--work-dir', work_dir, '--resume',
                   '--cfg-options', 'train_cfg.max_iters=6',
                   f'train_dataloader.dataset.data_root={data_root}',
                   f'val_dataloader.dataset.data_root={data_root}',
                   f'test_dataloader.dataset.data_root={data_root}')
    assert 'resumed epoch: 0, iter: 4' in out
    ckpt = torch.load(
        work_dir / 'iter_6.pth', map_location='cpu', weights_only=False)
    assert ckpt['meta']['iter'] == 6
    # The optimizer state came back: SGD momentum buffers exist for the
    # resumed run's parameters.
    assert len(ckpt['optimizer']['state']) > 0
