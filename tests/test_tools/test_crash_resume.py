"""A CPU distillation run killed with SIGKILL between two checkpoints and
resumed with ``--resume`` ends with the same weights as an uninterrupted run;
two runs with the same seed log identical losses.

Runs (tools/train.py subprocesses of tests/data/configs/tiny_distill_digits.py,
12 iterations of batch 8, checkpoints every 4, LR steps at 6 and 10):

- ``full``: uninterrupted;
- ``killed``: paused by a test hook after iteration 6 and SIGKILLed there
  (``iter_4.pth`` is its last checkpoint), then resumed with ``--resume``;
- ``stripped``: resumed from that ``iter_4.pth`` without the teacher's
  weights and with a cut log history, as the benchmark suites keep it.

Bitwise equality is expected and asserted: with ``deterministic=True`` the
CPU kernels are deterministic; the resumed run re-seeds all RNGs with the
checkpoint's seed, rebuilds the model (consuming the torch RNG as before)
and then loads the weights, optimizer (momentum) and scheduler states; the
``DefaultSampler`` order depends only on the seed and the epoch; and
mmengine's ``IterBasedTrainLoop`` advances the dataloader over the 4 trained
batches, which re-runs their pipeline (RandomCrop draws from numpy's global
RNG in the main process, num_workers=0), so iteration 5 draws the same crops
as in the uninterrupted run. With ``num_workers > 0`` or a GPU this
argument does not hold as such (worker seeding, non-deterministic kernels).
"""
import glob
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from train_utils import ROOT

sys.path.insert(0, osp.join(ROOT, 'tools', 'benchmark'))
import suite_resume  # noqa: E402

CONFIGS = osp.join(ROOT, 'tests', 'data', 'configs')
HERE = osp.dirname(osp.abspath(__file__))


def train_cmd(config, work_dir, data_root, teacher, *extra):
    return [
        sys.executable,
        osp.join('tools', 'train.py'),
        osp.join(CONFIGS, config), '--work-dir',
        str(work_dir), *extra, '--cfg-options',
        f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}',
        'val_dataloader.dataset.indices=16', f'model.teacher_ckpt={teacher}'
    ]


