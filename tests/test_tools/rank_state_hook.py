"""Test-only hooks for the multi-process training tests.

Imported through ``custom_imports`` (the tests put this folder on
``PYTHONPATH``). :class:`RankStateHook` writes what each process holds, so
that a test can compare the ranks; :class:`EvalNormsHook` keeps the batch
norms in eval mode, so that the update does not depend on how the batch is
split between processes.
"""
import hashlib
import json
import os
import os.path as osp

import torch
from mmengine.dist import get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch.nn.modules.batchnorm import _BatchNorm

from mmdlkd.registry import HOOKS


def tensor_digest(tensor: torch.Tensor) -> str:
    """SHA-1 of a tensor's bytes (equal digests: bit-identical tensors)."""
    data = tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8)
    return hashlib.sha1(data.numpy().tobytes()).hexdigest()


def state_digests(state: dict) -> dict:
    return {name: tensor_digest(value) for name, value in state.items()}


@HOOKS.register_module(force=True)
class RankStateHook(Hook):
    """Write ``<work_dir>/rank_state/rank<R>_iter<I>.json`` at the end of
    training (``I``: the last iteration): the digests of the model's state
    and of the optimizer's momentum buffers when training started (after a
    resume) and of the model's state at the end, the parameter names, the
    losses of every iteration and the images of every batch.

    Args:
        save_start (bool): Also save the model's state when training
            started as ``rank<R>_start.pth``. Defaults to False.
    """

    priority = 'LOWEST'

    def __init__(self, save_start: bool = False) -> None:
        self.save_start = save_start
        self.record = dict()

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def _path(self, runner, name: str) -> str:
        folder = osp.join(runner.work_dir, 'rank_state')
        os.makedirs(folder, exist_ok=True)
        return osp.join(folder, f'rank{get_rank()}_{name}')

    def before_train(self, runner) -> None:
        model = self._model(runner)
        state = model.state_dict()
        optim_state = runner.optim_wrapper.optimizer.state_dict()['state']
        self.record = dict(
            rank=get_rank(),
            world_size=get_world_size(),
            start_iter=runner.iter,
            params=[n for n, p in model.named_parameters() if p.requires_grad],
            start=state_digests(state),
            start_momentum={
                str(idx): tensor_digest(value['momentum_buffer'])
                for idx, value in optim_state.items()
                if value.get('momentum_buffer') is not None
            },
            losses=[],
            images=[])
        if self.save_start:
            torch.save(state, self._path(runner, 'start.pth'))

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        self.record['losses'].append({
            key: float(value)
            for key, value in outputs.items()
        })
        self.record['images'].append([
            osp.basename(sample.img_path)
            for sample in data_batch['data_samples']
        ])
        if runner.iter + 1 < runner.max_iters:
            return
        self.record['end'] = state_digests(self._model(runner).state_dict())
        path = self._path(runner, f'iter{runner.iter + 1}.json')
        with open(path, 'w') as f:
            json.dump(self.record, f)


@HOOKS.register_module(force=True)
class EvalNormsHook(Hook):
    """Put every batch norm of the model in eval mode before each training
    iteration (normalise with the running statistics, update none)."""

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        for module in runner.model.modules():
            if isinstance(module, _BatchNorm):
                module.eval()
