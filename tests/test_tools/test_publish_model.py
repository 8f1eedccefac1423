"""tools/model_converters/publish_model.py: weights only, a stable hash."""
import hashlib

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from train_utils import run_tool


def test_publish_keeps_the_weights_and_prints_the_file_hash(tmp_path):
    weights = {'backbone.w': torch.arange(6.).reshape(2, 3).t()}
    src = tmp_path / 'iter_3.pth'
    torch.save(
        dict(
            state_dict=weights,
            optimizer=dict(state={}),
            message_hub=dict(log=HistoryBuffer([np.float64(1.0)], [1])),
            meta=dict(iter=3, epoch=0, seed=5, cfg='long text')), src)
    outs = []
    for name in ('a.pth', 'b.pth'):
        out = run_tool('model_converters/publish_model.py', src,
                       tmp_path / name)
        outs.append(out.strip().splitlines()[-1])
    data = (tmp_path / 'a.pth').read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    assert outs[0] == f'{tmp_path / "a.pth"}: sha256 {sha}'
    assert (tmp_path / 'b.pth').read_bytes() == data  # reproducible
    zoo = torch.load(tmp_path / 'a.pth', weights_only=True)
    assert set(zoo) == {'state_dict', 'meta'}
    assert zoo['meta'] == dict(iter=3, epoch=0)
    assert torch.equal(zoo['state_dict']['backbone.w'], weights['backbone.w'])


def test_hash_name_appends_the_first_digits_of_the_hash(tmp_path):
    src = tmp_path / 'iter_3.pth'
    torch.save(dict(state_dict={'w': torch.ones(2)}, meta=dict(iter=3)), src)
    out = run_tool('model_converters/publish_model.py', src,
                   tmp_path / 'teacher.pth', '--hash-name')
    path, sha = out.strip().splitlines()[-1].split(': sha256 ')
    assert path == str(tmp_path / f'teacher-{sha[:8]}.pth')
    assert hashlib.sha256(open(path, 'rb').read()).hexdigest() == sha
    assert not (tmp_path / 'teacher.pth').exists()
