"""Through tools/train.py and tools/test.py, run from a folder outside the
repository: a user config inheriting ``mmdlkd::...`` trains; its checkpoint
tests (a weights-only load); a checkpoint with pickled code is refused
unless MMDLKD_TRUSTED_CHECKPOINTS lists it."""
import os
import os.path as osp
import subprocess
import sys

import torch
from train_utils import ROOT

USER_CONFIG = '''
_base_ = 'mmdlkd::demo/teacher_resnet20_digits.py'
data_root = {root!r}
model = dict(backbone=dict(arch='resnet8'))
train_dataloader = dict(batch_size=8, dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root, indices=32))
test_dataloader = dict(dataset=dict(data_root=data_root, indices=32))
train_cfg = dict(max_iters=2, val_interval=100)
default_hooks = dict(checkpoint=dict(interval=2))
'''


class ExecPayload:

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').close()", ))


def run(tool: str, *args, cwd, env=None) -> subprocess.CompletedProcess:
    env = dict(os.environ if env is None else env)
    env['PYTHONPATH'] = os.pathsep.join(
        [ROOT] + [p for p in [env.get('PYTHONPATH')] if p])
    return subprocess.run(
        [sys.executable,
         osp.join(ROOT, 'tools', tool), *map(str, args)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900)


def test_user_config_trains_and_checkpoints_load_safely(digits_root, tmp_path):
    user = tmp_path / 'user'
    user.mkdir()
    (user / 'my_digits.py').write_text(USER_CONFIG.format(root=digits_root))
    env = {
        k: v
        for k, v in os.environ.items() if k != 'MMDLKD_TRUSTED_CHECKPOINTS'
    }

    proc = run(
        'train.py', 'my_digits.py', '--work-dir', 'work', cwd=user, env=env)
    assert proc.returncode == 0, proc.stdout[-4000:]
    ckpt = user / 'work' / 'iter_2.pth'
    assert torch.load(ckpt, weights_only=False)['meta']['iter'] == 2

    # an mmengine training checkpoint tests (loaded weights-only)
    proc = run(
        'test.py',
        'my_digits.py',
        ckpt,
        '--work-dir',
        'test',
        cwd=user,
        env=env)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert 'accuracy/top1' in proc.stdout

    # the same weights with pickled code beside them
    marker = tmp_path / 'marker'
    state = torch.load(ckpt, weights_only=False)['state_dict']
    evil = user / 'evil.pth'
    torch.save(dict(state_dict=state, meta=ExecPayload(str(marker))), evil)
    proc = run(
        'test.py',
        'my_digits.py',
        evil,
        '--work-dir',
        'test',
        cwd=user,
        env=env)
    assert proc.returncode != 0
    assert f'refusing to load checkpoint {evil}' in proc.stdout
    assert 'builtins.exec' in proc.stdout
    assert 'MMDLKD_TRUSTED_CHECKPOINTS=' in proc.stdout
    assert not marker.exists()

    # explicitly trusted: loaded in full (the payload runs)
    env['MMDLKD_TRUSTED_CHECKPOINTS'] = str(evil)
    proc = run(
        'test.py',
        'my_digits.py',
        evil,
        '--work-dir',
        'test',
        cwd=user,
        env=env)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert 'with full unpickling' in proc.stdout
    assert marker.exists()
