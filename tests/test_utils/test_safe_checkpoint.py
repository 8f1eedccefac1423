"""Local checkpoints load weights-only with a narrow allow-list; a file with
pickled code is refused unless listed in MMDLKD_TRUSTED_CHECKPOINTS."""
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn

from mmdlkd.utils import (UnsafeCheckpointError, load_checkpoint_file,
                          load_local_checkpoint)
from mmdlkd.utils.safe_checkpoint import (TRUSTED_CHECKPOINTS_ENV,
                                          _global_name,
                                          checkpoint_safe_globals)


class ToyModel(BaseModel):

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)
        self.bn = nn.BatchNorm1d(1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.bn(self.linear(inputs))
        if mode == 'loss':
            return dict(loss=out.pow(2).mean())
        return out


class ToyDataset(torch.utils.data.Dataset):

    def __len__(self) -> int:
        return 8

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=torch.tensor([float(index), 1.0]))


@pytest.fixture(scope='module')
def runner_checkpoint(tmp_path_factory) -> str:
    """A checkpoint written by mmengine's Runner (2 iterations, SGD with
    momentum, a scheduler, mmdlkd's NonFiniteLossHook)."""
    work_dir = tmp_path_factory.mktemp('toy_run')
    runner = Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        experiment_name=f'toy_{os.getpid()}',
        train_dataloader=dict(
            dataset=ToyDataset(),
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='default_collate'),
            batch_size=4,
            num_workers=0),
        train_cfg=dict(by_epoch=False, max_iters=2),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        param_scheduler=dict(
            type='MultiStepLR', by_epoch=False, milestones=[1]),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=2,
                            by_epoch=False)),
        custom_hooks=[dict(type='mmdlkd.NonFiniteLossHook')],
        randomness=dict(seed=0),
        default_scope='mmengine')
    runner.train()
    return str(work_dir / 'iter_2.pth')


