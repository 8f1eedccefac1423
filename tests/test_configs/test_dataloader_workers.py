"""Dataloaders without worker processes set ``persistent_workers=False``
explicitly: mmpretrain's own tools/train.py fills in ``True`` where a config
leaves it out, and torch refuses that with ``num_workers=0``."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATASET_CONFIGS = sorted(
    glob.glob(osp.join(ROOT, 'configs', '_base_', 'datasets', '*.py')))


def with_mmpretrain_tool_defaults(loader: dict) -> dict:
    """The dataloader config as mmpretrain 1.2.0's tools/train.py makes it
    (its ``set_default_dataloader_cfg`` without command-line flags)."""
    merged = dict(pin_memory=True, persistent_workers=True)
    merged.update(loader)
    return merged


def test_dataset_configs_are_found():
    names = {osp.basename(p) for p in DATASET_CONFIGS}
    assert {'digits.py', 'cifar100_bs64.py'} <= names


@pytest.mark.parametrize(
    'path', DATASET_CONFIGS, ids=[osp.basename(p) for p in DATASET_CONFIGS])
def test_no_persistent_workers_without_workers(path):
    cfg = Config.fromfile(path)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(key) is None:
            continue
        loader = with_mmpretrain_tool_defaults(cfg[key].to_dict())
        if loader.get('num_workers', 0) == 0:
            assert loader['persistent_workers'] is False, (path, key)
