"""Shared fixtures: small datasets in real on-disk formats, made once."""
import os
import os.path as osp
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
# The checkout under test is imported, here and in the tools the tests start,
# even where another checkout's mmdlkd is installed in editable mode.
sys.path.insert(0, ROOT)
os.environ['PYTHONPATH'] = os.pathsep.join(
    p for p in (ROOT, os.environ.get('PYTHONPATH')) if p)
sys.path.insert(0, osp.join(ROOT, 'tools', 'data'))

from make_digits_dataset import make_dataset as make_digits  # noqa: E402
from make_synthetic_cityscapes import \
    make_dataset as make_cityscapes  # noqa: E402


def pytest_configure(config):
    """Under pytest-xdist, each worker (and the tools it starts) gets its
    share of the cores as torch threads, not all of them."""
    workers = os.environ.get('PYTEST_XDIST_WORKER_COUNT')
    if workers and 'OMP_NUM_THREADS' not in os.environ:
        import torch
        threads = max(1, torch.get_num_threads() // int(workers))
        os.environ['OMP_NUM_THREADS'] = str(threads)
        torch.set_num_threads(threads)


@pytest.fixture(scope='session')
def repo_root() -> str:
    return ROOT


@pytest.fixture(scope='session')
def cityscapes_root(tmp_path_factory) -> str:
    """8 train / 4 val images of 64x128 in the Cityscapes layout."""
    root = str(tmp_path_factory.mktemp('cityscapes_synth'))
    make_cityscapes(root, num_train=8, num_val=4, height=64, width=128)
    return root


@pytest.fixture(scope='session')
def digits_root(tmp_path_factory) -> str:
    """scikit-learn's digits as 32x32 image folders (train/val)."""
    root = str(tmp_path_factory.mktemp('digits'))
    make_digits(root, size=32)
    return root


@pytest.fixture
def tiny_distill_cfg(digits_root):
    """tests/data/configs/tiny_distill_digits.py on the digits dataset."""
    from mmengine.config import Config
    cfg = Config.fromfile(
        osp.join(ROOT, 'tests', 'data', 'configs', 'tiny_distill_digits.py'))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = digits_root
    return cfg


@pytest.fixture(autouse=True)
def restore_default_scope():
    """Each test starts with no default scope, and its own
    ``init_default_scope`` calls are undone afterwards."""
    from mmengine.registry import DefaultScope
    saved = DefaultScope._instance_dict.copy()
    DefaultScope._instance_dict.clear()
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(saved)


@pytest.fixture(autouse=True)
def mmengine_runtime_reset():
    """Each test leaves mmengine as ``import mmdlkd`` finds it: what a test
    (or a tool's ``main()`` run in this process) switched on with
    ``mmdlkd.utils.setup_runtime`` is undone afterwards."""
    yield
    from mmdlkd.utils import reset_runtime
    reset_runtime()
