"""Shared plumbing of the ``tools/analysis`` command-line tools."""
import argparse
import csv
import os
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope


def add_common_args(parser: argparse.ArgumentParser,
                    out_dir: str) -> argparse.ArgumentParser:
    """Add the options every analysis tool takes.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        out_dir (str): Default output folder.

    Returns:
        argparse.ArgumentParser: The same parser.
    """
    parser.add_argument(
        '--out-dir',
        '--work-dir',
        dest='out_dir',
        default=out_dir,
        help='folder for the tables and figures')
    parser.add_argument(
        '--submodule',
        default=None,
        help="part of the model to analyse, e.g. 'student' or 'teacher' "
        'of an mmdlkd distiller')
    parser.add_argument(
        '--layer',
        default='extract_feat',
        help="representation: 'extract_feat' (pooled neck output) or the "
        'dotted path of a module read by a forward hook')
    parser.add_argument('--batch-size', type=int, default=None)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value pairs, e.g. '
        'val_dataloader.dataset.data_root=data/stl10')
    return parser


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Load a config, apply overrides and set its default scope.

    Args:
        path (str): Config file.
        cfg_options (dict, optional): ``--cfg-options`` overrides.
            Defaults to None.

    Returns:
        Config: The config.
    """
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    return cfg


def _fmt(value, float_fmt: str) -> str:
    if isinstance(value, (float, np.floating)):
        return format(float(value), float_fmt)
    return str(value)


def write_table(rows: List[dict],
                stem: str,
                float_fmt: str = '.4f',
                markdown: bool = True) -> List[str]:
    """Write rows as ``<stem>.csv`` and (optionally) ``<stem>.md``.

    Args:
        rows (list[dict]): Rows with the same keys (the columns, in order).
        stem (str): Output path without extension (folders are created).
        float_fmt (str): Format of floats in the markdown table.
            Defaults to ``'.4f'``.
        markdown (bool): Also write a markdown table. Defaults to True.

    Returns:
        list[str]: The written paths.
    """
    os.makedirs(osp.dirname(osp.abspath(stem)), exist_ok=True)
    columns = list(rows[0].keys()) if rows else []
    with open(stem + '.csv', 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    paths = [stem + '.csv']
    if markdown:
        lines = [
            '| ' + ' | '.join(columns) + ' |', '|' + '---|' * len(columns)
        ] + [
            '| ' + ' | '.join(_fmt(row[c], float_fmt) for c in columns) + ' |'
            for row in rows
        ]
        with open(stem + '.md', 'w') as f:
            f.write('\n'.join(lines) + '\n')
        paths.append(stem + '.md')
    return paths


def display_image(img: torch.Tensor) -> np.ndarray:
    """A loaded (C, H, W) BGR uint8 image as an (H, W, 3) RGB array."""
    arr = img.detach().cpu().numpy().transpose(1, 2, 0)
    if arr.shape[2] == 1:
        arr = np.repeat(arr, 3, axis=2)
    return np.ascontiguousarray(arr[..., ::-1])


def names_for(paths: Sequence[str], names: Optional[Sequence[str]]) -> list:
    """Display names of checkpoints: given ones, else file stems."""
    if names:
        if len(names) != len(paths):
            raise ValueError(f'{len(names)} names for {len(paths)} models')
        return list(names)
    return [osp.splitext(osp.basename(p))[0] if p else 'init' for p in paths]


def split_loader(cfg: Config, args: argparse.Namespace, split: str,
                 num_samples: Optional[int]):
    """A loader of ``split`` read through the test pipeline of the
    tool's ``--split`` (:func:`mmdlkd.evaluation.eval_pipeline`), without
    shuffling.

    Args:
        cfg (Config): The loaded config.
        args (argparse.Namespace): The tool's arguments (``split``,
            ``batch_size``, ``seed``).
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        num_samples (int, optional): Seeded random subset size; None for
            all.

    Returns:
        DataLoader: The loader.
    """
    from .data import build_eval_dataloader, eval_pipeline
    return build_eval_dataloader(
        cfg,
        split,
        num_samples,
        pipeline=eval_pipeline(cfg, args.split),
        batch_size=args.batch_size,
        seed=args.seed)


def reference_and_eval_features(cfg: Config, args: argparse.Namespace,
                                ref_split: str,
                                ref_num: Optional[int]) -> tuple:
    """Features of a reference split and of the evaluated split.

    Used by the k-NN (reference = the bank) and linear-probe (reference =
    the probe's training set) tools. Both splits are read through the
    test pipeline of the evaluated split (:func:`eval_pipeline`: no training
    augmentation, one view), put in place of the innermost dataset's
    pipeline through dataset wrappers such as ``mmdlkd.RandomSubset``, so
    that the same samples are read.

    Args:
        cfg (Config): The loaded config.
        args (argparse.Namespace): The tool's arguments (``checkpoint``,
            ``device``, ``layer``, ``submodule``, ``split``,
            ``num_samples``, ``batch_size``, ``seed``).
        ref_split (str): ``'train'``, ``'val'`` or ``'test'``.
        ref_num (int, optional): Size of the reference subset.

    Returns:
        tuple[dict, dict]: :func:`extract_features` results of the
        reference and the evaluated split.
    """
    from .features import FeatureExtractor, build_model, extract_features
    torch.manual_seed(args.seed)
    model = build_model(cfg, args.checkpoint or None, args.device)
    extractor = FeatureExtractor(model, [args.layer], args.submodule)

    def features_of(split: str, num: Optional[int]) -> dict:
        return extract_features(extractor, split_loader(cfg, args, split, num))

    return features_of(ref_split,
                       ref_num), features_of(args.split, args.num_samples)
