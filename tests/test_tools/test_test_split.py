"""``tools/test.py --split val``: a checkpoint scored on the config's
validation split (its val_dataloader and val_evaluator)."""
import json
import os.path as osp
import re
import subprocess
import sys

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS
from train_utils import ROOT, run_tool

STUDENT = osp.join(ROOT, 'configs', 'demo', 'student_resnet8_digits_10pct.py')


def score(digits_root, ckpt, work_dir, split, *options):
    """top-1 and the number of test batches of one tools/test.py run."""
    out = osp.join(work_dir, 'metrics.json')
    log = run_tool('test.py', STUDENT, ckpt, '--work-dir', work_dir, '--out',
                   out, '--split', split, '--cfg-options',
                   f'val_dataloader.dataset.data_root={digits_root}',
                   f'test_dataloader.dataset.data_root={digits_root}',
                   *options)
    batches = re.findall(r'(?:Epoch|Iter)\(test\) \[(\d+)/(\d+)\]', log)[-1]
    with open(out) as f:
        return json.load(f)['accuracy/top1'], int(batches[1])


def test_split_val_scores_the_validation_split(digits_root, tmp_path):
    cfg = Config.fromfile(STUDENT)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
    ckpt = str(tmp_path / 'student.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    # the val split pointed at the training images (1,257: 5 batches of
    # 256) scores those, and the test split (540 images: 3 batches) stays
    # the default (tests/test_tools/test_run_suite.py checks the value
    # against the test split's on the same images)
    on_val = score(digits_root, ckpt, str(tmp_path / 'a'), 'val',
                   'val_dataloader.dataset.data_prefix=train')
    default = score(digits_root, ckpt, str(tmp_path / 'b'), 'test')
    assert on_val[1] == 5 and default[1] == 3
    assert 0 < on_val[0] < 100 and 0 < default[0] < 100
    # no validation split to score on: a clear error naming the config
    proc = subprocess.run([
        sys.executable, 'tools/test.py', STUDENT, ckpt, '--split', 'val',
        '--cfg-options', 'val_dataloader=None'
    ],
                          cwd=ROOT,
                          capture_output=True,
                          text=True)
    assert proc.returncode != 0
    assert f'--split val: config {STUDENT} has no val_dataloader' in (
        proc.stderr)
