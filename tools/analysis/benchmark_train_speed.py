"""Training throughput of a config through tools/train.py, data loading
included, for several option sets back to back.

Each variant is ``NAME=KEY=VALUE,KEY=VALUE`` (``--cfg-options`` of that
variant; ``NAME=`` for none). Every round trains each variant once for
``--iters`` iterations in its own ``tools/train.py`` process (one process,
the threads of ``--threads``), in an order rotated each round; the speed of
a run is the training images (original views) per second over its logged
iterations after ``--skip`` (mmengine's ``time``: the whole iteration,
data loading included). Printed: each variant's median and best images per
second and its ratio to the first variant, per round (median and range)
and best against best.

Example (the Fashion-MNIST DLKD step before and after the speed options)::

    python tools/analysis/benchmark_train_speed.py \\
        configs/fashion_mnist/resnet20_resnet8_dlkd_fashion-mnist.py \\
        --variant 'before=custom_hooks=[]' \\
        --variant 'after=model.teacher_dtype=auto,model.teacher_fuse_bn=True,model.teacher_channels_last=True' \\
        --cfg-options model.teacher_ckpt=T.pth train_dataloader.dataset.fraction=0.1
"""  # noqa: E501
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import tempfile
from typing import Dict, List

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_variant(text: str) -> tuple:
    """``'name=k=v,k=v'`` -> ``('name', ['k=v', 'k=v'])``."""
    name, _, rest = text.partition('=')
    if not name:
        raise ValueError(f'--variant {text!r}: give NAME=KEY=VALUE,...')
    return name, [o for o in rest.split(',') if o]


def iteration_times(work_dir: str) -> List[float]:
    """The logged ``time`` of every training log line of a run."""
    times = []
    for root, _, files in os.walk(work_dir):
        if 'scalars.json' in files:
            with open(osp.join(root, 'scalars.json')) as f:
                for line in f:
                    entry = json.loads(line)
                    if 'time' in entry and 'lr' in entry:
                        times.append((entry['iter'], entry['time']))
    return [t for _, t in sorted(times)]


def run_variant(config: str, options: List[str], args, work_dir: str) -> float:
    """Train once; return training images per second after the skipped
    log intervals."""
    cmd = [
        sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
        '--cfg-options', f'train_cfg.max_iters={args.iters}',
        f'default_hooks.logger.interval={args.log_interval}',
        f'default_hooks.checkpoint.interval={args.iters + 1}',
        *args.cfg_options, *options,
        *(f'{loop}_{part}=None' for loop in ('val', 'test')
          for part in ('cfg', 'dataloader', 'evaluator'))
    ]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    proc = subprocess.run(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True)
    if proc.returncode != 0:
        raise RuntimeError(f'{" ".join(cmd)} failed:\n{proc.stdout[-3000:]}')
    times = iteration_times(work_dir)[args.skip:]
    if not times:
        raise RuntimeError(f'no timed iterations after --skip {args.skip}')
    return args.batch_size / statistics.fmean(times)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument(
        '--variant',
        action='append',
        required=True,
        help='NAME=KEY=VALUE,... (the first is the reference)')
    parser.add_argument('--cfg-options', nargs='+', default=[])
    parser.add_argument('--iters', type=int, default=60)
    parser.add_argument('--log-interval', type=int, default=10)
    parser.add_argument(
        '--skip', type=int, default=2, help='log intervals not timed')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--out', help='write the speeds as JSON here')
    return parser.parse_args(argv)


def main(argv=None) -> Dict[str, List[float]]:
    args = parse_args(argv)
    variants = [parse_variant(v) for v in args.variant]
    speeds: Dict[str, List[float]] = {name: [] for name, _ in variants}
    with tempfile.TemporaryDirectory() as tmp:
        for rnd in range(args.rounds):
            order = variants[rnd % len(variants):] + \
                variants[:rnd % len(variants)]
            for name, options in order:
                work = osp.join(tmp, f'{name}_{rnd}')
                speeds[name].append(
                    run_variant(args.config, options, args, work))
                print(
                    f'round {rnd}: {name} {speeds[name][-1]:.1f} img/s',
                    flush=True)
    ref = variants[0][0]
    print(f'\n| variant | img/s median | img/s best | x {ref} per round '
          '(median, range) | best / best |')
    print('|---|---|---|---|---|')
    for name, values in speeds.items():
        ratios = [v / r for v, r in zip(values, speeds[ref])]
        print(f'| {name} | {statistics.median(values):.1f} | '
              f'{max(values):.1f} | {statistics.median(ratios):.2f} '
              f'({min(ratios):.2f}-{max(ratios):.2f}) | '
              f'{max(values) / max(speeds[ref]):.2f} |')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(speeds, f, indent=1)
    return speeds


if __name__ == '__main__':
    main()
