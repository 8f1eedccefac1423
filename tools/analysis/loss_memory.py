"""Peak memory of each distillation term at a given feature-map size.

Each loss of a distiller config runs with its connectors, forward and
backward, on random recorder features (student maps with gradients), and
the growth of peak memory over the allocated inputs is reported: CUDA
``max_memory_allocated``, or on CPU the peak RSS (``VmHWM`` reset through
``/proc/self/clear_refs``; run with ``MALLOC_MMAP_THRESHOLD_=65536`` so freed
blocks go back to the OS). A last row runs all terms in one step, as the
distiller does. Terms that take labels are skipped. See docs/benchmarks.md.

Example (PSPNet at 512x1024, batch 2: decoder maps of 64x128)::

    python tools/analysis/loss_memory.py \
        configs/dlkd/pspnet_r101_r18_cityscapes.py --size 64 128 \
        --batch 2 --student-channels 128 --teacher-channels 512
"""
import argparse
import copy
import json
import os
import os.path as osp

import torch
from mmengine.config import Config

import mmdlkd  # noqa: F401
from mmdlkd.registry import MODELS
from mmdlkd.utils import peak_memory_growth


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a distiller config')
    parser.add_argument(
        '--size',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        default=(64, 128),
        help='feature map size')
    parser.add_argument('--batch', type=int, default=2, help='rows')
    parser.add_argument('--student-channels', type=int, default=128)
    parser.add_argument('--teacher-channels', type=int, default=512)
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--out', help='a .json file')
    return parser.parse_args(argv)


def build_terms(cfg: Config) -> dict:
    """``{loss name: (loss, {arg: (source, connector)})}`` of the config."""
    distill = cfg.model.get('distill') or {}
    missing = sorted(
        set(distill.get('losses') or {}) -
        set(distill.get('loss_inputs') or {}))
    if missing:
        raise KeyError(f'{cfg.filename}: model.distill.loss_inputs has no '
                       f'entry for {missing}')
    connectors = {
        name: MODELS.build(copy.deepcopy(spec))
        for name, spec in (distill.get('connectors') or {}).items()
    }
    terms = {}
    for name, spec in (distill.get('losses') or {}).items():
        inputs = {}
        for arg, src in distill['loss_inputs'][name].items():
            source, conn = (src, None) if isinstance(src, str) else src
            inputs[arg] = (source, connectors[conn] if conn else None)
        if all(
                s.split('.')[0] in ('student', 'teacher')
                for s, _ in inputs.values()):
            terms[name] = (MODELS.build(copy.deepcopy(spec)), inputs)
    return terms


def run_terms(terms: list, feats: dict) -> None:
    """Forward and backward of the terms on ``feats`` ({source: tensor})."""
    total = 0
    for loss, inputs in terms:
        kwargs = {
            arg: conn(feats[src]) if conn is not None else feats[src]
            for arg, (src, conn) in inputs.items()
        }
        total = total + loss(**kwargs)
    total.backward()


def features(terms: list, args, size) -> dict:
    """Random recorder features, student ones with gradients."""
    feats = {}
    for _, inputs in terms:
        for src, _ in inputs.values():
            student = src.startswith('student.')
            chans = args.student_channels if student else args.teacher_channels
            feats[src] = torch.randn(
                args.batch,
                chans,
                *size,
                device=args.device,
                requires_grad=student)
    return feats


def measure(terms: list, args) -> float:
    """Peak memory growth (MiB) of the terms on features of ``args.size``
    (the features are allocated before the measurement)."""
    feats = features(terms, args, args.size)
    return peak_memory_growth(lambda: run_terms(terms, feats), args.device)


def main(argv=None) -> dict:
    args = parse_args(argv)
    torch.manual_seed(0)
    terms = build_terms(Config.fromfile(args.config))
    if not terms:
        raise ValueError(f'{args.config}: no loss of model.distill takes '
                         'recorder features only')
    for loss, inputs in terms.values():
        loss.to(args.device).train()
        for _, conn in inputs.values():
            if conn is not None:
                conn.to(args.device).train()
    groups = [(name, [term]) for name, term in terms.items()]
    groups.append(('all', list(terms.values())))
    rows = []
    for name, group in groups:
        run_terms(group, features(group, args, (4, 4)))  # lazy init
        rows.append(dict(term=name, mib=measure(group, args)))
    device = (torch.cuda.get_device_name() if args.device == 'cuda' else 'cpu')
    result = dict(
        config=args.config,
        device=device,
        size=list(args.size),
        batch=args.batch,
        student_channels=args.student_channels,
        teacher_channels=args.teacher_channels,
        rows=rows)
    print(f'{device}, {args.batch} x {list(args.size)} maps, student '
          f'{args.student_channels} / teacher {args.teacher_channels} '
          'channels\n| term | peak extra MiB |\n|---|---|')
    for row in rows:
        print(f"| {row['term']} | {row['mib']:.0f} |")
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main()
