"""``import mmdlkd`` leaves mmengine and torch as they are; setup_runtime()
switches mmdlkd's changes on for mmengine's own loading and writing, and
reset_runtime() undoes them."""
import json
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.fileio.backends import LocalBackend
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

from mmdlkd.utils import (UnsafeCheckpointError, load_local_checkpoint,
                          reset_runtime, setup_runtime)

STATE = '''
import json, torch
from mmengine.config import Config
from mmengine.fileio.backends import LocalBackend
from mmengine.runner.checkpoint import CheckpointLoader
def state():
    return dict(
        loaders={p: f'{f.__module__}.{f.__qualname__}'
                 for p, f in CheckpointLoader._schemes.items()},
        put=LocalBackend.put.__module__,
        put_text=LocalBackend.put_text.__module__,
        cfg_path=Config.__dict__['_get_cfg_path'].__func__.__module__,
        safe_globals=sorted(map(repr, torch.serialization.get_safe_globals())))
'''


def test_import_changes_nothing_in_mmengine_or_torch(repo_root):
    code = STATE + '''
before = state()
import mmdlkd
import mmdlkd.datasets, mmdlkd.engine, mmdlkd.evaluation, mmdlkd.models
import mmdlkd.utils
print(json.dumps([before, state()]))
'''
    out = subprocess.run([sys.executable, '-c', code],
                         cwd=repo_root,
                         check=True,
                         stdout=subprocess.PIPE,
                         text=True).stdout
    before, after = json.loads(out.splitlines()[-1])
    assert after == before
    assert before['loaders'][''] == \
        'mmengine.runner.checkpoint.load_from_local'
    assert before['put'].startswith('mmengine.')
    assert before['cfg_path'] == 'mmengine.config.config'


@pytest.fixture
def runtime():
    setup_runtime()
    yield
    reset_runtime()


def mmengine_state() -> tuple:
    return (CheckpointLoader._schemes[''].__module__,
            CheckpointLoader._schemes[''].__name__,
            LocalBackend.put.__module__, LocalBackend.put_text.__module__,
            Config.__dict__['_get_cfg_path'].__func__.__module__)


MMENGINE = ('mmengine.runner.checkpoint', 'load_from_local',
            'mmengine.fileio.backends.local_backend',
            'mmengine.fileio.backends.local_backend', 'mmengine.config.config')


def test_setup_and_reset():
    try:
        setup_runtime()
        setup_runtime()  # idempotent
        assert CheckpointLoader._schemes[''] is load_local_checkpoint
        assert mmengine_state()[2:] == ('mmdlkd.utils.atomic_io',
                                        'mmdlkd.utils.atomic_io',
                                        'mmdlkd.utils.package_configs')
    finally:
        reset_runtime()
    assert mmengine_state() == MMENGINE


def test_mmengine_loads_training_checkpoints_after_setup(runtime, tmp_path):
    path = str(tmp_path / 'iter_1.pth')
    torch.save(
        dict(
            meta=dict(iter=1),
            state_dict=dict(w=torch.arange(3.)),
            message_hub=dict(log_scalars=dict(
                loss=HistoryBuffer([0.5], [1])))), path)
    ckpt = _load_checkpoint(path, map_location='cpu')
    assert ckpt['state_dict']['w'].tolist() == [0., 1., 2.]
    assert ckpt['message_hub']['log_scalars']['loss'].current() == 0.5


class Payload:

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').close()", ))


def test_mmengine_refuses_pickled_code_after_setup(runtime, tmp_path):
    path = str(tmp_path / 'evil.pth')
    marker = tmp_path / 'marker'
    torch.save(dict(state_dict={}, meta=Payload(str(marker))), path)
    with pytest.raises(UnsafeCheckpointError, match='evil.pth'):
        _load_checkpoint(path, map_location='cpu')
    assert not marker.exists()
