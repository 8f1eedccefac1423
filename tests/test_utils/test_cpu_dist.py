"""setup_cpu_distributed: the process group of a torchrun-launched run on
CPUs, started before mmengine's (which would call torch.cuda.set_device)."""
import socket
from datetime import timedelta

import pytest
import torch
import torch.distributed as dist
from mmengine.config import Config

from mmdlkd.utils import setup_cpu_distributed


@pytest.fixture
def one_process_env(monkeypatch):
    """torchrun's variables for a world of one process, no CUDA."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    for key, value in dict(
            MASTER_ADDR='127.0.0.1',
            MASTER_PORT=str(port),
            RANK='0',
            WORLD_SIZE='1',
            LOCAL_RANK='0').items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    yield
    if dist.is_initialized():
        dist.destroy_process_group()


def test_gloo_group_and_ddp_without_device_ids(one_process_env, monkeypatch):
    seen = {}
    init = dist.init_process_group

    def record(**kwargs):
        seen.update(kwargs)
        init(**kwargs)

    monkeypatch.setattr(dist, 'init_process_group', record)
    cfg = Config(
        dict(
            launcher='pytorch',
            find_unused_parameters=True,
            env_cfg=dict(dist_cfg=dict(backend='gloo', timeout=60))))
    assert setup_cpu_distributed(cfg) is True
    assert seen == dict(backend='gloo', timeout=timedelta(seconds=60))
    assert dist.is_initialized() and dist.get_world_size() == 1
    assert cfg.model_wrapper_cfg == dict(
        type='MMDistributedDataParallel',
        device_ids=None,
        broadcast_buffers=False,
        find_unused_parameters=True)
    # a second call (group already started) changes nothing
    assert setup_cpu_distributed(cfg) is False


def test_configured_wrapper_is_kept(one_process_env):
    wrapper = dict(type='MyWrapper', device_ids=None)
    cfg = Config(
        dict(
            launcher='pytorch',
            model_wrapper_cfg=wrapper,
            env_cfg=dict(dist_cfg=dict(backend='gloo'))))
    assert setup_cpu_distributed(cfg) is True
    assert cfg.model_wrapper_cfg == wrapper


def test_nccl_on_cpu_names_the_option(one_process_env):
    cfg = Config(
        dict(launcher='pytorch', env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    with pytest.raises(ValueError, match='env_cfg.dist_cfg.backend=gloo'):
        setup_cpu_distributed(cfg)
    assert not dist.is_initialized()


@pytest.mark.parametrize('launcher', ['none', 'slurm'])
def test_other_launchers_untouched(launcher, one_process_env):
    cfg = Config(dict(launcher=launcher))
    assert setup_cpu_distributed(cfg) is False
    assert not dist.is_initialized() and 'model_wrapper_cfg' not in cfg


def test_with_cuda_untouched(one_process_env, monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = Config(dict(launcher='pytorch'))
    assert setup_cpu_distributed(cfg) is False
    assert not dist.is_initialized()
