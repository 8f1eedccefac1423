"""tools/train.py fails before the first iteration when a dataset path is
missing."""
import os.path as osp
import subprocess
import sys

from train_utils import ROOT

CONFIG = osp.join(ROOT, 'tests', 'data', 'configs', 'tiny_distill_digits.py')


def test_missing_data_root_fails_fast_in_train_py(tmp_path):
    """Through tools/train.py: fails before the first iteration, naming the
    missing path; nothing is written but the log."""
    missing = str(tmp_path / 'no_digits')
    proc = subprocess.run([
        sys.executable,
        osp.join('tools', 'train.py'), CONFIG, '--work-dir',
        str(tmp_path / 'work'), '--cfg-options',
        f'train_dataloader.dataset.data_root={missing}'
    ],
                          cwd=ROOT,
                          stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT,
                          text=True,
                          timeout=300)
    assert proc.returncode != 0
    assert 'FileNotFoundError' in proc.stdout
    assert missing in proc.stdout
    assert 'Iter(train)' not in proc.stdout
    assert not list((tmp_path / 'work').glob('*.pth'))
