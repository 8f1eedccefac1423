"""``make demo``: distil a teacher into a few-shot student on real digits.

Everything runs through ``tools/train.py`` with the configs in
``configs/demo/``, on scikit-learn's handwritten digits written as 32x32
image folders (no download):

1. train the teacher (CIFAR ResNet-20) on the whole training split;
2. for each seed, train the student (CIFAR ResNet-8) on a fixed 10% of the
   training split alone, with Hinton KD, with DLKD, and with DLKD + KD;
   each run's score is the held-out split's top-1 in the validation at the
   end of training (the configs' test split is the same held-out split);
3. export the first seed's DLKD student as a plain mmpretrain checkpoint
   (``dlkd_student.pth``), score it with ``tools/test.py`` and the plain
   student config, and write a table (``results.md``, ``results.csv``) and
   a bar chart (``results.png``) of top-1 accuracy, mean and spread over the
   seeds, in the work directory.

Example::

    python tools/demo.py --work-dir work_dirs/demo --seeds 0 1 2
"""
import argparse
import csv
import glob
import json
import os
import os.path as osp
import statistics
import sys
import time
from typing import Dict, List, Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(ROOT, 'tools', 'data'))
sys.path.insert(0, osp.join(ROOT, 'tools', 'benchmark'))

from make_digits_dataset import make_dataset  # noqa: E402
from run_suite import last_checkpoint, run_tool  # noqa: E402

METRIC = 'accuracy/top1'

TEACHER = ('teacher (ResNet-20, all data)',
           'configs/demo/teacher_resnet20_digits.py')
STUDENTS = [
    ('student alone (ResNet-8, 10%)',
     'configs/demo/student_resnet8_digits_10pct.py'),
    ('KD', 'configs/demo/kd_resnet20_resnet8_digits_10pct.py'),
    ('DLKD', 'configs/demo/dlkd_resnet20_resnet8_digits_10pct.py'),
    ('DLKD + KD', 'configs/demo/dlkd_kd_resnet20_resnet8_digits_10pct.py'),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='mmdlkd demo on digits')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default='data/digits')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument(
        '--iters', type=int, help='override the students\' iterations')
    parser.add_argument(
        '--teacher-iters', type=int, help='override the teacher\'s')
    return parser.parse_args()


def log(msg: str) -> None:
    print(f'[demo] {msg}', flush=True)


def data_options(data_root: str, wrapped: bool) -> List[str]:
    train_key = ('train_dataloader.dataset.dataset.data_root'
                 if wrapped else 'train_dataloader.dataset.data_root')
    return [
        f'{train_key}={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}',
    ]


def final_val_top1(work_dir: str) -> float:
    """The top-1 of the last validation in a tools/train.py work dir."""
    found = None
    for path in sorted(
            glob.glob(osp.join(work_dir, '*/vis_data/scalars.json'))):
        with open(path) as f:
            for line in f:
                found = json.loads(line).get(METRIC, found)
    if found is None:
        raise RuntimeError(f'no {METRIC} logged under {work_dir}: did the '
                           'training run validate at its end?')
    return float(found)


def train(config: str, work_dir: str, options: List[str],
          iters: Optional[int]) -> float:
    """Train with tools/train.py; return the held-out top-1 at the end."""
    if iters is not None:
        options = options + [
            f'train_cfg.max_iters={iters}',
            f'default_hooks.checkpoint.interval={iters}'
        ]
    run_tool([
        sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
        '--cfg-options', *options
    ], osp.join(work_dir, 'train.log'))
    return final_val_top1(work_dir)


def export_and_test_student(work_dir: str, seed: int, data_root: str) -> float:
    """Export the DLKD student of ``seed`` as a plain mmpretrain file and
    score it with tools/test.py and the plain student config."""
    ckpt = last_checkpoint(
        osp.join(work_dir, 'dlkd_resnet20_resnet8_digits_10pct',
                 f'seed{seed}'))
    dst = osp.join(work_dir, 'dlkd_student.pth')
    run_tool([
        sys.executable, 'tools/model_converters/export_student.py', ckpt, dst
    ], osp.join(work_dir, 'export.log'))
    test_dir = osp.join(work_dir, 'dlkd_student_test')
    out = osp.join(test_dir, 'test_metrics.json')
    run_tool([
        sys.executable, 'tools/test.py', STUDENTS[0][1], dst, '--work-dir',
        test_dir, '--out', out, '--cfg-options',
        *data_options(data_root, wrapped=True)
    ], osp.join(work_dir, 'test.log'))
    with open(out) as f:
        return float(json.load(f)[METRIC])


