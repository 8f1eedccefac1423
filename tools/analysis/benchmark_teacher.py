"""Time a distiller's frozen teacher alone in precision, layout and folding
variants, interleaved in one process, against float32.

The teacher runs as a training step runs it: under ``torch.no_grad`` with
its recorders on, only as far as they need, with the distiller's
``teacher_dtype``, ``teacher_channels_last`` and ``teacher_fuse_bn``.
Printed per variant: milliseconds per forward (median [min, max] over the
repeats), the ratio to float32 (median of the per-repeat ratios, and of the
minima) and the largest relative L2 error of a recorded feature against
float32's on the same input. See docs/benchmarks.md.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import sys

import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import benchmark_distill as bench  # noqa: E402
import step_costs as costs  # noqa: E402

VARIANTS = dict(
    fp32={},
    fused=dict(teacher_fuse_bn=True),
    bf16=dict(teacher_dtype='bf16'),
    bf16_cl=dict(teacher_dtype='bf16', teacher_channels_last=True),
    bf16_fused=dict(teacher_dtype='bf16', teacher_fuse_bn=True),
    bf16_cl_fused=dict(
        teacher_dtype='bf16', teacher_channels_last=True,
        teacher_fuse_bn=True),
    fp16=dict(teacher_dtype='fp16'),
    fp16_cl_fused=dict(
        teacher_dtype='fp16', teacher_channels_last=True,
        teacher_fuse_bn=True))
DEFAULT = ('fp32', 'fused', 'bf16', 'bf16_cl', 'bf16_fused', 'bf16_cl_fused')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a distiller config')
    parser.add_argument(
        '--variants',
        nargs='+',
        default=list(DEFAULT),
        choices=list(VARIANTS),
        help='fp32 always runs first, as the reference')
    parser.add_argument('--crop', type=int, nargs=2, metavar=('H', 'W'))
    parser.add_argument('--batch-size', type=int, default=2)
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--threads', type=int, help='torch CPU threads')
    parser.add_argument(
        '--iters', type=int, default=2, help='forwards per timing')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=7)
    parser.add_argument(
        '--load-teacher', action='store_true', help='load teacher_ckpt')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', help='a .json file')
    return parser.parse_args(argv)


def build_teachers(args) -> tuple:
    """``({variant: distiller}, crop)``: the benchmark's floor model
    (teacher and its recorders) built with each variant's teacher options,
    and the crop it was built for."""
    argv = [
        args.config, '--batch-size',
        str(args.batch_size), '--device', args.device, '--seed',
        str(args.seed)
    ]
    if args.crop:
        argv += ['--crop', *map(str, args.crop)]
    if args.load_teacher:
        argv.append('--load-teacher')
    models = {}
    for name in dict.fromkeys(['fp32', *args.variants]):
        options = bench.parse_args(argv)
        for key, value in VARIANTS[name].items():
            setattr(options, key, value)
        built, shared = bench.build_all(options, only=1)
        models[name] = built['floor'][0].eval()
    return models, tuple(shared['crop'])


def feature_error(feats: dict, ref: dict) -> float:
    """Largest relative L2 distance of a recorded feature to ``ref``'s."""
    return max(
        float((feats[k].float() - ref[k]).norm() /
              ref[k].norm().clamp(min=1e-12)) for k in ref)


def benchmark(args) -> dict:
    """Time every variant; return the results as a dict."""
    if args.threads:
        torch.set_num_threads(args.threads)
    models, crop = build_teachers(args)
    gen = torch.Generator().manual_seed(args.seed)
    channels = bench.input_channels(models['fp32'].teacher)
    batch = torch.randn(
        args.batch_size, channels, *crop, generator=gen).to(args.device)
    ref = costs.teacher_run(models['fp32'], batch)
    errors = {
        name: feature_error(costs.teacher_run(model, batch), ref)
        for name, model in models.items()
    }
    times = {name: [] for name in models}
    for model in models.values():
        costs.teacher_times(model, batch, args.warmup, args.device)
    for _ in range(args.repeats):
        for name, model in models.items():
            runs = costs.teacher_times(model, batch, args.iters, args.device)
            times[name].append(statistics.mean(runs) * 1e3)
    rows = []
    for name, values in times.items():
        ratios = [a / b for a, b in zip(values, times['fp32'])]
        rows.append(
            dict(
                variant=name,
                ms=bench.stats(values),
                x_fp32=statistics.median(ratios),
                x_fp32_of_min=min(values) / min(times['fp32']),
                feature_error=errors[name]))
    return dict(
        config=args.config,
        device=costs.device_name(args.device),
        batch_size=args.batch_size,
        crop=list(crop),
        threads=torch.get_num_threads(),
        torch=torch.__version__,
        rows=rows)


def to_markdown(result: dict) -> str:
    lines = [
        '| variant | ms median [min, max] | x fp32 median | x fp32 min/min '
        '| feature error |', '|---|---|---|---|---|'
    ]
    for r in result['rows']:
        ms = r['ms']
        lines.append(f"| {r['variant']} | {ms['median']:.1f} "
                     f"[{ms['min']:.1f}, {ms['max']:.1f}] | "
                     f"{r['x_fp32']:.3f} | {r['x_fp32_of_min']:.3f} | "
                     f"{r['feature_error']:.2e} |")
    return '\n'.join(lines)


def main(argv=None) -> dict:
    args = parse_args(argv)
    result = benchmark(args)
    table = to_markdown(result)
    print(f"teacher of {result['config']}: {result['device']}, "
          f"{result['threads']} threads, torch {result['torch']}, batch "
          f"{result['batch_size']}, crop {result['crop']}\n{table}")
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(dict(result, table=table), f, indent=2)
    return result


if __name__ == '__main__':
    main()
