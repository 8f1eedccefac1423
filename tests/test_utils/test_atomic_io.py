"""Checkpoints (and last_checkpoint) are written atomically once
``mmdlkd.utils.setup_runtime`` (called by mmdlkd's tools) has run: a failure
while writing leaves the previous file usable."""
import os
import os.path as osp

import pytest
import torch
from mmengine.fileio import get_file_backend
from mmengine.runner.checkpoint import save_checkpoint

import mmdlkd.utils.atomic_io as atomic_io


@pytest.fixture(autouse=True)
def atomic_writes():
    """The atomic writes on for each test, mmengine's own writes after."""
    atomic_io.register_atomic_local_writes()
    yield
    atomic_io.unregister_atomic_local_writes()


class TornFile:
    """A file object that writes half of the data, then fails (disk full,
    or the process dying mid-write)."""

    def __init__(self, f):
        self.f = f

    def write(self, data):
        self.f.write(data[:len(data) // 2])
        self.f.flush()
        raise OSError(28, 'No space left on device')

    def __getattr__(self, name):
        return getattr(self.f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()


def torn_open(*args, **kwargs):
    return TornFile(open(*args, **kwargs))


def test_failed_checkpoint_write_keeps_previous_file(tmp_path, monkeypatch):
    path = str(tmp_path / 'epoch_1.pth')
    old = dict(state_dict=dict(w=torch.arange(1000.)), meta=dict(iter=1))
    save_checkpoint(old, path)
    size = osp.getsize(path)

    monkeypatch.setattr(atomic_io, 'open', torn_open, raising=False)
    new = dict(state_dict=dict(w=torch.zeros(1000)), meta=dict(iter=2))
    with pytest.raises(OSError, match='No space left'):
        save_checkpoint(new, path)
    # the old checkpoint is intact and loads; no partial file is left
    assert osp.getsize(path) == size
    loaded = torch.load(path, map_location='cpu', weights_only=False)
    assert torch.equal(loaded['state_dict']['w'], old['state_dict']['w'])
    assert os.listdir(tmp_path) == ['epoch_1.pth']
    # a new name that fails is not created at all
    with pytest.raises(OSError):
        save_checkpoint(new, str(tmp_path / 'epoch_2.pth'))
    assert os.listdir(tmp_path) == ['epoch_1.pth']

    monkeypatch.undo()
    save_checkpoint(new, path)
    loaded = torch.load(path, map_location='cpu', weights_only=False)
    assert loaded['meta']['iter'] == 2


def test_last_checkpoint_pointer_is_atomic(tmp_path, monkeypatch):
    backend = get_file_backend(str(tmp_path))
    pointer = str(tmp_path / 'last_checkpoint')
    backend.put_text(str(tmp_path / 'iter_4.pth'), pointer)
    monkeypatch.setattr(atomic_io, 'open', torn_open, raising=False)
    with pytest.raises(OSError):
        backend.put_text(str(tmp_path / 'iter_8.pth'), pointer)
    with open(pointer) as f:
        assert f.read() == str(tmp_path / 'iter_4.pth')
    assert os.listdir(tmp_path) == ['last_checkpoint']


def test_without_the_shim_the_old_file_is_lost(tmp_path, monkeypatch):
    """Why the shim exists: mmengine's own put truncates the final file
    before writing it."""
    path = str(tmp_path / 'epoch_1.pth')
    save_checkpoint(dict(w=torch.arange(1000.)), path)
    atomic_io.unregister_atomic_local_writes()
    try:
        import builtins
        real_open = builtins.open

        def torn_builtin_open(file, mode='r', *args, **kwargs):
            f = real_open(file, mode, *args, **kwargs)
            return TornFile(f) if 'w' in mode and file == path else f

        monkeypatch.setattr(builtins, 'open', torn_builtin_open)
        with pytest.raises(OSError):
            save_checkpoint(dict(w=torch.zeros(1000)), path)
        monkeypatch.undo()
        with pytest.raises(Exception):
            torch.load(path, map_location='cpu', weights_only=False)
    finally:
        atomic_io.register_atomic_local_writes()


def test_permissions_and_symlinks(tmp_path):
    target = tmp_path / 'real.pth'
    link = tmp_path / 'latest.pth'
    atomic_io.atomic_write_bytes(b'one', target)
    os.chmod(target, 0o640)
    os.symlink(target, link)
    atomic_io.atomic_write_bytes(b'two', link)
    assert link.is_symlink() and target.read_bytes() == b'two'
    assert (os.stat(target).st_mode & 0o777) == 0o640
    atomic_io.atomic_write_bytes(b'x', tmp_path / 'new' / 'dir' / 'a.pth')
    assert (tmp_path / 'new' / 'dir' / 'a.pth').read_bytes() == b'x'
