"""Stop training on a non-finite loss before NaN weights are saved."""
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop

from mmdlkd.registry import HOOKS


class NonFiniteLossError(FloatingPointError):
    """A loss or a weight to be saved is NaN or infinite."""


def tensor_stats(value: torch.Tensor) -> str:
    """Summarise a tensor: shape, NaN/Inf counts and its finite range.

    Args:
        value (Tensor): Any tensor.

    Returns:
        str: e.g. ``'shape (16, 3, 3, 3): 432 of 432 NaN, 0 +Inf, 0 -Inf'``
        or ``'... ; finite min -0.3, max 0.41, mean 0.002'``.
    """
    value = value.detach().float()
    total = value.numel()
    nan = int(torch.isnan(value).sum())
    pos = int(torch.isposinf(value).sum())
    neg = int(torch.isneginf(value).sum())
    text = (f'shape {tuple(value.shape)}: {nan} of {total} NaN, {pos} +Inf, '
            f'{neg} -Inf')
    finite = value[torch.isfinite(value)]
    if finite.numel():
        text += (f'; finite min {finite.min().item():.4g}, max '
                 f'{finite.max().item():.4g}, mean '
                 f'{finite.mean().item():.4g}')
    return text


def nonfinite_tensors(named: Dict[str, torch.Tensor],
                      limit: int = 10) -> List[str]:
    """Describe the floating-point tensors of ``named`` that are not finite.

    Args:
        named (dict[str, Tensor]): e.g. a state dict.
        limit (int): Describe at most this many; a last line counts the
            rest. Defaults to 10.

    Returns:
        list[str]: ``'<name>: <stats>'`` per non-finite tensor; empty when
        all are finite.
    """
    bad = [(k, v) for k, v in named.items() if isinstance(v, torch.Tensor)
           and v.is_floating_point() and not bool(torch.isfinite(v).all())]
    lines = [f'{k}: {tensor_stats(v)}' for k, v in bad[:limit]]
    if len(bad) > limit:
        lines.append(f'... and {len(bad) - limit} more tensors')
    return lines


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stop the run when a loss becomes NaN or infinite.

    Every ``interval`` training iterations, the losses of the step (the
    ``outputs`` of ``train_step`` whose names contain ``loss``: each loss of
    the student, each distillation loss and their sum ``loss``) are
    checked. If one is not
    finite the run stops with a :class:`NonFiniteLossError` naming the
    iteration, every non-finite loss with its value, the finite losses for
    comparison, the learning rate and the parameters that have already
    become non-finite (NaN/Inf counts and finite range of each).

    The hook runs with priority ``'VERY_HIGH'``, i.e. before mmengine's
    ``CheckpointHook`` (``'VERY_LOW'``) handles the same iteration, so the
    weights updated by the failing step are never written to a checkpoint.
    In addition (``check_checkpoint=True``), every checkpoint about to be
    saved is refused when its ``state_dict`` or ``ema_state_dict`` holds a
    non-finite tensor; this also covers ``interval > 1`` and weights that
    overflow while the loss is still finite.

    The check costs one host-device synchronisation per checked iteration
    (mmengine's logging already synchronises on every iteration); in
    distributed training one extra all-reduce of a flag makes all ranks stop
    together.

    Example:
        >>> custom_hooks = [dict(type='mmdlkd.NonFiniteLossHook')]
        >>> # check every 10 iterations, only log
        >>> custom_hooks = [
        >>>     dict(type='mmdlkd.NonFiniteLossHook', interval=10,
        >>>          action='warn')]

    Args:
        interval (int): Check the losses every ``interval`` iterations.
            Defaults to 1.
        action (str): ``'raise'`` stops the run; ``'warn'`` logs an error
            and goes on (the checkpoint check still refuses non-finite
            weights). Defaults to ``'raise'``.
        check_checkpoint (bool): Refuse to save a checkpoint with
            non-finite weights. Defaults to True.
        max_listed (int): At most this many parameters are described.
            Defaults to 10.
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 interval: int = 1,
                 action: str = 'raise',
                 check_checkpoint: bool = True,
                 max_listed: int = 10) -> None:
        if int(interval) != interval or interval < 1:
            raise ValueError(
                f'interval must be a positive int, got {interval!r}')
        if action not in ('raise', 'warn'):
            raise ValueError(
                f"action must be 'raise' or 'warn', got {action!r}")
        self.interval = int(interval)
        self.action = action
        self.check_checkpoint = check_checkpoint
        self.max_listed = max_listed

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        """Check the losses of the step that just ran."""
        if not outputs or not self.every_n_train_iters(runner, self.interval):
            return
        # the optimised entries: mmengine sums the keys containing 'loss'
        # (metrics such as mmseg's acc_seg are not checked)
        names = [
            k for k, v in outputs.items() if 'loss' in k
            and isinstance(v, torch.Tensor) and v.is_floating_point()
        ]
        if not names:
            return
        values = torch.stack(
            [outputs[k].detach().float().sum() for k in names])
        bad = (~torch.isfinite(values)).any().float()
        if get_world_size() > 1:
            all_reduce(bad)  # every rank stops if one of them must
        if not bool(bad):
            return
        message = self._describe(runner, names, values.cpu(), outputs)
        if self.action == 'raise':
            raise NonFiniteLossError(message)
        runner.logger.error(message)

    def _describe(self, runner, names: Sequence[str], values: torch.Tensor,
                  outputs: dict) -> str:
        iteration = runner.iter + 1  # the loop counter is advanced later
        bad = [n for n, v in zip(names, values) if not torch.isfinite(v)]
        good = [n for n, v in zip(names, values) if torch.isfinite(v)]
        where = f'iteration {iteration}'
        if isinstance(runner.train_loop, EpochBasedTrainLoop):
            where += f' (epoch {runner.epoch + 1})'
        lines = [
            f'non-finite loss at {where}: ' +
            ', '.join(f'{n} = {float(outputs[n].detach().float().mean())}'
                      for n in bad)
        ]
        for name in bad:
            value = outputs[name]
            if value.numel() > 1:
                lines.append(f'  {name}: {tensor_stats(value)}')
        if not bad:
            lines[0] = f'non-finite loss on another process at {where}'
        if good:
            lines.append('  finite: ' + ', '.join(
                f'{n} = {float(outputs[n].detach().float().mean()):.4g}'
                for n in good))
        try:
            lr = runner.optim_wrapper.get_lr()
            lines.append(f'  learning rate: {lr}')
        except Exception:  # noqa: BLE001  (only a diagnostic)
            pass
        model = runner.model
        params = dict(getattr(model, 'module', model).named_parameters())
        broken = nonfinite_tensors(params, self.max_listed)
        if broken:
            lines.append('  parameters that are already non-finite after '
                         'this step:')
            lines += [f'    {line}' for line in broken]
        else:
            lines.append('  the parameters are still finite')
        lines.append(
            '  The run was stopped before the checkpoint of this iteration. '
            'Lower the learning rate or the distillation loss weights, '
            'enable gradient clipping (optim_wrapper.clip_grad), check the '
            'inputs of the named loss, or resume from the last checkpoint.')
        return '\n'.join(lines)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Refuse to save non-finite weights."""
        if not self.check_checkpoint:
            return
        for key in ('state_dict', 'ema_state_dict'):
            state = checkpoint.get(key)
            if not isinstance(state, dict):
                continue
            broken = nonfinite_tensors(state, self.max_listed)
            if broken:
                meta = checkpoint.get('meta', {})
                raise NonFiniteLossError(
                    f'refusing to save a checkpoint at iteration '
                    f'{meta.get("iter", runner.iter)}: its {key} holds '
                    'non-finite tensors:\n' + '\n'.join(f'  {line}'
                                                        for line in broken) +
                    '\nThe previous checkpoints are intact; resume from the '
                    'last one with a lower learning rate or loss weights.')
