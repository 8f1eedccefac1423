"""Weighted k-NN top-1/top-5 of frozen features (paper Table V, k = 10).

The bank is the ``--bank-split`` set (default train, read through the test
pipeline of the ``--split`` set, put in place of the innermost dataset's
pipeline under wrappers such as ``mmdlkd.RandomSubset``; one view also for
multi-view training pipelines), the queries the ``--split`` set; see
:mod:`mmdlkd.evaluation.knn` for the exact voting. Writes ``knn.{csv,md}``
(one row per k) and ``knn.png`` (top-1 against k).

Example::

    python tools/analysis/knn_eval.py CONFIG student.pth --k 10 20 200
"""
import argparse
import os
import os.path as osp

import matplotlib

from mmdlkd.evaluation import knn_accuracy
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
    parser.add_argument('--k', nargs='+', type=int, default=[10])
    parser.add_argument(
        '--temperature',
        type=float,
        default=0.07,
        help='vote weight exp(cos / T); <= 0: majority vote')
    parser.add_argument('--split', default='val', help='query set')
    parser.add_argument('--bank-split', default='train', help='bank set')
    parser.add_argument(
        '--num-samples', type=int, default=None, help='query subset size')
    parser.add_argument(
        '--num-bank', type=int, default=None, help='bank subset size')
    add_common_args(parser, 'work_dirs/knn_eval')
    return parser.parse_args()


def main() -> None:
    setup_runtime()
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    bank, query = reference_and_eval_features(cfg, args, args.bank_split,
                                              args.num_bank)
    temperature = args.temperature if args.temperature > 0 else None
    num_classes = int(max(bank['labels'].max(), query['labels'].max())) + 1
    rows = []
    for k in args.k:
        acc = knn_accuracy(
            query['feats'][args.layer],
            query['labels'],
            bank['feats'][args.layer],
            bank['labels'],
            k=k,
            temperature=temperature,
            num_classes=num_classes)
        rows.append(
            dict(
                k=k,
                temperature=args.temperature,
                top1=acc['top1'],
                top5=acc.get('top5', float('nan')),
                num_bank=len(bank['labels']),
                num_queries=len(query['labels'])))
    os.makedirs(args.out_dir, exist_ok=True)
    write_table(rows, osp.join(args.out_dir, 'knn'), float_fmt='.2f')
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot([r['k'] for r in rows], [r['top1'] for r in rows], 'o-')
    ax.set_xscale('log')
    ax.set_xlabel('k')
    ax.set_ylabel('k-NN top-1 (%)')
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(osp.join(args.out_dir, 'knn.png'), dpi=100)
    plt.close(fig)
    print('\n' + open(osp.join(args.out_dir, 'knn.md')).read())


if __name__ == '__main__':
    main()
