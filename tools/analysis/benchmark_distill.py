"""Time and measure distillation training steps against their floor.

Variants, run in one process on the same inputs: ``student`` (the first
config's student alone, view 0), ``floor`` (the first distiller without
losses, connectors and student recorders; its teacher runs as far as any
method's teacher recorders need) and one per distiller config. An iteration
is a real mmengine ``train_step`` (preprocessing, forward, backward,
optimizer step). Variants are interleaved in every repeat (rotated order);
ratios are taken within a repeat (median and range) and of the minima.
Host cost: the extra milliseconds of each variant over the reference per
repeat (median and range) and the top-level aten operators one step launches
(forward, backward, optimizer; ``torch.profiler``), also over the reference;
at a tiny crop on one CPU thread these measure the operator dispatch that a
fast GPU waits on, plus the per-step cost of the connectors' weights (their
gradients and optimizer update), which does not shrink with the crop.
The head time: a distiller's connectors and losses alone (``step_costs``).
Memory: the growth over one step (after a warm-up step; weights, inputs and
optimizer state excluded) of CUDA ``max_memory_allocated``, or on CPU of the
peak RSS (``VmHWM``, reset via ``/proc/self/clear_refs``) in a fresh
subprocess per variant with ``MALLOC_MMAP_THRESHOLD_=65536``. SyncBN becomes
BN, nothing is downloaded. See docs/benchmarks.md.
"""
import argparse
import copy
import json
import math
import os
import os.path as osp
import statistics
import subprocess
import sys

import torch
from mmengine.config import Config, DictAction
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import mmdlkd  # noqa: F401
from mmdlkd.models.distillers.host_models import model_kind
from mmdlkd.models.distillers.teacher import (clear_pretrained,
                                              load_teacher_config)
from mmdlkd.registry import MODELS

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import step_costs as costs  # noqa: E402

DISTILLER = 'mmdlkd.Distiller'
SGD = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9))
OPTIONS = (
    ('--names', dict(nargs='+', help='method names (default: file names)')),
    ('--cfg-options', dict(nargs='+', action=DictAction)),
    ('--iters', dict(type=int, default=5, help='steps per timing')),
    ('--warmup', dict(type=int, default=2, help='untimed steps first')),
    ('--repeats', dict(type=int, default=3, help='interleaved timings')),
    ('--batch-size', dict(type=int, help='default: train_dataloader')),
    ('--num-views', dict(type=int, help='default: each model.num_views')),
    ('--crop', dict(type=int, nargs=2, metavar=('H', 'W'))),
    ('--device', dict(default='cpu', choices=['cpu', 'cuda'])),
    ('--threads', dict(type=int, help='torch CPU threads')),
    ('--clock',
     dict(
         default='wall',
         choices=['wall', 'cpu'],
         help='cpu: CPU time of this process (with --threads 1 on a shared '
         'machine)')),
    ('--teacher-dtype', dict(choices=['fp16', 'bf16'])),
    ('--teacher-channels-last', dict(action='store_true')),
    ('--teacher-fuse-bn',
     dict(
         action='store_true',
         help='fold the teacher\'s batch norms into its convolutions')),
    ('--load-teacher', dict(action='store_true', help='load teacher_ckpt')),
    ('--no-memory', dict(action='store_true')),
    ('--no-ops', dict(action='store_true', help='skip the operator count')),
    ('--head-runs',
     dict(
         type=int,
         default=20,
         help='timed runs of the connectors and losses alone (0: none)')),
    ('--seed', dict(type=int, default=0)),
    ('--out', dict(help='a .json or .md file')),
    ('--compare',
     dict(help='a .json --out of an earlier run of the same command: print '
          'the after/before ratios of extra ops and extra ms')),
    ('--memory-worker', dict(type=int, help=argparse.SUPPRESS)),
)
META = ('configs', 'iters', 'warmup', 'repeats', 'clock', 'teacher_dtype',
        'teacher_channels_last', 'teacher_fuse_bn')
COLUMNS = ('method', 'ms/iter median [min, max]', 'x floor median [min, max]',
           'x floor min/min', 'x student median', 'x student min/min',
           'extra ms median [min, max]', 'extra ms min-min', 'ops/iter',
           'extra ops', 'head ms median [min, max]', 'peak MiB', 'delta MiB',
           'loss finite')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+', help='distiller configs')
    for flag, kwargs in OPTIONS:
        parser.add_argument(flag, **kwargs)
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    return args


