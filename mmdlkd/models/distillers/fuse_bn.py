"""Fold a frozen teacher's batch norms into the convolutions that feed them."""
from typing import Callable, Collection, Dict, List, Tuple

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

Run = Callable[[], None]  # one forward pass of the model
Pairs = List[Tuple[str, str]]  # (convolution name, batch norm name)


def _run_hooked(handles: list, run: Run) -> None:
    """Run ``run`` without gradients, then remove the hook ``handles``."""
    try:
        with torch.no_grad():
            run()
    finally:
        for handle in handles:
            handle.remove()


def conv_bn_pairs(model: nn.Module, run: Run) -> Pairs:
    """Find each batch norm whose input is a convolution's output.

    One call of ``run`` is watched with hooks. A pair qualifies when the
    batch norm receives the very tensor the convolution returned, each of
    the two ran once, and the batch norm tracks running statistics over the
    convolution's output channels.

    Args:
        model (nn.Module): The model whose modules are watched.
        run (callable): Runs one forward pass of ``model``.

    Returns:
        list[tuple[str, str]]: ``(conv name, batch norm name)`` pairs, in
        call order.
    """
    names = {module: name for name, module in model.named_modules()}
    calls: Dict[nn.Module, int] = {}
    producer: Dict[int, nn.Module] = {}
    outputs = []  # keeps the recorded tensors alive, so ids stay unique
    found = []

    def after_conv(module, args, output):
        calls[module] = calls.get(module, 0) + 1
        producer[id(output)] = module
        outputs.append(output)

    def before_bn(module, args):
        calls[module] = calls.get(module, 0) + 1
        conv = producer.get(id(args[0]))
        if conv is not None:
            found.append((conv, module))

    handles = []
    for module in names:
        if isinstance(module, nn.Conv2d):
            handles.append(module.register_forward_hook(after_conv))
        elif isinstance(module, _BatchNorm):
            handles.append(module.register_forward_pre_hook(before_bn))
    _run_hooked(handles, run)
    return [(names[conv], names[bn]) for conv, bn in found
            if calls[conv] == 1 and calls[bn] == 1 and bn.track_running_stats
            and bn.num_features == conv.out_channels]


@torch.no_grad()
def fold_bn(conv: nn.Conv2d, bn: _BatchNorm) -> None:
    """Fold ``bn`` (eval mode) into ``conv``: afterwards ``conv(x)`` equals
    ``bn(conv(x))`` with the statistics ``bn`` holds now.

    Args:
        conv (nn.Conv2d): The convolution; gets a bias if it has none.
        bn (_BatchNorm): The batch norm that reads ``conv``'s output.
    """
    scale = torch.rsqrt(bn.running_var + bn.eps)
    if bn.weight is not None:
        scale = scale * bn.weight
    bias = -bn.running_mean * scale
    if conv.bias is not None:
        bias = bias + conv.bias * scale
    if bn.bias is not None:
        bias = bias + bn.bias
    conv.weight.mul_(scale.reshape(-1, *([1] * (conv.weight.dim() - 1))))
    conv.bias = nn.Parameter(bias, requires_grad=False)


def fuse_conv_bn(model: nn.Module, run: Run,
                 keep: Collection[str] = ()) -> Pairs:
    """Fold the batch norms that follow convolutions into them, in place,
    and replace each folded batch norm with ``nn.Identity``.

    Args:
        model (nn.Module): A frozen model in ``eval()`` mode.
        run (callable): Runs one forward pass of ``model`` (used to find
            the pairs, see :func:`conv_bn_pairs`).
        keep (Collection[str]): Module names whose own output must not
            change (e.g. recorded ones): pairs that contain one are left.

    Returns:
        list[tuple[str, str]]: The folded ``(conv, batch norm)`` pairs.
    """
    if model.training:
        raise RuntimeError('fuse_conv_bn folds running statistics: call it '
                           'on a model in eval() mode')
    modules = dict(model.named_modules())
    pairs = [(c, b) for c, b in conv_bn_pairs(model, run)
             if c not in keep and b not in keep]
    for conv_name, bn_name in pairs:
        fold_bn(modules[conv_name], modules[bn_name])
        parent_name, _, child = bn_name.rpartition('.')
        setattr(model.get_submodule(parent_name), child, nn.Identity())
    return pairs


def _outputs(model: nn.Module, names: Collection[str],
             run: Run) -> Dict[str, list]:
    """The tensors that the modules ``names`` return in one ``run``."""
    got: Dict[str, list] = {}
    handles = [
        model.get_submodule(name).register_forward_hook(
            lambda m, a, out, name=name: got.setdefault(name, []).append(out))
        for name in names
    ]
    _run_hooked(handles, run)
    return {
        name: [t for t in _flatten(outs) if isinstance(t, torch.Tensor)]
        for name, outs in got.items()
    }


def _flatten(value) -> list:
    if isinstance(value, (list, tuple)):
        return [x for item in value for x in _flatten(item)]
    return [value]


def fuse_teacher_bn(teacher: nn.Module,
                    sources: Collection[str],
                    run: Run,
                    rtol: float = 1e-4) -> Pairs:
    """:func:`fuse_conv_bn` on a frozen teacher, checked: the outputs of the
    recorded modules ``sources`` on ``run``'s input must not move by more
    than ``rtol`` (relative L2).

    Args:
        teacher (nn.Module): The frozen teacher in ``eval()`` mode.
        sources (Collection[str]): The module paths its recorders record.
        run (callable): One forward pass of the teacher on a fixed input.
        rtol (float): Largest relative L2 change allowed. Defaults to 1e-4.

    Returns:
        list[tuple[str, str]]: The folded ``(conv, batch norm)`` pairs.
    """
    before = _outputs(teacher, sources, run)
    pairs = fuse_conv_bn(teacher, run, keep=sources)
    after = _outputs(teacher, sources, run)
    for name in sources:
        for old, new in zip(before[name], after[name]):
            err = float((new - old).norm() / old.norm().clamp_min(1e-12))
            if err > rtol:
                raise RuntimeError(
                    f'folding the teacher\'s batch norms changed the output '
                    f'of {name!r} by {err:.2e} (relative L2 > {rtol}); '
                    'set teacher_fuse_bn=False')
    return pairs
