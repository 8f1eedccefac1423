"""Run the repository's tools the way a user does, in a subprocess, and
save random-weight teachers for them."""
import importlib.util
import os.path as osp
import subprocess
import sys
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmdlkd.models.distillers.teacher import build_teacher

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_tool(tool: str, name: str):
    """Import the script ``tools/<tool>`` as a module called ``name``."""
    spec = importlib.util.spec_from_file_location(
        name, osp.join(ROOT, 'tools', tool))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool(tool: str,
             *args: str,
             timeout: int = 900,
             env: Optional[dict] = None) -> str:
    """Run ``python tools/<tool> args`` from the repo root (in ``env``,
    default: this process's environment).

    Returns:
        str: stdout and stderr together; the call asserts a zero exit code.
    """
    cmd = [sys.executable, osp.join('tools', tool), *map(str, args)]
    proc = subprocess.run(
        cmd,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        env=env)
    assert proc.returncode == 0, (
        f'{" ".join(cmd)} exited with {proc.returncode}:\n'
        f'{proc.stdout[-6000:]}')
    return proc.stdout


def random_teacher(config: str, options: dict, scope: str, path) -> str:
    """Save the teacher of ``config`` (changed by ``options``) with random
    weights (seed 0) as a checkpoint at ``path``."""
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(options)
    with DefaultScope.overwrite_default_scope(scope):
        torch.manual_seed(0)
        teacher = build_teacher(cfg.model.teacher)
    torch.save(dict(state_dict=teacher.state_dict()), path)
    return str(path)


def fashion_config_on_digits(config: str, digits_root: str, tmp_path,
                             batch: int) -> Config:
    """A Fashion-MNIST distiller config with the digits (grey) in place of
    the Fashion-MNIST files inside its nested ``mmdlkd.RandomSubset``s
    (fraction 0.1, the benchmark suites' share), batch ``batch`` and a
    random-initialised teacher saved under ``tmp_path``."""
    cfg = Config.fromfile(config)
    subsets = cfg.train_dataloader.dataset
    images = subsets.dataset.dataset
    assert subsets.type == subsets.dataset.type == 'mmdlkd.RandomSubset'
    subsets.fraction = 0.1
    subsets.dataset.dataset = dict(
        type='CustomDataset',
        data_root=digits_root,
        data_prefix='train',
        pipeline=[dict(type='LoadImageFromFile', color_type='grayscale')] +
        images.pipeline)
    cfg.train_dataloader.batch_size = batch
    cfg.model.teacher_ckpt = random_teacher(config, {}, 'mmpretrain',
                                            osp.join(tmp_path, 'teacher.pth'))
    return cfg
