"""ChannelsLastHook and teacher_dtype='auto'."""
from types import SimpleNamespace
from unittest import mock

import torch
import torch.nn as nn

from mmdlkd.engine.hooks import ChannelsLastHook
from mmdlkd.models.distillers.distiller import auto_teacher_dtype


def test_student_and_connectors_become_channels_last_in_place():
    model = nn.Module()
    model.student = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    model.connectors = nn.ModuleDict(dict(a=nn.Conv2d(4, 4, 3)))
    model.teacher = nn.Conv2d(3, 4, 3)
    weight = model.student[0].weight
    before = weight.detach().clone()
    ChannelsLastHook().before_train(SimpleNamespace(model=model))
    assert model.student[0].weight is weight  # the optimizer's parameter
    assert torch.equal(weight, before)
    for conv in (model.student[0], model.connectors.a):
        assert conv.weight.is_contiguous(memory_format=torch.channels_last)
        assert not conv.weight.is_contiguous()
    # the frozen teacher follows teacher_channels_last, not this hook
    assert model.teacher.weight.is_contiguous()
    out = model.student(torch.randn(2, 3, 8, 8))
    assert out.is_contiguous(memory_format=torch.channels_last)


def test_a_plain_model_is_converted():
    model = nn.Conv2d(3, 4, 3)
    ChannelsLastHook().before_train(SimpleNamespace(model=model))
    assert model.weight.is_contiguous(memory_format=torch.channels_last)


def test_auto_teacher_dtype_follows_the_device():
    with mock.patch('torch.cuda.is_available', return_value=False), \
            mock.patch('torch.ops.mkldnn._is_mkldnn_bf16_supported',
                       return_value=True):
        assert auto_teacher_dtype() == 'bf16'
    with mock.patch('torch.cuda.is_available', return_value=False), \
            mock.patch('torch.ops.mkldnn._is_mkldnn_bf16_supported',
                       return_value=False):
        assert auto_teacher_dtype() is None
    with mock.patch('torch.cuda.is_available', return_value=True), \
            mock.patch('torch.cuda.is_bf16_supported', return_value=True):
        assert auto_teacher_dtype() == 'bf16'
