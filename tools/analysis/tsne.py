"""t-SNE of a model's representations for a subset of classes (Fig. 2).

Uses scikit-learn's ``TSNE``. Writes ``tsne.png``, the embedded points
``tsne_points.csv`` and a per-class summary ``tsne_summary.{csv,md}``.

Example::

    python tools/analysis/tsne.py CONFIG student.pth --classes 0 1 2 3 \
        --num-samples 2000 --submodule student
"""
import argparse
import os
import os.path as osp

import matplotlib
import numpy as np
import torch
from mmengine.registry import DATASETS
from sklearn.manifold import TSNE

from mmdlkd.evaluation import (FeatureExtractor, build_eval_dataloader,
                               build_model, extract_features)
from mmdlkd.evaluation.tool_utils import (add_common_args, load_config,
                                          write_table)
from mmdlkd.utils import setup_runtime

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='model and dataset config')
    parser.add_argument('checkpoint', help="checkpoint ('' = init)")
    parser.add_argument(
        '--classes',
        nargs='+',
        type=int,
        default=None,
        help='class ids (default: 10 random classes)')
    parser.add_argument(
        '--num-classes',
        type=int,
        default=10,
        help='random classes drawn when --classes is unset')
    parser.add_argument('--split', default='val')
    parser.add_argument('--num-samples', type=int, default=2000)
    parser.add_argument('--perplexity', type=float, default=30.0)
    parser.add_argument(
        '--max-iter',
        type=int,
        default=1000,
        help='t-SNE iterations (at least 250)')
    add_common_args(parser, 'work_dirs/tsne')
    return parser.parse_args()


def main() -> None:
    setup_runtime()
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    dataset = DATASETS.build(cfg[f'{args.split}_dataloader'].dataset)
    class_names = list(dataset.metainfo.get('classes') or [])
    classes = args.classes
    if classes is None:
        total = len(class_names)
        rng = np.random.RandomState(args.seed)
        classes = sorted(
            rng.choice(total, min(args.num_classes, total),
                       replace=False).tolist())
    loader = build_eval_dataloader(
        cfg,
        args.split,
        args.num_samples,
        classes=classes,
        batch_size=args.batch_size,
        seed=args.seed)
    torch.manual_seed(args.seed)
    model = build_model(cfg, args.checkpoint or None, args.device)
    extractor = FeatureExtractor(model, [args.layer], args.submodule)
    out = extract_features(extractor, loader)
    feats = out['feats'][args.layer].numpy()
    labels = out['labels'].numpy()
    perplexity = min(args.perplexity, (len(feats) - 1) / 3)
    points = TSNE(
        n_components=2,
        perplexity=perplexity,
        init='pca',
        max_iter=args.max_iter,
        random_state=args.seed).fit_transform(feats)
    os.makedirs(args.out_dir, exist_ok=True)
    indices = getattr(loader.dataset, 'indices', range(len(feats)))
    write_table([
        dict(index=int(i), label=int(y), x=float(p[0]), y=float(p[1]))
        for i, y, p in zip(indices, labels, points)
    ],
                osp.join(args.out_dir, 'tsne_points'),
                markdown=False)
    fig, ax = plt.subplots(figsize=(6, 6))
    cmap = plt.get_cmap('tab10' if len(classes) <= 10 else 'tab20')
    summary = []
    for k, cls in enumerate(classes):
        sel = labels == cls
        name = class_names[cls] if cls < len(class_names) else str(cls)
        ax.scatter(
            points[sel, 0],
            points[sel, 1],
            s=8,
            color=cmap(k % cmap.N),
            label=name)
        summary.append(
            dict(
                label=cls,
                name=name,
                num_points=int(sel.sum()),
                centre_x=float(points[sel, 0].mean()) if sel.any() else 0.0,
                centre_y=float(points[sel, 1].mean()) if sel.any() else 0.0))
    ax.legend(markerscale=2, fontsize='small', loc='best')
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f't-SNE of {args.layer} ({len(feats)} samples)')
    fig.tight_layout()
    fig.savefig(osp.join(args.out_dir, 'tsne.png'), dpi=120)
    plt.close(fig)
    write_table(summary, osp.join(args.out_dir, 'tsne_summary'))
    print('\n' + open(osp.join(args.out_dir, 'tsne_summary.md')).read())


if __name__ == '__main__':
    main()
