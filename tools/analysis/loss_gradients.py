"""How hard each loss term of a distiller config pulls on the student.

For a few batches of the config's training data (its training pipeline, the
model in train mode, as one training step sees them): every loss term's
value, the L2 norm of its gradient on the student's parameters, that norm
over the norm of the student's own losses' gradient (``task``), and the
cosine between the two gradients (below 0: the term pulls against the
task). A term whose gradient is many times the task's decides the step
alone; the ratio is how a distillation weight compares across recipes.

Usage::

    python tools/analysis/loss_gradients.py CONFIG [--student STUDENT.pth] \\
        --batches 4 [--cfg-options model.teacher_ckpt=teacher.pth ...]

``--student`` starts the student from trained weights (an exported
student, or a distiller checkpoint whose ``student.`` entries are read)
instead of its initialisation. Writes ``loss_gradients.{csv,md}`` to
``--out-dir`` and prints the table.
"""
import argparse
import os
import os.path as osp
from types import SimpleNamespace
from typing import Dict, List

import torch
from mmengine.logging import MMLogger

from mmdlkd.engine.hooks import CRDMemoryHook
from mmdlkd.evaluation import build_eval_dataloader, build_model
from mmdlkd.evaluation.tool_utils import (add_common_args, load_config,
                                          write_table)
from mmdlkd.utils import load_checkpoint_file, setup_runtime
from mmdlkd.utils.student_checkpoint import extract_student_state_dict

TASK = 'task'


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a distiller config')
    parser.add_argument(
        '--student',
        help='student weights (exported, or a distiller '
        'checkpoint)')
    parser.add_argument('--batches', type=int, default=4)
    add_common_args(parser, 'work_dirs/loss_gradients')
    args = parser.parse_args()
    if args.submodule or args.layer != parser.get_default('layer'):
        parser.error('--submodule and --layer choose a representation for '
                     "the other analysis tools; this one reads the config's "
                     'distillation losses')
    return args


def load_student(student: torch.nn.Module, path: str) -> None:
    """Load an exported student's weights, or a distiller checkpoint's
    ``student.`` entries, into ``student`` (every key must match)."""
    ckpt = load_checkpoint_file(path, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    try:
        state = extract_student_state_dict(state)
    except KeyError:
        pass  # no 'student.' entries: an exported student
    try:
        student.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise ValueError(f'--student {path}: its weights do not fit the '
                         f"config's student: {e}") from e


def setup_memory_banks(cfg, model: torch.nn.Module, loader) -> None:
    """Size the CRD memory banks to the training set, as the config's
    ``mmdlkd.CRDMemoryHook`` does before training (configs without it
    are left alone)."""
    if any('CRDMemoryHook' in str(hook.get('type'))
           for hook in cfg.get('custom_hooks') or []):
        runner = SimpleNamespace(
            model=model,
            train_dataloader=loader,
            logger=MMLogger.get_current_instance())
        CRDMemoryHook().before_train(runner)


def term_gradients(model: torch.nn.Module, data: dict,
                   params: List[torch.nn.Parameter]) -> Dict[str, dict]:
    """``{term: {'value', 'grad'}}`` of one batch: each distillation loss
    and ``'task'``, the sum of the student's own losses (the entries mmengine
    sums, those with ``loss`` in their name), with the flattened gradient of
    each on ``params``."""
    names = set(model.distill_losses)
    data = model.data_preprocessor(data, training=True)
    losses = model(**data, mode='loss')
    terms = {TASK: 0.0}
    for name, value in losses.items():
        if 'loss' not in name:
            continue
        value = sum(value) if isinstance(value, (list, tuple)) else value
        if name in names:
            terms[name] = value
        else:
            terms[TASK] = terms[TASK] + value
    out = {}
    for name, value in terms.items():
        grads = torch.autograd.grad(
            value, params, retain_graph=True, allow_unused=True)
        flat = torch.cat([
            (g if g is not None else torch.zeros_like(p)).flatten()
            for g, p in zip(grads, params)
        ])
        out[name] = dict(value=float(value.detach()), grad=flat)
    return out


def summarise(batches: List[Dict[str, dict]]) -> List[dict]:
    """Rows of the table: per term the means over batches of its value, its
    gradient norm, the ratio of that norm to the task's and the cosine with
    the task's gradient."""
    rows = []
    for name in batches[0]:
        values, norms, ratios, cosines = [], [], [], []
        for terms in batches:
            # float64: the dot products of long float32 vectors round
            grad = terms[name]['grad'].double()
            task = terms[TASK]['grad'].double()
            norm, task_norm = grad.norm(), task.norm()
            values.append(terms[name]['value'])
            norms.append(float(norm))
            ratios.append(float(norm / task_norm))
            cosines.append(float(grad @ task / (norm * task_norm)))
        n = len(batches)
        rows.append(
            dict(
                term=name,
                value=sum(values) / n,
                grad_norm=sum(norms) / n,
                grad_over_task=sum(ratios) / n,
                cos_with_task=sum(cosines) / n))
    return rows


def main() -> None:
    args = parse_args()
    setup_runtime()
    cfg = load_config(args.config, args.cfg_options)
    if 'Distiller' not in str(cfg.model.get('type', '')):
        raise ValueError(f'{args.config}: model.type is '
                         f"{cfg.model.get('type')!r}, not an mmdlkd "
                         'distiller: there are no distillation terms to '
                         'compare')
    torch.manual_seed(args.seed)
    model = build_model(cfg, None, args.device).train()
    if args.student:
        load_student(model.student, args.student)
    loader = build_eval_dataloader(
        cfg, 'train', batch_size=args.batch_size, seed=args.seed)
    setup_memory_banks(cfg, model, loader)
    params = [p for p in model.student.parameters() if p.requires_grad]
    batches = []
    for i, data in enumerate(loader):
        if i == args.batches:
            break
        batches.append(term_gradients(model, data, params))
    if len(batches) < args.batches:
        raise ValueError(f'{args.config}: train_dataloader gave '
                         f'{len(batches)} batches, --batches {args.batches}')
    os.makedirs(args.out_dir, exist_ok=True)
    paths = write_table(
        summarise(batches), osp.join(args.out_dir, 'loss_gradients'))
    with open(paths[-1]) as f:
        print(f.read())


if __name__ == '__main__':
    main()
