"""The local-checkpoint loader shim: without it, torch >= 2.6 refuses
mmengine's own training checkpoints."""
import pickle

import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint

import mmdlkd  # noqa: F401


@pytest.fixture
def training_checkpoint(tmp_path):
    path = tmp_path / 'iter_1.pth'
    torch.save(
        dict(
            meta=dict(iter=1),
            state_dict=dict(w=torch.arange(3.)),
            message_hub=dict(log_scalars=dict(
                loss=HistoryBuffer([0.5], [1])))), path)
    return str(path)


def test_plain_torch_load_refuses_mmengine_checkpoints(training_checkpoint):
    # This is what mmengine 0.10.7 does by itself under torch >= 2.6; if
    # torch ever stops refusing, the shim can go.
    with pytest.raises(pickle.UnpicklingError):
        torch.load(training_checkpoint)


def test_shim_loads_mmengine_checkpoints(training_checkpoint):
    ckpt = _load_checkpoint(training_checkpoint, map_location='cpu')
    assert ckpt['meta']['iter'] == 1
    assert ckpt['state_dict']['w'].tolist() == [0., 1., 2.]
    buffer = ckpt['message_hub']['log_scalars']['loss']
    assert buffer.current() == 0.5


def test_missing_checkpoint_names_the_file(tmp_path):
    path = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        _load_checkpoint(path)


def test_corrupt_checkpoint_names_the_file(tmp_path):
    path = tmp_path / 'broken.pth'
    path.write_bytes(b'not a checkpoint')
    with pytest.raises(RuntimeError, match='broken.pth'):
        _load_checkpoint(str(path))
