"""The launcher scripts and train.py's arguments, without GPUs: a stand-in
``python``/``srun`` on PATH records the command line the scripts build."""
import os
import os.path as osp
import subprocess
import sys

import pytest
from train_utils import ROOT, load_tool

CONFIG = osp.join(ROOT, 'tests', 'data', 'configs', 'tiny_resnet_digits.py')


@pytest.fixture
def recorder_bin(tmp_path):
    """A folder with ``python`` and ``srun`` that print their arguments."""
    for name in ('python', 'srun'):
        path = tmp_path / name
        path.write_text('#!/bin/sh\necho "$0 $*"\n')
        path.chmod(0o755)
    return tmp_path


def _run_script(script, args, recorder_bin, **env):
    full_env = dict(os.environ, PATH=f'{recorder_bin}:{os.environ["PATH"]}')
    full_env.update(env)
    out = subprocess.run(
        ['bash', osp.join(ROOT, 'tools', script), *args],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        check=True).stdout
    return out.split()


def test_dist_train_builds_torchrun_command(recorder_bin):
    argv = _run_script(
        'dist_train.sh', [CONFIG, '8', '--amp', '--work-dir', 'w'],
        recorder_bin,
        NNODES='2',
        NODE_RANK='1',
        MASTER_ADDR='10.1.2.3',
        PORT='29999')
    assert argv[1:3] == ['-m', 'torch.distributed.run']
    for flag in ('--nnodes=2', '--node_rank=1', '--master_addr=10.1.2.3',
                 '--nproc_per_node=8', '--master_port=29999'):
        assert flag in argv
    assert argv[-6:] == [
        CONFIG, '--launcher', 'pytorch', '--amp', '--work-dir', 'w'
    ]
    assert argv[-7].endswith('tools/train.py')


def test_dist_test_builds_torchrun_command(recorder_bin):
    argv = _run_script('dist_test.sh', [CONFIG, 'ckpt.pth', '4'], recorder_bin)
    assert '--nproc_per_node=4' in argv and '--nnodes=1' in argv
    assert argv[-4:] == [CONFIG, 'ckpt.pth', '--launcher', 'pytorch']


def test_slurm_train_builds_srun_command(recorder_bin):
    argv = _run_script(
        'slurm_train.sh', ['part', 'job', CONFIG], recorder_bin, GPUS='16')
    assert argv[0].endswith('srun')
    assert ['-p', 'part'] == argv[1:3]
    assert '--ntasks=16' in argv and '--launcher=slurm' in argv
    assert '--work-dir=work_dirs/job' in argv


def _load_train_module():
    return load_tool('train.py', 'mmdlkd_train_tool')


@pytest.mark.parametrize('flag', ['--local_rank', '--local-rank'])
def test_train_args_accept_both_local_rank_spellings(flag, monkeypatch):
    train = _load_train_module()
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    monkeypatch.setattr(sys, 'argv', ['train.py', CONFIG, flag, '3'])
    args = train.parse_args()
    assert args.local_rank == 3 and os.environ['LOCAL_RANK'] == '3'


def test_train_config_overrides(monkeypatch, tmp_path):
    train = _load_train_module()
    monkeypatch.setattr(sys, 'argv', [
        'train.py', CONFIG, '--amp', '--resume', 'x.pth', '--work-dir',
        str(tmp_path), '--cfg-options', 'train_dataloader.batch_size=3'
    ])
    cfg = train.build_config(train.parse_args())
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'
    assert cfg.resume is True and cfg.load_from == 'x.pth'
    assert cfg.work_dir == str(tmp_path)
    assert cfg.train_dataloader.batch_size == 3


def test_train_missing_config_names_it(monkeypatch):
    train = _load_train_module()
    monkeypatch.setattr(sys, 'argv', ['train.py', 'configs/nope.py'])
    with pytest.raises(FileNotFoundError, match='configs/nope.py'):
        train.build_config(train.parse_args())


def test_slurm_test_builds_srun_command(recorder_bin):
    argv = _run_script('slurm_test.sh', ['part', 'job', CONFIG, 'c.pth'],
                       recorder_bin)
    assert argv[0].endswith('srun') and '--ntasks=8' in argv
    assert argv[-3:] == [CONFIG, 'c.pth', '--launcher=slurm']
    assert argv[-4].endswith('tools/test.py')


def test_make_test_skip_setup_uses_the_given_python():
    out = subprocess.run(
        ['make', '-n', 'test', 'SKIP_SETUP=1', 'PYTHON=python'],
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True).stdout
    assert 'setup_env.sh' not in out
    assert 'python -m pytest tests' in out
