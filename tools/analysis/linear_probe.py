"""Linear probe on frozen features, e.g. transfer to STL-10 (Table X).

Features of the ``--train-split`` set (through the ``--split`` set's test
pipeline, put in place of the innermost dataset's pipeline under wrappers
such as ``mmdlkd.RandomSubset``: no augmentation, one view) and of the
``--split`` set are extracted once,
then a linear classifier is trained with the paper's protocol (SGD 0.9,
100 epochs, lr 30 x0.1 at 60 and 80, wd 0). Point the dataloaders at
another dataset (image folders resized to 32x32) with ``--cfg-options``.
Writes ``linear_probe.{csv,md}`` and ``linear_probe_loss.png``.

Example::

    python tools/analysis/linear_probe.py CONFIG student.pth --cfg-options \
        train_dataloader.dataset.data_root=data/stl10_32 \
        val_dataloader.dataset.data_root=data/stl10_32
"""
import argparse
import os
import os.path as osp

import matplotlib

from mmdlkd.evaluation import train_linear_probe
from mmdlkd.evaluation.tool_utils import (add_common_args, load_config,
                                          reference_and_eval_features,
                                          write_table)
from mmdlkd.utils import setup_runtime

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='model and dataset config')
    parser.add_argument('checkpoint', help="checkpoint ('' = init)")
    parser.add_argument('--split', default='val', help='evaluation set')
    parser.add_argument('--train-split', default='train')
    parser.add_argument('--num-train', type=int, default=None)
    parser.add_argument(
        '--num-samples', type=int, default=None, help='evaluation subset size')
    parser.add_argument('--epochs', type=int, default=100)
    parser.add_argument('--lr', type=float, default=30.0)
    parser.add_argument('--milestones', nargs='*', type=int, default=[60, 80])
    parser.add_argument('--momentum', type=float, default=0.9)
    parser.add_argument('--weight-decay', type=float, default=0.0)
    parser.add_argument('--probe-batch-size', type=int, default=256)
    parser.add_argument(
        '--normalize', default='none', choices=['none', 'l2', 'standardize'])
    add_common_args(parser, 'work_dirs/linear_probe')
    return parser.parse_args()


def main() -> None:
    setup_runtime()
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    train, val = reference_and_eval_features(cfg, args, args.train_split,
                                             args.num_train)
    print('\ntraining the linear classifier')
    result = train_linear_probe(
        train['feats'][args.layer],
        train['labels'],
        val['feats'][args.layer],
        val['labels'],
        epochs=args.epochs,
        lr=args.lr,
        milestones=args.milestones,
        momentum=args.momentum,
        weight_decay=args.weight_decay,
        batch_size=args.probe_batch_size,
        normalize=args.normalize,
        seed=args.seed,
        progress=True)
    os.makedirs(args.out_dir, exist_ok=True)
    row = dict(
        checkpoint=args.checkpoint,
        layer=args.layer,
        top1=result['top1'],
        top5=result.get('top5', float('nan')),
        train_top1=result['train_top1'],
        epochs=args.epochs,
        lr=args.lr,
        num_train=len(train['labels']),
        num_val=len(val['labels']))
    write_table([row], osp.join(args.out_dir, 'linear_probe'), '.2f')
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(range(1, args.epochs + 1), result['history'])
    ax.set_xlabel('epoch')
    ax.set_ylabel('training loss')
    ax.set_title(f"linear probe: top-1 {result['top1']:.2f}%")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(osp.join(args.out_dir, 'linear_probe_loss.png'), dpi=100)
    plt.close(fig)
    print('\n' + open(osp.join(args.out_dir, 'linear_probe.md')).read())


if __name__ == '__main__':
    main()