def run(cmd, env=None):
    proc = subprocess.run(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stdout[-6000:]
    return proc.stdout


def save_teacher(path):
    from mmdlkd.registry import MODELS
    cfg = Config.fromfile(osp.join(CONFIGS, 'tiny_distill_digits.py'))
    torch.manual_seed(123)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        teacher = MODELS.build(cfg.model.teacher)
    teacher.init_weights()
    torch.save({'state_dict': teacher.state_dict()}, path)


def scalars(work_dir):
    """{iter: record} of the train records of all runs in work_dir."""
    records = {}
    for path in sorted(glob.glob(f'{work_dir}/*/vis_data/scalars.json')):
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if 'loss' in rec:
                    records[rec['iter']] = rec
    return records


def load(path):
    return torch.load(path, map_location='cpu', weights_only=False)


@pytest.fixture(scope='module')
def runs(digits_root, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('crash_resume')
    teacher = str(tmp / 'teacher.pth')
    save_teacher(teacher)
    full, killed = tmp / 'full', tmp / 'killed'
    run(train_cmd('tiny_distill_digits.py', full, digits_root, teacher))

    marker = tmp / 'paused'
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([HERE,
                                    os.environ.get('PYTHONPATH', '')]),
        MMDLKD_TEST_PAUSE_AT='6',
        MMDLKD_TEST_PAUSE_FILE=str(marker))
    log = open(tmp / 'killed.log', 'w')
    proc = subprocess.Popen(
        train_cmd('tiny_distill_digits_pause.py', killed, digits_root,
                  teacher),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT)
    deadline = time.time() + 300
    while not marker.exists() and proc.poll() is None:
        assert time.time() < deadline, 'the run did not reach iteration 6'
        time.sleep(0.2)
    assert proc.poll() is None, (tmp / 'killed.log').read_text()[-4000:]
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    log.close()
    before = dict(
        ckpts=sorted(os.listdir(killed)),
        scalars=scalars(killed),
        last=(killed / 'last_checkpoint').read_text())
    # the benchmark suites' partial copy: iter_4.pth without the teacher,
    # its logged scalars cut to their last 2 values
    stripped = tmp / 'stripped'
    stripped.mkdir()
    suite_resume.copy_for_resume(
        str(killed / 'iter_4.pth'), str(stripped / 'iter_4.pth'), log_tail=2)
    (stripped / 'last_checkpoint').write_text(str(stripped / 'iter_4.pth'))
    resumed = run(
        train_cmd('tiny_distill_digits.py', killed, digits_root, teacher,
                  '--resume'))
    run(
        train_cmd('tiny_distill_digits.py', stripped, digits_root, teacher,
                  '--resume'))
    return dict(
        full=full,
        killed=killed,
        stripped=stripped,
        before=before,
        resumed_log=resumed)


def test_killed_between_checkpoints(runs):
    before = runs['before']
    assert [c for c in before['ckpts'] if c.endswith('.pth')] == ['iter_4.pth']
    assert before['last'].endswith('iter_4.pth')
    assert max(before['scalars']) == 6  # iterations 5-6 ran, unsaved


def test_determinism_same_seed_same_losses(runs):
    """Two processes, same seed and deterministic flags: identical losses
    (and every logged scalar) for the 6 iterations both ran."""
    full, killed = scalars(runs['full']), runs['before']['scalars']
    assert sorted(killed) == list(range(1, 7))
    keys = ('loss', 'loss_kd', 'loss_align', 'lr')
    for it in range(1, 7):
        for key in keys:
            assert full[it][key] == killed[it][key], (it, key)
    assert len({full[it]['loss'] for it in range(1, 7)}) > 1


def test_resume_continues_from_last_checkpoint(runs):
    log = runs['resumed_log']
    assert 'resumed epoch: 0, iter: 4' in log
    assert 'Advance dataloader 4 steps' in log
    resumed = scalars(runs['killed'])
    full = scalars(runs['full'])
    assert sorted(resumed) == list(range(1, 13))
    # the same losses and learning rates from iteration 5 on (0.05, then
    # 0.005 from 6, 0.0005 from 10): LR schedule and data order came back
    for it in range(5, 13):
        for key in ('loss', 'loss_kd', 'loss_align', 'lr'):
            assert resumed[it][key] == full[it][key], (it, key)
    assert [resumed[it]['lr']
            for it in (5, 7, 11)] == pytest.approx([0.05, 0.005, 0.0005])


@pytest.mark.parametrize('resumed', ['killed', 'stripped'])
def test_resumed_states_equal_uninterrupted(runs, resumed):
    """Also from a checkpoint without the teacher's weights (the suites'
    partial copy): the teacher comes back from ``model.teacher_ckpt``."""
    if resumed == 'stripped':
        kept = load(runs['stripped'] / 'iter_4.pth')
        state = kept['state_dict']
        assert state and not any(k.startswith('teacher.') for k in state)
        logged = kept['message_hub']['log_scalars']['train/loss']
        assert len(logged.data[0]) == 2
    for name in ('iter_8.pth', 'iter_12.pth'):
        a, b = load(runs['full'] / name), load(runs[resumed] / name)
        assert a['meta']['iter'] == b['meta']['iter'] == int(name[5:-4])
        # weights (student, connectors, teacher) bitwise equal
        assert a['state_dict'].keys() == b['state_dict'].keys()
        for key, value in a['state_dict'].items():
            assert torch.equal(value, b['state_dict'][key]), (name, key)
        # optimizer: SGD momentum buffers and param groups (LR)
        opt_a, opt_b = a['optimizer'], b['optimizer']
        assert opt_a['param_groups'] == opt_b['param_groups']
        assert opt_a['state'].keys() == opt_b['state'].keys()
        assert len(opt_a['state']) > 0
        for idx, state in opt_a['state'].items():
            assert torch.equal(state['momentum_buffer'],
                               opt_b['state'][idx]['momentum_buffer'])
        assert a['param_schedulers'] == b['param_schedulers']
    student = [
        k for k in load(runs['full'] / 'iter_12.pth')['state_dict']
        if k.startswith('student.')
    ]
    assert student