def _plain(model: dict, crop) -> dict:
    """A host model config for one device that downloads nothing."""

    def to_bn(cfg) -> None:
        for key, value in (cfg.items()
                           if isinstance(cfg, dict) else enumerate(cfg)):
            if key == 'norm_cfg' and isinstance(
                    value,
                    dict) and value.get('type') in ('SyncBN', 'MMSyncBN'):
                value['type'] = 'BN'
            elif isinstance(value, (dict, list)):
                to_bn(value)

    to_bn(model)
    clear_pretrained(model)
    prep = model.get('data_preprocessor') or {}
    if crop is not None and 'size' in prep:
        prep['size'] = tuple(crop)
    return model


def variant_configs(args) -> tuple:
    """The first config, the variants' model configs and shared settings."""
    cfgs = [Config.fromfile(path) for path in args.configs]
    for cfg in cfgs:
        cfg.merge_from_dict(args.cfg_options or {})
    names = args.names or [
        osp.splitext(osp.basename(p))[0] for p in args.configs
    ]
    first, crop, methods = cfgs[0], args.crop, []
    for name, cfg in zip(names, cfgs):
        model, top = cfg.model.to_dict(), cfg.get('data_preprocessor')
        # as mmengine's Runner does (mmpretrain keeps it at the top level)
        host = model.get('student', model) if isinstance(
            model.get('student'), dict) else model
        if top is not None and host.get('data_preprocessor') is None:
            host['data_preprocessor'] = copy.deepcopy(top.to_dict())
        cfg.model = model
        if model.get('type') != DISTILLER:
            continue
        model['teacher'] = _plain(
            load_teacher_config(model['teacher']).to_dict(), None)
        model['student'] = _plain(model['student'], crop)
        if not args.load_teacher:
            model['teacher_ckpt'] = None
            model['random_teacher'] = True
        if (args.teacher_dtype or args.teacher_channels_last
                or args.teacher_fuse_bn):
            model.update(
                teacher_dtype=args.teacher_dtype,
                teacher_channels_last=args.teacher_channels_last,
                teacher_fuse_bn=args.teacher_fuse_bn)
        methods.append((name, model))
    base = methods[0][1] if methods else {}
    student = (
        copy.deepcopy(base['student']) if first.model['type'] == DISTILLER else
        _plain(copy.deepcopy(first.model), crop))
    variants = [('student', student)]
    if methods:
        recorders = {
            f'm{idx}_{key}': spec
            for idx, (_, model) in enumerate(methods)
            for key, spec in (model.get('distill') or {}).get(
                'recorders', {}).get('teacher', {}).items()
        }
        floor = dict(
            copy.deepcopy(base),
            distill=dict(recorders=dict(teacher=recorders)))
        variants += [('floor', floor)] + methods
    batch = args.batch_size or first.get('train_dataloader', {}).get(
        'batch_size', 2)
    views = args.num_views or base.get('num_views') or 1
    size = (student.get('data_preprocessor') or {}).get('size')
    crop = tuple(crop or size or (32, 32))
    optim = first.get('optim_wrapper') or SGD
    return first, variants, batch, views, crop, optim


def input_channels(model: torch.nn.Module) -> int:
    """The image channels a model takes: its first convolution's input
    channels (a grey stem takes 1), 3 for a model without one."""
    for module in model.modules():
        if isinstance(module, torch.nn.Conv2d):
            return module.in_channels
    return 3


