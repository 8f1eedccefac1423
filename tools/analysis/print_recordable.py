"""Print a model's recordable modules with their output shapes.

The model of CONFIG (or, for a distiller config, its ``--student`` or
``--teacher``) is built without weights (no checkpoint, no downloads) and
runs one forward pass on random input, as far as a distiller runs it
(backbone, neck and heads; for mmseg models the decode and auxiliary
heads), with a forward hook on every named module. Each line is a path to
use in ``distill.recorders``, the module's class and what it returned:
a tensor's shape, the items of a tuple (``[i]``, for the recorder's
``index``), and for a 3-d tensor how its tokens split into extra tokens and
a square grid (``tokens 1 + 8x8``: a class token and 64 patch tokens, see
the recorder's ``tokens`` option). See docs/own_pair.md.

Example::

    python tools/analysis/print_recordable.py \\
        configs/transformers/vit-p4_resnet8_dlkd_fashion-mnist.py \\
        --teacher --max-depth 3
"""
import argparse
import copy
import sys
from typing import Any, Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from mmdlkd.models.connectors.tokens import grid_hint
from mmdlkd.models.distillers.host_models import teacher_forward
from mmdlkd.models.distillers.teacher import (clear_pretrained,
                                              load_teacher_config)
from mmdlkd.registry import MODELS
from mmdlkd.utils import setup_runtime


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a model or distiller config')
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        '--student',
        action='store_true',
        help="a distiller config's student (the default)")
    which.add_argument(
        '--teacher', action='store_true', help="a distiller config's teacher")
    parser.add_argument(
        '--shape',
        type=int,
        nargs=3,
        metavar=('C', 'H', 'W'),
        help='one input image (default: the first convolution\'s input '
        'channels; the preprocessor\'s crop size, else the training '
        'pipeline\'s crop, else the backbone\'s img_size, else 224)')
    parser.add_argument('--batch-size', type=int, default=2)
    parser.add_argument(
        '--max-depth',
        type=int,
        help='print only paths with at most this many dotted parts')
    parser.add_argument(
        '--inputs',
        action='store_true',
        help="also print each module's positional inputs (io='input')")
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config keys, as for tools/train.py')
    return parser.parse_args(argv)


def model_config(cfg: Config, teacher: bool) -> dict:
    """The model config to build: the config's model, or a distiller's
    student or teacher (a ``cfg_path`` teacher loaded), without downloads.

    Raises:
        ValueError: ``--teacher`` for a config that is not a distiller.
    """
    model = cfg.model
    is_distiller = 'student' in model and 'teacher' in model
    if teacher and not is_distiller:
        raise ValueError(f'--teacher needs a distiller config; the model of '
                         f'this one is {model.get("type")!r}')
    if is_distiller:
        model = load_teacher_config(model.teacher) if teacher else \
            model.student
    model = copy.deepcopy(
        model.to_dict() if hasattr(model, 'to_dict') else dict(model))
    clear_pretrained(model)
    model.pop('init_cfg', None)
    return model


def train_crop(node: Any) -> Optional[Any]:
    """The crop of the first ``*Crop`` transform in a dataloader config
    (``crop_size``, or ``scale`` for random resized crops), else None."""
    if isinstance(node, dict):
        if 'Crop' in str(node.get('type', '')):
            for key in ('crop_size', 'scale'):
                if node.get(key) is not None:
                    return node[key]
        children = list(node.values())
    elif isinstance(node, (list, tuple)):
        children = list(node)
    else:
        return None
    for child in children:
        found = train_crop(child)
        if found is not None:
            return found
    return None


def default_shape(model: nn.Module, model_cfg: dict, cfg: Config) -> list:
    """``[C, H, W]``: the first convolution's input channels; the crop size
    of the model's preprocessor, else the training pipeline's crop, else
    the backbone's ``img_size``, else 224."""
    conv = next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)
    channels = conv.in_channels if conv is not None else 3
    size = (model_cfg.get('data_preprocessor') or {}).get('size')
    if size is None:
        size = train_crop(cfg.get('train_dataloader'))
    if size is None:
        size = (model_cfg.get('backbone') or {}).get('img_size', 224)
    if isinstance(size, int):
        size = (size, size)
    return [channels, int(size[0]), int(size[1])]


def describe(value: Any, depth: int = 0) -> str:
    """A recorded value in a line: shapes, tuple items, token grids."""
    if isinstance(value, torch.Tensor):
        text = str(tuple(value.shape))
        if value.dim() == 3:
            hint = grid_hint(value.shape[1])
            text += f' tokens {hint}' if hint else ' tokens'
        return text
    if isinstance(value, (tuple, list, torch.Size)):
        if all(isinstance(v, int) for v in value):
            return str(tuple(value))
        if depth > 0:
            return f'{type(value).__name__} of {len(value)}'
        return ' '.join(f'[{i}] {describe(v, depth + 1)}'
                        for i, v in enumerate(value))
    if isinstance(value, dict):
        return f'dict of {len(value)}'
    return type(value).__name__


def record_all(model: nn.Module, inputs: torch.Tensor,
               calls: Dict[str, List[tuple]]) -> None:
    """Run ``model`` once as a distiller does, filling ``calls`` with the
    ``(args, output)`` of every call of each module that ran (also when
    the pass fails part-way)."""
    handles, names = [], []
    for name, module in model.named_modules():
        if not name:
            continue

        def hook(_, args, output, name=name):
            calls.setdefault(name, []).append((args, output))

        handles.append(module.register_forward_hook(hook))
        names.append(name)
    try:
        with torch.no_grad():
            teacher_forward(model, inputs, names)
    finally:
        for handle in handles:
            handle.remove()


def table(model: nn.Module, calls: Dict[str, List[tuple]],
          max_depth: Optional[int], inputs: bool) -> List[str]:
    """One line per module that ran, in ``named_modules`` order."""
    rows = [('module', 'type', 'output') + (('inputs', ) if inputs else ())]
    skipped = 0
    for name, module in model.named_modules():
        if not name:
            continue
        if name not in calls:
            skipped += 1
            continue
        if max_depth is not None and name.count('.') + 1 > max_depth:
            continue
        args, output = calls[name][-1]
        out = describe(output)
        if len(calls[name]) > 1:
            out += f' ({len(calls[name])} calls; call_index)'
        row = (name, type(module).__name__, out)
        rows.append(row + ((describe(args), ) if inputs else ()))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = [
        '  '.join(c.ljust(w) for c, w in zip(r[:-1], widths)) + '  ' + r[-1]
        for r in rows
    ]
    if skipped:
        lines.append(f'({skipped} modules did not run in this forward pass, '
                     'e.g. losses and heads the distiller does not run)')
    return lines


def main(argv: Optional[Sequence[str]] = None) -> int:
    setup_runtime()
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    model_cfg = model_config(cfg, args.teacher)
    init_default_scope(
        model_cfg.get('_scope_') or cfg.get('default_scope') or 'mmdlkd')
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.eval()
    shape = args.shape or default_shape(model, model_cfg, cfg)
    inputs = torch.randn(args.batch_size, *shape)
    calls: Dict[str, List[tuple]] = {}
    error = None
    try:
        record_all(model, inputs, calls)
    except Exception as err:  # printed after the modules that did run
        error = err
    which = 'teacher' if args.teacher else 'student' if (
        'teacher' in cfg.model) else 'model'
    print(f'{which}: {type(model).__name__}, input {tuple(inputs.shape)}')
    print('\n'.join(table(model, calls, args.max_depth, args.inputs)))
    if error is not None:
        print(f'the forward pass stopped after the modules above: '
              f'{type(error).__name__}: {error}')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
