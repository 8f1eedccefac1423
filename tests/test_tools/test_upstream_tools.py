"""mmseg's and mmpretrain's own, unmodified ``tools/train.py`` and
``tools/test.py`` (the copies installed with the packages) as the clients:
the headline PSPNet DLKD config trains under mmseg's train.py and its
exported student tests under mmseg's test.py; the DLKD demo config trains
under mmpretrain's train.py. Same CPU overrides as the other tool tests."""
import os.path as osp
import subprocess
import sys

import mmpretrain
import mmseg
import numpy as np
import pytest
from test_seg_distill_train import (HEADLINE, MMSEG_R18, TEACHER, as_args,
                                    data_options, distill_options, last_value)
from train_utils import ROOT, random_teacher, run_tool

DEMO_DLKD = osp.join(ROOT, 'configs', 'demo',
                     'dlkd_resnet20_resnet8_digits_10pct.py')


def upstream(package, tool: str) -> str:
    path = osp.join(osp.dirname(package.__file__), '.mim', 'tools', tool)
    assert osp.isfile(path), f'{path} is not installed'
    return path


def run_upstream(tool: str, *args) -> str:
    """Run an installed upstream tool from the repo root; assert exit 0."""
    cmd = [sys.executable, tool, *map(str, args)]
    proc = subprocess.run(
        cmd,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900)
    assert proc.returncode == 0, (f'{" ".join(cmd)} exited with '
                                  f'{proc.returncode}:\n{proc.stdout[-6000:]}')
    return proc.stdout


def test_mmseg_tools_train_headline_and_test_its_student(
        cityscapes_root, tmp_path):
    ckpt = random_teacher(HEADLINE, TEACHER, 'mmseg', tmp_path / 'teacher.pth')
    work_dir = tmp_path / 'work'
    out = run_upstream(
        upstream(mmseg, 'train.py'), HEADLINE, '--work-dir', work_dir,
        *as_args(distill_options(cityscapes_root, ckpt, 2)))
    for key in ('loss_align', 'loss_corr', 'decode.loss_ce'):
        assert np.isfinite(last_value(out, key)), key
    val_miou = last_value(out, 'mIoU')
    assert (work_dir / 'iter_2.pth').is_file()

    student = tmp_path / 'student.pth'
    run_tool(
        osp.join('model_converters', 'export_student.py'),
        work_dir / 'iter_2.pth', student)
    out = run_upstream(
        upstream(mmseg, 'test.py'), MMSEG_R18, student, '--work-dir',
        tmp_path / 'test',
        *as_args(data_options(cityscapes_root, prefix='model.')))
    # mmseg's test.py scores the student as the distiller validated it
    assert last_value(out, 'mIoU') == pytest.approx(val_miou, abs=0.01)


def test_mmpretrain_train_runs_the_dlkd_demo_config(digits_root, tmp_path):
    ckpt = random_teacher(DEMO_DLKD, {}, 'mmpretrain',
                          tmp_path / 'teacher.pth')
    work_dir = tmp_path / 'work'
    opts = {
        'model.teacher_ckpt': ckpt,
        'train_dataloader.dataset.dataset.data_root': digits_root,
        'val_dataloader.dataset.data_root': digits_root,
        'test_dataloader.dataset.data_root': digits_root,
        'train_cfg.max_iters': 2,
        'train_cfg.val_interval': 2,
        'default_hooks.checkpoint.interval': 2,
        'default_hooks.logger.interval': 1,
    }
    out = run_upstream(
        upstream(mmpretrain, 'train.py'), DEMO_DLKD, '--work-dir', work_dir,
        *as_args(opts))
    terms = {
        key: last_value(out, key)
        for key in ('loss_align', 'loss_corr', 'loss_sup', 'student.loss')
    }
    assert all(np.isfinite(v) for v in terms.values()), terms
    # the logged total is the sum of the terms (4 decimals in the log)
    assert last_value(out, r'(?<![\w.])loss') == pytest.approx(
        sum(terms.values()), abs=5e-4 * len(terms))
    assert 0 <= last_value(out, 'accuracy/top1') <= 100
    assert (work_dir / 'iter_2.pth').is_file()