class ExecPayload:
    """Unpickling this runs code: it creates ``marker``."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').close()", ))


class GetattrPayload:
    """Reaches an attribute of an allow-listed type through getattr."""

    def __reduce__(self):
        return (getattr, (np.ndarray, '__class__'))


@pytest.fixture
def malicious(tmp_path):
    """A zip-format and a legacy-format checkpoint carrying ExecPayload."""
    marker = tmp_path / 'marker'
    files = {}
    for fmt, zipped in (('zip', True), ('legacy', False)):
        path = tmp_path / f'evil_{fmt}.pth'
        torch.save(
            dict(
                state_dict=dict(w=torch.ones(2)),
                meta=ExecPayload(str(marker))),
            path,
            _use_new_zipfile_serialization=zipped)
        files[fmt] = str(path)
    assert not marker.exists()
    return files, marker


def test_runner_checkpoint_needs_only_the_allow_list(runner_checkpoint):
    found = set(
        torch.serialization.get_unsafe_globals_in_checkpoint(
            runner_checkpoint))
    allowed = {_global_name(e) for e in checkpoint_safe_globals()}
    assert found <= allowed
    # what mmengine's message_hub pickles (HistoryBuffer.__getstate__ stores
    # its statistics methods as getattr(HistoryBuffer, 'mean') etc.)
    assert {
        'mmengine.logging.history_buffer.HistoryBuffer', 'builtins.getattr',
        'numpy.ndarray'
    } <= found
    # mmengine's own torch.load (weights_only=True by default) refuses it
    with pytest.raises(pickle.UnpicklingError):
        torch.load(runner_checkpoint, map_location='cpu')


def test_runner_checkpoint_loads_with_its_values(runner_checkpoint):
    ckpt = load_local_checkpoint(runner_checkpoint, map_location='cpu')
    assert ckpt['meta']['iter'] == 2
    assert set(ckpt['state_dict']) == {
        'linear.weight', 'linear.bias', 'bn.weight', 'bn.bias',
        'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked'
    }
    assert ckpt['state_dict']['bn.num_batches_tracked'].item() == 2
    assert len(ckpt['optimizer']['state']) == 4  # momentum buffers
    # the same values as a full unpickle
    full = torch.load(
        runner_checkpoint, map_location='cpu', weights_only=False)
    assert ckpt['meta'] == full['meta']
    assert ckpt['param_schedulers'] == full['param_schedulers']
    for key, value in full['optimizer']['state'].items():
        assert torch.equal(ckpt['optimizer']['state'][key]['momentum_buffer'],
                           value['momentum_buffer'])
    loss = ckpt['message_hub']['log_scalars']['train/loss']
    assert isinstance(loss, HistoryBuffer)
    values, counts = loss.data
    assert values.dtype == np.float64 and counts.tolist() == [1, 1]
    assert loss.mean() == pytest.approx(values.mean())
    assert loss.statistics('current') == values[-1]


def test_allow_list_is_scoped_to_the_call(runner_checkpoint):
    before = set(torch.serialization.get_safe_globals())
    with torch.serialization.safe_globals([HistoryBuffer]):
        load_local_checkpoint(runner_checkpoint)
        # an entry the caller allowed is left in place
        assert HistoryBuffer in torch.serialization.get_safe_globals()
    assert set(torch.serialization.get_safe_globals()) == before
    assert HistoryBuffer not in before


@pytest.mark.parametrize('fmt', ['zip', 'legacy'])
def test_executable_pickle_is_refused(malicious, fmt, monkeypatch):
    files, marker = malicious
    monkeypatch.delenv(TRUSTED_CHECKPOINTS_ENV, raising=False)
    with pytest.raises(UnsafeCheckpointError) as info:
        load_local_checkpoint(files[fmt])
    msg = str(info.value)
    assert f'refusing to load checkpoint {files[fmt]}' in msg
    assert 'builtins.exec' in msg
    assert f'{TRUSTED_CHECKPOINTS_ENV}={os.path.realpath(files[fmt])}' in msg
    assert not marker.exists()
    # trusting another file does not trust this one
    monkeypatch.setenv(TRUSTED_CHECKPOINTS_ENV, files[fmt] + '.other')
    with pytest.raises(UnsafeCheckpointError):
        load_local_checkpoint(files[fmt])
    assert not marker.exists()


def test_trusted_checkpoint_is_unpickled_in_full(malicious, tmp_path,
                                                 monkeypatch):
    files, marker = malicious
    # listed among others, by a relative path
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(TRUSTED_CHECKPOINTS_ENV,
                       os.pathsep.join(['/nowhere.pth', 'evil_zip.pth']))
    ckpt = load_local_checkpoint(files['zip'])
    assert marker.exists()  # the payload ran: the opt-in loads in full
    assert ckpt['state_dict']['w'].tolist() == [1.0, 1.0]


def test_getattr_is_restricted_to_history_buffer(tmp_path):
    path = str(tmp_path / 'reach.pth')
    torch.save(dict(x=GetattrPayload()), path)
    with pytest.raises(
            UnsafeCheckpointError,
            match=r"builtins\.getattr\(ndarray, '__class__'\)"):
        load_local_checkpoint(path)


def test_teacher_loader_is_safe_without_setup(malicious):
    files, marker = malicious
    with pytest.raises(UnsafeCheckpointError, match='evil_zip.pth'):
        load_checkpoint_file(files['zip'])
    assert not marker.exists()


def test_missing_checkpoint_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_local_checkpoint(str(tmp_path / 'nope.pth'))


@pytest.mark.parametrize('content', [b'not a checkpoint', b'PK\x03\x04'])
def test_corrupt_checkpoint_names_the_file(tmp_path, content):
    path = tmp_path / 'broken.pth'
    path.write_bytes(content)
    with pytest.raises(RuntimeError, match='broken.pth') as info:
        load_local_checkpoint(str(path))
    assert not isinstance(info.value, UnsafeCheckpointError)