def make_data(model, batch: int, views: int, crop, seed: int) -> dict:
    """Synthetic packed samples (uint8 images with the student's input
    channels, labels) for the model."""
    student = getattr(model, 'student', model)
    gen = torch.Generator().manual_seed(seed)
    h, w = crop
    channels = input_channels(student)
    images = [[
        torch.randint(
            0, 256, (channels, h, w), dtype=torch.uint8, generator=gen)
        for _ in range(batch)
    ] for _ in range(views)]
    samples = []
    if model_kind(student) == 'seg':
        from mmengine.structures import PixelData
        from mmseg.structures import SegDataSample
        for _ in range(batch):
            seg = torch.randint(
                0, student.decode_head.num_classes, (1, h, w), generator=gen)
            seg[:, :h // 8] = 255  # some ignored pixels, as in Cityscapes
            sample = SegDataSample(metainfo=dict(img_shape=(h, w)))
            sample.gt_sem_seg = PixelData(data=seg)
            samples.append(sample)
    elif model_kind(student) == 'cls':
        from mmpretrain.structures import DataSample
        labels = torch.randint(
            0, student.head.num_classes, (batch, ), generator=gen)
        samples = [DataSample().set_gt_label(int(y)) for y in labels]
    else:
        raise NotImplementedError(f'no synthetic data for {type(student)}')
    inputs = images[0] if views == 1 else [tuple(v) for v in images]
    return dict(inputs=inputs, data_samples=samples)


def build_all(args, only=None) -> dict:
    """``{name: (model, optim_wrapper, data)}`` (only variant ``only``)."""
    first, variants, batch, views, crop, optim = variant_configs(args)
    init_default_scope(first.get('default_scope') or 'mmdlkd')
    # as the runner does (mmseg's runtime turns it on)
    torch.backends.cudnn.benchmark = bool(
        first.get('env_cfg', {}).get('cudnn_benchmark', False))
    built = {}
    for idx, (name, cfg) in enumerate(variants):
        if only is not None and idx != only:
            continue
        torch.manual_seed(args.seed)
        model = MODELS.build(copy.deepcopy(cfg)).to(args.device).train()
        wrapper = build_optim_wrapper(model, copy.deepcopy(optim))
        # each method with its own views (model.num_views), the floor with
        # the first distiller's; --num-views overrides all distillers
        own = 1 if name == 'student' else (
            views if args.num_views else cfg.get('num_views') or 1)
        data = make_data(model, batch, own, crop, args.seed)
        built[name] = (model, wrapper, data)
    return built, dict(batch_size=batch, num_views=views, crop=list(crop))


def cpu_memory(args, index: int) -> float:
    """:func:`step_memory` of variant ``index`` in a fresh subprocess."""
    argv = [a for a in args.argv if a != '--no-memory']
    proc = subprocess.run([
        sys.executable,
        osp.abspath(__file__), *argv, '--memory-worker',
        str(index)
    ],
                          env=dict(os.environ, MALLOC_MMAP_THRESHOLD_='65536'),
                          capture_output=True,
                          text=True)
    for line in proc.stdout.splitlines():
        if line.startswith('MEMORY '):
            return float(line[7:])
    raise RuntimeError(f'memory worker {index} failed:\n{proc.stderr[-3000:]}')


def stats(values: list) -> dict:
    """Median, min and max of ``values``."""
    return dict(
        median=statistics.median(values), min=min(values), max=max(values))


def benchmark(args) -> dict:
    """Run all variants; return the results as a dict."""
    if args.threads:
        torch.set_num_threads(args.threads)
    built, shared = build_all(args)
    names = list(built)
    times, finite = {n: [] for n in names}, {}
    for name in names:
        costs.run_steps(*built[name], args.warmup, args.device)
    for rep in range(args.repeats):
        for name in names[rep % len(names):] + names[:rep % len(names)]:
            sec, loss = costs.run_steps(*built[name], args.iters, args.device,
                                        args.clock)
            times[name].append(sec)
            finite[name] = math.isfinite(loss)
    ref = 'floor' if 'floor' in names else 'student'
    rows = []
    for idx, name in enumerate(names):
        row = dict(method=name, ms=stats([t * 1e3 for t in times[name]]))
        row['extra_ms'] = dict(
            stats([(a - b) * 1e3 for a, b in zip(times[name], times[ref])]),
            of_min=(min(times[name]) - min(times[ref])) * 1e3)
        if not args.no_ops:
            row['ops'] = costs.count_ops(*built[name], args.device)
        head = costs.head_times(*built[name], args.head_runs, args.device,
                                args.clock)
        if head:
            row['head_ms'] = stats([t * 1e3 for t in head])
        for other in ('floor', 'student'):
            if other in names:
                ratios = [a / b for a, b in zip(times[name], times[other])]
                row[f'x_{other}'] = dict(
                    stats(ratios), of_min=min(times[name]) / min(times[other]))
        if not args.no_memory:
            row['mem_mib'] = (
                cpu_memory(args, idx) if args.device == 'cpu' else
                costs.step_memory(*built[name], args.device))
        rows.append(dict(row, loss_finite=finite[name]))
    for row in rows:
        if 'ops' in row:
            row['extra_ops'] = row['ops'] - rows[names.index(ref)]['ops']
        if 'mem_mib' in row:
            row['mem_delta_mib'] = row['mem_mib'] - rows[names.index(
                ref)]['mem_mib']
    device = costs.device_name(args.device)
    meta = {k: getattr(args, k) for k in META}
    return dict(
        meta,
        **shared,
        device=device,
        reference=ref,
        rows=rows,
        threads=torch.get_num_threads(),
        torch=torch.__version__)


def to_markdown(result: dict) -> str:
    """The results as a markdown table (:data:`COLUMNS`)."""

    def fmt(d: dict, key: str, spec: str) -> str:
        val = (d or {}).get(key)
        if isinstance(val, dict):  # median [min, max]
            return '{:{s}} [{:{s}}, {:{s}}]'.format(
                val['median'], val['min'], val['max'], s=spec)
        return '-' if val is None else f'{val:{spec}}'

    lines = ['| ' + ' | '.join(COLUMNS) + ' |', '|' + '---|' * len(COLUMNS)]
    for r in result['rows']:
        x_f, x_s = r.get('x_floor'), r.get('x_student')
        cells = [
            r['method'],
            fmt(r, 'ms', '.1f'),
            fmt(r, 'x_floor', '.3f'),
            fmt(x_f, 'of_min', '.3f'),
            fmt(x_s, 'median', '.3f'),
            fmt(x_s, 'of_min', '.3f'),
            fmt(r, 'extra_ms', '+.1f'),
            fmt(r['extra_ms'], 'of_min', '+.1f'),
            fmt(r, 'ops', 'd'),
            fmt(r, 'extra_ops', '+d'),
            fmt(r, 'head_ms', '.2f'),
            fmt(r, 'mem_mib', '.0f'),
            fmt(r, 'mem_delta_mib', '+.0f'),
            str(r['loss_finite'])
        ]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def compare(result: dict, before: dict) -> list:
    """Each method's extra operators, extra ms (median) over the reference
    and head ms (median), now and in ``before`` (a result of the same
    command, e.g. before a change), with their after/before ratios.

    Args:
        result (dict): A :func:`benchmark` result.
        before (dict): An earlier one; methods are matched by name.

    Returns:
        list[dict]: ``method``, ``extra_ops``, ``extra_ms`` and ``head_ms``,
        each ``dict(before, after, ratio)`` (ratio None where before is 0 or
        a value is missing).
    """
    old = {r['method']: r for r in before['rows']}
    rows = []
    for row in result['rows']:
        prev = old.get(row['method'])
        if prev is None or row['method'] == result['reference']:
            continue
        cmp = dict(method=row['method'])
        for key, new, was in (('extra_ops', row.get('extra_ops'),
                               prev.get('extra_ops')),
                              ('extra_ms', row['extra_ms']['median'],
                               prev['extra_ms']['median']),
                              ('head_ms', (row.get('head_ms')
                                           or {}).get('median'),
                               (prev.get('head_ms') or {}).get('median'))):
            ratio = None if not was or new is None else new / was
            cmp[key] = dict(before=was, after=new, ratio=ratio)
        rows.append(cmp)
    return rows


def _ratio(entry: dict) -> str:
    return '-' if entry['ratio'] is None else f"{entry['ratio']:.3f}"


def main(argv=None) -> dict:
    args = parse_args(argv)
    if args.memory_worker is not None:  # see cpu_memory
        built, _ = build_all(args, only=args.memory_worker)
        model, wrapper, data = next(iter(built.values()))
        # one step first: lazy initialisation, optimizer state
        costs.run_steps(model, wrapper, data, 1, 'cpu')
        peak = costs.step_memory(model, wrapper, data, 'cpu')
        return print(f'MEMORY {peak}')
    result = benchmark(args)
    table = to_markdown(result)
    print(f"{result['device']}, {result['threads']} threads, torch "
          f"{result['torch']}, batch {result['batch_size']} x "
          f"{result['num_views']} views, crop {result['crop']}, "
          f"{result['clock']} clock\n{table}")
    if args.compare:
        with open(args.compare) as f:
            result['compare'] = compare(result, json.load(f))
        for row in result['compare']:
            ops, ms, head = row['extra_ops'], row['extra_ms'], row['head_ms']
            line = (f"{row['method']}: extra ops {ops['before']} -> "
                    f"{ops['after']} (x {_ratio(ops)}), extra ms "
                    f"{ms['before']:+.1f} -> {ms['after']:+.1f} "
                    f"(x {_ratio(ms)})")
            if head['ratio'] is not None:
                line += (f", head ms {head['before']:.2f} -> "
                         f"{head['after']:.2f} (x {_ratio(head)})")
            print(line)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            if args.out.endswith('.md'):
                f.write(table + '\n')
            else:
                json.dump(dict(result, table=table), f, indent=2)
    return result


if __name__ == '__main__':
    main()
