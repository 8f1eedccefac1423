"""Multi-process training without GPUs (``tools/dist_train.sh`` on CPUs).

mmengine's ``pytorch`` launcher assumes one GPU per process: it calls
``torch.cuda.set_device(LOCAL_RANK)`` before starting the process group and
wraps the model in DDP with ``device_ids=[LOCAL_RANK]``; both fail on a
machine without CUDA. :func:`setup_cpu_distributed` starts the process group
itself (mmengine then skips its own start) and wraps the model in DDP
without device ids.
"""
from datetime import timedelta

import torch
import torch.distributed as dist
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config) -> bool:
    """Start the process group of a ``pytorch``-launched run on CPUs.

    Does nothing (returns False) unless ``cfg.launcher`` is ``'pytorch'``,
    CUDA is unavailable and no process group exists yet. Otherwise starts
    the group from torchrun's environment variables with
    ``cfg.env_cfg.dist_cfg`` (``backend``, ``timeout`` in seconds) and,
    unless the config sets ``model_wrapper_cfg``, makes the model wrapper
    the one mmengine builds by default (``MMDistributedDataParallel``,
    buffers not broadcast, ``find_unused_parameters`` from the config)
    without device ids.

    Args:
        cfg (Config): The training config, its ``launcher`` set.

    Returns:
        bool: Whether the process group was started here.

    Raises:
        ValueError: If the backend is ``nccl`` (GPUs only).
    """
    if cfg.get('launcher') != 'pytorch' or torch.cuda.is_available() or \
            dist.is_initialized():
        return False
    dist_cfg = dict(cfg.get('env_cfg', {}).get('dist_cfg', {}))
    backend = dist_cfg.pop('backend', 'nccl')
    if backend == 'nccl':
        raise ValueError(
            'CUDA is not available and the nccl backend needs GPUs: train '
            'on CPUs with --cfg-options env_cfg.dist_cfg.backend=gloo')
    if 'timeout' in dist_cfg:
        dist_cfg['timeout'] = timedelta(seconds=dist_cfg['timeout'])
    dist.init_process_group(backend=backend, **dist_cfg)
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel',
            device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    return True
