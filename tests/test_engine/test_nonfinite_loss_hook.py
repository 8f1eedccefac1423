"""NonFiniteLossHook stops a run with a NaN loss before NaN weights reach a
checkpoint."""
import glob
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

import mmdlkd  # noqa: F401
from mmdlkd.engine.hooks import NonFiniteLossError, NonFiniteLossHook
from mmdlkd.engine.hooks.nonfinite_loss_hook import tensor_stats


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 1)

    def forward(self, inputs, targets=None, mode='tensor'):
        inputs = torch.stack(inputs) if isinstance(inputs, list) else inputs
        out = self.linear(inputs)
        if mode == 'loss':
            targets = torch.stack(targets)
            return dict(
                loss_mse=((out - targets)**2).mean(),
                loss_const=out.new_tensor(0.5),
                acc=out.new_tensor(float('nan')))  # not a loss: ignored
        return out


class ToyData(Dataset):
    """Sample ``bad`` holds a NaN: the loss of that iteration is NaN."""

    def __init__(self, bad=2):
        self.bad = bad

    def __len__(self):
        return 8

    def __getitem__(self, idx):
        x = torch.full((4, ), float(idx))
        if idx == self.bad:
            x[0] = float('nan')
        return dict(inputs=x, targets=torch.ones(1))


def make_runner(work_dir, hooks, ckpt_interval=1, max_iters=6):
    return Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=ToyData(),
            batch_size=1,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='pseudo_collate')),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=dict(
            checkpoint=dict(
                type='CheckpointHook', by_epoch=False, interval=ckpt_interval),
            logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=hooks,
        experiment_name=f'nonfinite_{work_dir.name}',
        log_level='WARNING')


def saved(work_dir):
    return sorted(osp.basename(p) for p in glob.glob(f'{work_dir}/iter_*.pth'))


def all_finite(path):
    state = torch.load(path, map_location='cpu', weights_only=False)
    return all(
        bool(torch.isfinite(v).all()) for v in state['state_dict'].values())


def test_without_hook_nan_weights_are_saved(tmp_path):
    """The scenario is real: mmengine alone writes NaN weights."""
    make_runner(tmp_path, hooks=[], max_iters=3).train()
    assert saved(tmp_path) == ['iter_1.pth', 'iter_2.pth', 'iter_3.pth']
    assert not all_finite(tmp_path / 'iter_3.pth')


def test_raises_before_checkpoint_of_same_iteration(tmp_path):
    runner = make_runner(
        tmp_path, hooks=[dict(type='mmdlkd.NonFiniteLossHook')])
    with pytest.raises(NonFiniteLossError) as info:
        runner.train()
    msg = str(info.value)
    assert 'non-finite loss at iteration 3: ' in msg
    assert 'loss_mse = nan' in msg and 'loss = nan' in msg
    assert 'finite: loss_const = 0.5' in msg
    assert 'acc' not in msg.split('\n')[0]
    assert 'learning rate' in msg
    assert 'linear.weight: shape (1, 4): 4 of 4 NaN' in msg
    # the checkpoints of iterations 1-2 exist, that of iteration 3 does not
    assert saved(tmp_path) == ['iter_1.pth', 'iter_2.pth']
    assert all(all_finite(tmp_path / p) for p in saved(tmp_path))
    last = (tmp_path / 'last_checkpoint').read_text()
    assert last.endswith('iter_2.pth')


def test_checkpoint_guard_with_sparse_checks(tmp_path):
    """With interval > 1 the loss check misses iteration 3, but the
    checkpoint of iteration 4 is refused."""
    runner = make_runner(
        tmp_path,
        hooks=[dict(type='mmdlkd.NonFiniteLossHook', interval=5)],
        ckpt_interval=2)
    with pytest.raises(NonFiniteLossError) as info:
        runner.train()
    msg = str(info.value)
    assert 'refusing to save a checkpoint at iteration 4' in msg
    assert 'state_dict holds non-finite tensors' in msg
    assert 'linear.weight' in msg
    assert saved(tmp_path) == ['iter_2.pth']
    assert all_finite(tmp_path / 'iter_2.pth')


def test_warn_action_logs_and_the_guard_still_holds(tmp_path, capsys):
    runner = make_runner(
        tmp_path,
        hooks=[dict(type='mmdlkd.NonFiniteLossHook', action='warn')],
        ckpt_interval=4)
    with pytest.raises(NonFiniteLossError, match='refusing to save'):
        runner.train()
    out = capsys.readouterr()
    assert 'non-finite loss at iteration 3' in out.out + out.err
    assert saved(tmp_path) == []


def test_options_and_stats():
    with pytest.raises(ValueError, match='interval'):
        NonFiniteLossHook(interval=0)
    with pytest.raises(ValueError, match='action'):
        NonFiniteLossHook(action='skip')
    text = tensor_stats(torch.tensor([1.0, float('nan'), float('inf'), -3.0]))
    assert text == ('shape (4,): 1 of 4 NaN, 1 +Inf, 0 -Inf; finite min -3, '
                    'max 1, mean -1')
