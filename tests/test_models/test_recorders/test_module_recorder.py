"""Recorders: capture, index, input, clear, unknown paths."""
import pytest
import torch
import torch.nn as nn

from mmdlkd.models.recorders import ModuleRecorder, RecorderManager


class Pair(nn.Module):

    def forward(self, x):
        return x + 1, x * 2


class Net(nn.Module):

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
        self.pair = Pair()
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        y = self.body(x)
        a, b = self.pair(y)
        return self.fc(a + b)


def test_capture_output_input_and_index():
    net = Net()
    manager = RecorderManager(
        net,
        dict(
            hidden='body',
            first=dict(source='pair', index=0),
            fc_in=dict(source='fc', io='input'),
            logits='fc'))
    x = torch.randn(5, 4)
    with manager.recording():
        out = net(x)
    hidden = net.body(x)
    assert torch.equal(manager.get('hidden'), hidden)
    assert torch.equal(manager.get('first'), hidden + 1)
    assert torch.equal(manager.get('fc_in'), hidden + 1 + hidden * 2)
    assert torch.equal(manager.get('logits'), out)
    manager.reset()
    with pytest.raises(RuntimeError, match="'hidden' captured nothing"):
        manager.get('hidden')


def test_inactive_records_nothing_and_calls():
    net = Net()
    manager = RecorderManager(net, dict(relu='body.1'))
    net(torch.randn(2, 4))
    assert manager.recorders['relu'].num_calls == 0
    with manager.recording():
        net(torch.randn(2, 4))
        net(torch.ones(2, 4))
    assert manager.recorders['relu'].num_calls == 2
    assert torch.equal(manager.get('relu'), net.body(torch.ones(2, 4)))
    with manager.recording():
        pass
    assert manager.recorders['relu'].num_calls == 0
    manager.detach()
    with manager.recording():
        net(torch.randn(2, 4))
    assert manager.recorders['relu'].num_calls == 0


def test_unknown_path_lists_close_names():
    with pytest.raises(ValueError) as info:
        RecorderManager(Net(), dict(feat='body.2'), model_name='student')
    msg = str(info.value)
    assert "recorder 'student.feat'" in msg and "no module 'body.2'" in msg
    assert "'body.0'" in msg and "'body.1'" in msg
    with pytest.raises(ValueError, match="top-level modules are 'body'"):
        RecorderManager(Net(), dict(feat='zzz'))


def test_bad_index_and_config():
    net = Net()
    manager = RecorderManager(net, dict(h=dict(source='body', index=0)))
    with pytest.raises(TypeError, match='cannot be indexed'):
        with manager.recording():
            net(torch.randn(1, 4))
    with pytest.raises(ValueError, match="io must be 'output' or 'input'"):
        ModuleRecorder('x', 'body', io='both')
    with pytest.raises(ValueError, match="'source' key"):
        RecorderManager(net, dict(h=dict(path='body')))
