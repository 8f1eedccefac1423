"""CKA similarity of two models' representations (paper Fig. 3).

Computes linear and/or RBF-kernel CKA between the representations of model
A (e.g. the teacher) and model B (e.g. a student) on the same images (the
``--split`` dataloader of config A, read through its test pipeline: see
:func:`mmdlkd.evaluation.eval_pipeline`), for every pair of ``--layers-a`` x
``--layers-b``. HSIC is estimated with the debiased estimator (Song et al.
2012) unless ``--estimator biased`` (Kornblith et al.'s biased form, high
for wide independent features); the ``estimator`` column says which.
Writes ``cka.{csv,md}`` and a heatmap ``cka_<kernel>.png`` per kernel.
``--cfg-options`` applies to both configs.

Example::

    python tools/analysis/cka_similarity.py TEACHER_CFG teacher.pth \
        STUDENT_CFG student.pth --layers-a backbone.layer3 neck \
        --layers-b backbone.layer3 neck --num-samples 1000
"""
import argparse
import os
import os.path as osp

import matplotlib
import torch

from mmdlkd.evaluation import (ESTIMATORS, FeatureExtractor, build_model,
                               cka_matrix, extract_features)
from mmdlkd.evaluation.tool_utils import (add_common_args, load_config,
                                          split_loader, write_table)
from mmdlkd.utils import setup_runtime

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config_a', help='config of model A')
    parser.add_argument('checkpoint_a', help="checkpoint of A ('' = init)")
    parser.add_argument('config_b', help='config of model B')
    parser.add_argument('checkpoint_b', help="checkpoint of B ('' = init)")
    parser.add_argument('--name-a', default='teacher')
    parser.add_argument('--name-b', default='student')
    parser.add_argument(
        '--submodule-b', default=None, help='like --submodule, for model B')
    parser.add_argument(
        '--layers-a',
        nargs='+',
        default=None,
        help="layers of A (default: --layer)")
    parser.add_argument(
        '--layers-b',
        nargs='+',
        default=None,
        help="layers of B (default: --layer)")
    parser.add_argument(
        '--kernels',
        nargs='+',
        default=['linear', 'rbf'],
        choices=['linear', 'rbf'])
    parser.add_argument(
        '--estimator',
        default='debiased',
        choices=ESTIMATORS,
        help='HSIC estimator: debiased (Song et al. 2012, near 0 for '
        'independent features) or biased (tr(KHLH)/(n-1)^2)')
    parser.add_argument(
        '--rbf-threshold',
        type=float,
        default=1.0,
        help='RBF bandwidth = threshold x median distance')
    parser.add_argument(
        '--pool',
        default='avg',
        choices=['avg', 'flatten'],
        help='how a feature map becomes a vector')
    parser.add_argument('--split', default='val')
    parser.add_argument('--num-samples', type=int, default=1000)
    add_common_args(parser, 'work_dirs/cka_similarity')
    return parser.parse_args()


def features_of(config: str, checkpoint: str, layers: list, submodule: str,
                args: argparse.Namespace, loader) -> dict:
    cfg = load_config(config, args.cfg_options)
    torch.manual_seed(args.seed)
    model = build_model(cfg, checkpoint or None, args.device)
    extractor = FeatureExtractor(model, layers, submodule, args.pool)
    return extract_features(extractor, loader)['feats']


def main() -> None:
    setup_runtime()
    args = parse_args()
    cfg = load_config(args.config_a, args.cfg_options)
    loader = split_loader(cfg, args, args.split, args.num_samples)
    layers_a = args.layers_a or [args.layer]
    layers_b = args.layers_b or [args.layer]
    feats_a = features_of(args.config_a, args.checkpoint_a, layers_a,
                          args.submodule, args, loader)
    feats_b = features_of(args.config_b, args.checkpoint_b, layers_b,
                          args.submodule_b, args, loader)
    os.makedirs(args.out_dir, exist_ok=True)
    rows = []
    for kernel in args.kernels:
        kwargs = dict(threshold=args.rbf_threshold) if kernel == 'rbf' else {}
        mat = cka_matrix([feats_a[n] for n in layers_a],
                         [feats_b[n] for n in layers_b], kernel,
                         args.estimator, **kwargs)
        for i, la in enumerate(layers_a):
            for j, lb in enumerate(layers_b):
                rows.append(
                    dict(
                        kernel=kernel,
                        estimator=args.estimator,
                        layer_a=la,
                        layer_b=lb,
                        cka=float(mat[i, j]),
                        num_samples=len(loader.dataset)))
        fig, ax = plt.subplots(
            figsize=(1.2 * len(layers_b) + 2.5, 1.0 * len(layers_a) + 1.8))
        shown = ax.imshow(mat, vmin=0, vmax=1, cmap='magma')
        for (i, j), value in zip([(i, j) for i in range(len(layers_a))
                                  for j in range(len(layers_b))],
                                 mat.flatten()):
            ax.text(
                j,
                i,
                f'{value:.2f}',
                ha='center',
                va='center',
                color='w' if value < 0.6 else 'k')
        ax.set_xticks(range(len(layers_b)), layers_b, rotation=45, ha='right')
        ax.set_yticks(range(len(layers_a)), layers_a)
        ax.set_xlabel(args.name_b)
        ax.set_ylabel(args.name_a)
        ax.set_title(f'{kernel} CKA ({args.estimator} HSIC)')
        fig.colorbar(shown, ax=ax)
        fig.tight_layout()
        fig.savefig(osp.join(args.out_dir, f'cka_{kernel}.png'), dpi=100)
        plt.close(fig)
    write_table(rows, osp.join(args.out_dir, 'cka'))
    print(f'\nCKA with the {args.estimator} HSIC estimator\n' +
          open(osp.join(args.out_dir, 'cka.md')).read())


if __name__ == '__main__':
    main()