def summarise(results: Dict[str, List[float]], work_dir: str) -> str:
    """Write results.md/.csv/.png and return the markdown table."""
    rows = []
    for name, accs in results.items():
        mean = statistics.fmean(accs)
        std = statistics.stdev(accs) if len(accs) > 1 else 0.0
        rows.append((name, mean, std, len(accs), accs))
    lines = [
        '| model | validation top-1 (%) mean | sample std | runs | per run |',
        '|---|---|---|---|---|',
    ]
    lines += [
        f'| {n} | {m:.2f} | {s:.2f} | {k} | '
        f'{", ".join(f"{a:.2f}" for a in accs)} |' for n, m, s, k, accs in rows
    ]
    table = '\n'.join(lines)
    with open(osp.join(work_dir, 'results.md'), 'w') as f:
        f.write(table + '\n')
    with open(osp.join(work_dir, 'results.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['model', 'top1_mean', 'top1_std', 'runs'])
        for n, m, s, k, _ in rows:
            writer.writerow([n, f'{m:.4f}', f'{s:.4f}', k])
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4))
    names = [r[0] for r in rows]
    ax.bar(names, [r[1] for r in rows], yerr=[r[2] for r in rows], capsize=4)
    low = min(min(r[4]) for r in rows)
    ax.set_ylim(max(0.0, low - 5.0), 100.0)
    ax.set_ylabel('top-1 on the held-out split (%)')
    ax.set_title('mmdlkd demo: digits, ResNet-20 -> ResNet-8 on 10% data')
    plt.setp(ax.get_xticklabels(), rotation=15, ha='right')
    fig.tight_layout()
    fig.savefig(osp.join(work_dir, 'results.png'), dpi=100)
    plt.close(fig)
    return table


def main() -> None:
    args = parse_args()
    start = time.time()
    work_dir = osp.abspath(args.work_dir)
    data_root = osp.abspath(args.data_root)
    if not osp.isdir(osp.join(data_root, 'val')):
        log(f'writing the digits dataset to {data_root}')
        make_dataset(data_root)
    total = 1 + len(STUDENTS) * len(args.seeds)
    step = 1

    def stage(name: str, config: str, sub_dir: str, options: List[str],
              iters: Optional[int]) -> float:
        nonlocal step
        run_dir = osp.join(work_dir, sub_dir)
        os.makedirs(run_dir, exist_ok=True)
        log(f'({step}/{total}) {name}: training ({run_dir})')
        t0 = time.time()
        acc = train(config, run_dir, options, iters)
        log(f'({step}/{total}) {name}: top-1 {acc:.2f}% '
            f'({time.time() - t0:.0f} s)')
        step += 1
        return acc

    results = {}
    teacher_dir = osp.join(work_dir, 'teacher')
    results[TEACHER[0]] = [
        stage(TEACHER[0], TEACHER[1], 'teacher',
              data_options(data_root, wrapped=False) + ['randomness.seed=0'],
              args.teacher_iters)
    ]
    teacher_ckpt = last_checkpoint(teacher_dir)
    for name, config in STUDENTS:
        results[name] = []
        for seed in args.seeds:
            options = data_options(
                data_root, wrapped=True) + [f'randomness.seed={seed}']
            if 'student' not in osp.basename(config):
                options.append(f'model.teacher_ckpt={teacher_ckpt}')
            sub_dir = osp.join(
                osp.splitext(osp.basename(config))[0], f'seed{seed}')
            results[name].append(
                stage(f'{name}, seed {seed}', config, sub_dir, options,
                      args.iters))
    exported = export_and_test_student(work_dir, args.seeds[0], data_root)
    log(f'DLKD student of seed {args.seeds[0]} exported to '
        f'{osp.join(work_dir, "dlkd_student.pth")}; tools/test.py with '
        f'{STUDENTS[0][1]}: top-1 {exported:.2f}% (in training: '
        f'{results["DLKD"][0]:.2f}%)')
    table = summarise(results, work_dir)
    print('\n' + table + '\n')
    log(f'table, CSV and bar chart in {work_dir} '
        f'(results.md, results.csv, results.png); '
        f'total {time.time() - start:.0f} s')


if __name__ == '__main__':
    main()
