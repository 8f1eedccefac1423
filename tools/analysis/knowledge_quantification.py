"""Knowledge quantification (paper Sec. IV, Tables XI-XII) of checkpoints.

For each model and each of N images: the per-pixel perturbation entropy
``H_i`` (learned by optimisation), its mean ``H_bar`` and the consistency
IoU of the visual concepts (``H_i < H_bar``) of two shifted/flipped views
over their shared pixels. Writes ``knowledge.{csv,md}`` (mean per model),
``knowledge_per_image.{csv,md}`` and ``maps/<index>.png`` (image, entropy
map and concepts of each model).

Example::

    python tools/analysis/knowledge_quantification.py CONFIG \
        student_kd.pth student_dlkd.pth --names KD DLKD --num-images 32
"""
import argparse
import math
import os
import os.path as osp

import matplotlib
import numpy as np
import torch
from mmengine.utils import ProgressBar

from mmdlkd.evaluation import (FeatureExtractor, build_eval_dataloader,
                               build_model, concept_mask, knowledge_scores,
                               random_view_params)
from mmdlkd.evaluation.tool_utils import (add_common_args, display_image,
                                          load_config, names_for, write_table)
from mmdlkd.utils import setup_runtime

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='model and dataset config')
    parser.add_argument('checkpoints', nargs='+', help='checkpoint files')
    parser.add_argument('--names', nargs='+', help='a name per checkpoint')
    parser.add_argument('--split', default='val', help='dataloader to use')
    parser.add_argument('--num-images', type=int, default=16)
    parser.add_argument('--steps', type=int, default=200, help='Adam steps')
    parser.add_argument('--lr', type=float, default=0.05)
    parser.add_argument('--lam', type=float, default=1.0)
    parser.add_argument('--num-noise', type=int, default=4)
    parser.add_argument(
        '--max-shift', type=int, default=4, help='view shift in pixels')
    parser.add_argument('--no-maps', action='store_true')
    add_common_args(parser, 'work_dirs/knowledge_quantification')
    return parser.parse_args()


def save_maps(out_dir: str, image: np.ndarray, maps: dict, index: int):
    """Image, then per model its entropy map and its concepts."""
    fig, axes = plt.subplots(
        2, len(maps) + 1, figsize=(2.6 * (len(maps) + 1), 5), squeeze=False)
    axes[0, 0].imshow(image)
    axes[0, 0].set_title(f'image {index}')
    axes[1, 0].axis('off')
    for col, (name, h) in enumerate(maps.items(), start=1):
        shown = axes[0, col].imshow(h, cmap='viridis')
        axes[0, col].set_title(f'{name}: H (mean {h.mean():.2f})')
        fig.colorbar(shown, ax=axes[0, col], fraction=0.046)
        axes[1, col].imshow(image)
        mask = concept_mask(torch.from_numpy(h)).numpy()
        axes[1, col].imshow(
            np.ma.masked_where(~mask, mask), cmap='autumn', alpha=0.6)
        axes[1, col].set_title(f'{name}: concepts')
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(osp.join(out_dir, f'{index:05d}.png'), dpi=80)
    plt.close(fig)


def main() -> None:
    setup_runtime()
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    loader = build_eval_dataloader(
        cfg,
        args.split,
        args.num_images,
        batch_size=args.batch_size,
        seed=args.seed)
    indices = getattr(loader.dataset, 'indices', range(len(loader.dataset)))
    names = names_for(args.checkpoints, args.names)
    opt = dict(
        num_steps=args.steps,
        lr=args.lr,
        lam=args.lam,
        num_noise=args.num_noise,
        seed=args.seed)
    rows, maps, images = [], {}, {}
    bar = ProgressBar(len(loader) * len(names))
    for name, ckpt in zip(names, args.checkpoints):
        torch.manual_seed(args.seed)
        model = build_model(cfg, ckpt, args.device)
        extractor = FeatureExtractor(model, [args.layer], args.submodule)
        pos = 0
        for batch_idx, data_batch in enumerate(loader):
            inputs, samples = extractor.preprocess(data_batch)
            views = random_view_params(
                2, args.max_shift, seed=args.seed + batch_idx)
            out = knowledge_scores(extractor, inputs, views=views, **opt)
            for i in range(inputs.shape[0]):
                index = int(indices[pos])
                pos += 1
                gt = getattr(samples[i], 'gt_label', None) if samples else None
                iou = float(out['iou'][i])
                rows.append(
                    dict(
                        model=name,
                        index=index,
                        label=-1 if gt is None else int(gt[0]),
                        h_bar=float(out['h_bar'][i]),
                        iou=iou))
                maps.setdefault(index, {})[name] = (
                    out['entropy'][i].cpu().numpy())
                images[index] = display_image(data_batch['inputs'][i])
            bar.update()
    os.makedirs(args.out_dir, exist_ok=True)
    write_table(rows, osp.join(args.out_dir, 'knowledge_per_image'))
    summary = []
    for name, ckpt in zip(names, args.checkpoints):
        h_bar = np.array([r['h_bar'] for r in rows if r['model'] == name])
        iou = np.array([r['iou'] for r in rows if r['model'] == name])
        valid = iou[~np.isnan(iou)]
        summary.append(
            dict(
                model=name,
                checkpoint=ckpt,
                num_images=len(h_bar),
                h_bar=float(h_bar.mean()),
                h_bar_std=float(h_bar.std()),
                iou=float(valid.mean()) if len(valid) else math.nan))
    write_table(summary, osp.join(args.out_dir, 'knowledge'))
    if not args.no_maps:
        map_dir = osp.join(args.out_dir, 'maps')
        os.makedirs(map_dir, exist_ok=True)
        for index, per_model in maps.items():
            save_maps(map_dir, images[index], per_model, index)
    print('\n' + open(osp.join(args.out_dir, 'knowledge.md')).read())


if __name__ == '__main__':
    main()
