"""Which channels of a module's output are dead: never above zero.

Runs the model of CONFIG (``--submodule student`` for a distiller's
student) with CHECKPOINT over ``--num-samples`` images of ``--split``
(its test pipeline, eval mode) and reads each ``--layers`` module's output
by a forward hook. Per layer: its channels, how many never exceed 0 on any
image and position (``dead``: after a ReLU they pass no signal, so
everything downstream of them sees a constant), the share of zero values
and the mean over channels of each channel's standard deviation over images
and positions. A decoder whose every channel is dead predicts one class
everywhere. Writes ``channel_activity.{csv,md}`` and prints the table.

Example::

    python tools/analysis/channel_activity.py \\
        configs/fashion_mosaics/pspnet_skd_fashion_mosaics.py iter_25600.pth \\
        --submodule student --layers decode_head.bottleneck \\
        --num-samples 64 --cfg-options model.teacher_ckpt=TEACHER.pth
"""
import argparse
import os
import os.path as osp
from typing import Dict

import torch

from mmdlkd.evaluation import FeatureExtractor, build_model, extract_features
from mmdlkd.evaluation.tool_utils import (add_common_args, load_config,
                                          split_loader, write_table)
from mmdlkd.utils import setup_runtime


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='model and dataset config')
    parser.add_argument('checkpoint', help="checkpoint ('' = init)")
    parser.add_argument(
        '--layers',
        nargs='+',
        required=True,
        help='dotted module paths (inside --submodule)')
    parser.add_argument('--split', default='val')
    parser.add_argument('--num-samples', type=int, default=None)
    add_common_args(parser, 'work_dirs/channel_activity')
    args = parser.parse_args()
    if args.layer != parser.get_default('layer'):
        parser.error('this tool reads --layers (several modules)')
    return args


def channel_activity(feat: torch.Tensor) -> Dict[str, float]:
    """Activity of the channels of ``(N, C, ...)`` outputs.

    Args:
        feat (torch.Tensor): One module's outputs over the samples, channels
            in dim 1.

    Returns:
        dict: ``channels``; ``dead``, the channels never above 0;
        ``zero_share``, the share of values equal to 0; ``mean_std``, the
        mean over channels of each channel's standard deviation over samples
        and positions (0 for a constant output).
    """
    per_channel = feat.transpose(0, 1).flatten(1).double()
    return dict(
        channels=per_channel.shape[0],
        dead=int((per_channel.amax(dim=1) <= 0).sum()),
        zero_share=float((per_channel == 0).double().mean()),
        mean_std=float(per_channel.std(dim=1, unbiased=False).mean()))


def main() -> None:
    setup_runtime()
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    torch.manual_seed(args.seed)
    model = build_model(cfg, args.checkpoint or None, args.device)
    extractor = FeatureExtractor(
        model, args.layers, args.submodule, pool='none')
    loader = split_loader(cfg, args, args.split, args.num_samples)
    feats = extract_features(extractor, loader, progress=False)['feats']
    rows = [
        dict(layer=layer, **channel_activity(feats[layer]))
        for layer in args.layers
    ]
    os.makedirs(args.out_dir, exist_ok=True)
    paths = write_table(
        rows, osp.join(args.out_dir, 'channel_activity'), float_fmt='.4f')
    with open(paths[-1]) as f:
        print(f.read())


if __name__ == '__main__':
    main()
