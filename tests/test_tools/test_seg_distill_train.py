"""The shipped Cityscapes configs train through tools/train.py on the
synthetic Cityscapes layout, changed with ``--cfg-options`` only: CPU (BN
instead of SyncBN), 64x64 crops, a random-initialised teacher saved as a
local checkpoint and shrunk to a ResNet-18 backbone (its decoder keeps the
R101-D8 widths, so the connectors are the shipped ones); then the exported
student is tested by tools/test.py with mmseg's own PSPNet R18-D8 config.
"""
import glob
import os.path as osp
import re
import subprocess
import sys

import mmseg
import pytest
import torch
from mmengine.config import Config
from train_utils import ROOT, random_teacher, run_tool

HEADLINE = osp.join(ROOT, 'configs', 'dlkd', 'pspnet_r101_r18_cityscapes.py')
CWD = osp.join(ROOT, 'configs', 'baselines',
               'pspnet_r101_r18_cwd_4xb2-40k_cityscapes-512x512.py')
SUP = osp.join(ROOT, 'configs', 'dlkd', 'pspnet_r101_r18_cityscapes_sup.py')
MMSEG_R18 = osp.join(
    osp.dirname(mmseg.__file__), '.mim', 'configs', 'pspnet',
    'pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py')
HEADS = ('backbone', 'decode_head', 'auxiliary_head')

# The teacher as configured for the CPU runs (merged into the mmseg R101-D8
# config that the shipped configs name): R18 backbone, R101-D8 decoder.
TEACHER = {
    'model.teacher.pretrained': None,
    'model.teacher.backbone.depth': 18,
    'model.teacher.decode_head.in_channels': 512,
    'model.teacher.auxiliary_head.in_channels': 256,
    **{
        f'model.teacher.{head}.norm_cfg.type': 'BN'
        for head in HEADS
    },
}


def data_options(root: str, prefix: str = '') -> dict:
    """Synthetic data (64x128 images), 64x64 crops, no worker processes."""
    opts = {
        f'{prefix}data_preprocessor.size': (64, 64),
        f'{prefix}pretrained': None,
        'train_dataloader.dataset.pipeline.2.scale': (128, 64),
        'train_dataloader.dataset.pipeline.3.crop_size': (64, 64),
        'val_dataloader.dataset.pipeline.1.scale': (128, 64),
        'test_dataloader.dataset.pipeline.1.scale': (128, 64),
    }
    for head in HEADS:
        opts[f'{prefix}{head}.norm_cfg.type'] = 'BN'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts.update({
            f'{loader}.dataset.data_root': root,
            f'{loader}.num_workers': 0,
            f'{loader}.persistent_workers': False,
        })
    return opts


def schedule_options(iters: int) -> dict:
    return {
        'train_dataloader.batch_size': 2,
        'train_cfg.max_iters': iters,
        'train_cfg.val_interval': iters,
        'param_scheduler.0.end': iters,
        'default_hooks.checkpoint.interval': iters,
        'default_hooks.logger.interval': 1,
        'randomness.seed': 0,
    }


def as_args(opts: dict) -> list:
    return ['--cfg-options'] + [f'{k}={v}' for k, v in opts.items()]


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory) -> str:
    """A random-initialised teacher exactly as TEACHER configures it."""
    return random_teacher(HEADLINE, TEACHER, 'mmseg',
                          tmp_path_factory.mktemp('teacher') / 'teacher.pth')


def distill_options(root: str, ckpt: str, iters: int) -> dict:
    return {
        **data_options(root, prefix='model.student.'),
        **TEACHER,
        'model.teacher_ckpt': ckpt,
        **schedule_options(iters),
    }


def last_value(log: str, key: str) -> float:
    values = re.findall(rf'\b{key}: (-?\d+\.\d+)', log)
    assert values, f'{key} not logged'
    return float(values[-1])


def test_headline_trains_and_exports(cityscapes_root, teacher_ckpt, tmp_path):
    work_dir = tmp_path / 'work'
    out = run_tool('train.py', HEADLINE, '--work-dir', work_dir,
                   *as_args(distill_options(cityscapes_root, teacher_ckpt, 2)))
    for key in ('loss_align', 'loss_corr', 'decode.loss_ce', 'aux.loss_ce'):
        value = last_value(out, key)
        assert value == value and value >= 0, (key, value)  # not NaN
    assert 'mIoU' in out
    last_miou = last_value(out, 'mIoU')
    assert 0 <= last_miou <= 100
    ckpt = work_dir / 'iter_2.pth'
    assert ckpt.is_file()
    state = torch.load(ckpt, map_location='cpu', weights_only=False)
    assert state['meta']['iter'] == 2
    assert any(k.startswith('connectors.align.') for k in state['state_dict'])

    student = tmp_path / 'student.pth'
    run_tool(osp.join('model_converters', 'export_student.py'), ckpt, student)
    # The exported student scores in mmseg's config what the distiller
    # validated: tools/test.py in test_gpu_checks.py, mmseg's own test.py in
    # test_upstream_tools.py. Here: it works with mmseg's inference API
    # (docs/usage.md).
    from mmseg.apis import inference_model, init_model
    cfg = Config.fromfile(MMSEG_R18)
    cfg.merge_from_dict(data_options(cityscapes_root, prefix='model.'))
    model = init_model(cfg, str(student), device='cpu')
    image = sorted(
        glob.glob(
            osp.join(cityscapes_root, 'leftImg8bit', 'val', '*', '*.png')))[0]
    pred = inference_model(model, image).pred_sem_seg.data
    assert tuple(pred.shape) == (1, 64, 128)
    assert int(pred.max()) < 19


def test_headline_on_one_process_fails_before_training(cityscapes_root,
                                                       teacher_ckpt, tmp_path):
    """The headline config as written (1 image per process), started on one
    CPU: without a process group SyncBN is BN, and the pyramid pooling's
    1x1 branch would get 1 value per channel. The run stops before the
    first iteration and says what to use instead."""
    opts = distill_options(cityscapes_root, teacher_ckpt, 2)
    del opts['train_dataloader.batch_size']
    proc = subprocess.run([
        sys.executable,
        osp.join('tools', 'train.py'), HEADLINE, '--work-dir',
        str(tmp_path / 'work'), *as_args(opts)
    ],
                          cwd=ROOT,
                          stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT,
                          text=True,
                          timeout=600)
    assert proc.returncode != 0
    assert f'{HEADLINE}: decode_head.psp_modules.0.1.bn normalises' in \
        proc.stdout
    assert 'train_dataloader.batch_size=2' in proc.stdout
    assert 'pspnet_r101_r18_4xb2-40k_cityscapes-512x512.py' in proc.stdout
    assert 'Iter(train)' not in proc.stdout
    assert 'Expected more than 1 value per channel' not in proc.stdout.split(
        'training would stop with')[0]


@pytest.mark.parametrize('config, loss', [(CWD, 'loss_cwd'),
                                          (SUP, 'loss_sup')])
def test_variant_two_iterations(config, loss, cityscapes_root, teacher_ckpt,
                                tmp_path):
    """A baseline (CWD) and the supervised DLKD variant (pixel labels)."""
    work_dir = tmp_path / 'work'
    out = run_tool('train.py', config, '--work-dir', work_dir,
                   *as_args(distill_options(cityscapes_root, teacher_ckpt, 2)))
    assert last_value(out, loss) >= 0
    assert 'mIoU' in out
    assert (work_dir / 'iter_2.pth').is_file()
