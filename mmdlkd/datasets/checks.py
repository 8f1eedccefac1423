"""Checks of dataset configs, dataset classes, label values and of the
batch size against the model's batch norm."""
import inspect
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.registry import DATASETS
from torch.nn.modules.batchnorm import _BatchNorm

#: Dataloaders whose dataset paths :func:`check_dataset_paths` checks.
DATALOADER_KEYS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def _is_local(path) -> bool:
    return isinstance(path, str) and bool(path) and '://' not in path


def _downloads(dataset_cfg: dict, default_scope: Optional[str]) -> bool:
    """Whether the dataset downloads its data when missing (``download``
    set or defaulting to True, e.g. mmpretrain's CIFAR)."""
    if 'download' in dataset_cfg:
        return bool(dataset_cfg['download'])
    kind = dataset_cfg.get('type')
    try:
        if isinstance(kind, str):
            with DATASETS.switch_scope_and_registry(default_scope) as reg:
                kind = reg.get(kind)
        param = inspect.signature(kind).parameters.get('download')
    except Exception:  # noqa: BLE001  (unknown types are built later)
        return False
    return param is not None and param.default is True


def _dataset_path_problems(dataset_cfg, key: str,
                           default_scope: Optional[str]) -> List[str]:
    problems: List[str] = []
    if not isinstance(dataset_cfg, dict):
        return problems
    for inner in ('dataset', 'datasets'):  # wrappers, ConcatDataset
        value = dataset_cfg.get(inner)
        if isinstance(value, dict):
            problems += _dataset_path_problems(value, f'{key}.{inner}',
                                               default_scope)
        elif isinstance(value, (list, tuple)):
            for idx, item in enumerate(value):
                problems += _dataset_path_problems(item,
                                                   f'{key}.{inner}[{idx}]',
                                                   default_scope)
    root = dataset_cfg.get('data_root')
    if _downloads(dataset_cfg, default_scope):
        return problems
    if _is_local(root) and not osp.isdir(root):
        return problems + [
            f"{key}.data_root: directory '{root}' does not exist"
        ]
    root = root if _is_local(root) else ''
    ann_file = dataset_cfg.get('ann_file')
    if _is_local(ann_file):
        path = osp.join(root, ann_file)
        if not osp.exists(path):
            problems.append(f"{key}.ann_file: '{path}' does not exist")
    prefix = dataset_cfg.get('data_prefix')
    prefixes = prefix if isinstance(prefix, dict) else {'': prefix}
    for name, value in prefixes.items():
        if _is_local(value):
            path = osp.join(root, value)
            if not osp.exists(path):
                where = f'{key}.data_prefix' + (f'.{name}' if name else '')
                problems.append(f"{where}: '{path}' does not exist")
    return problems


def check_dataset_paths(cfg, keys: Sequence[str] = DATALOADER_KEYS) -> None:
    """Fail before anything is built if a dataset's local paths are missing.

    For every dataset config under ``keys`` (through ``dataset=`` wrappers
    and ``datasets=[...]`` lists) checks that ``data_root`` is a directory
    and that ``ann_file`` and each ``data_prefix`` entry (joined to
    ``data_root`` as mmengine's ``BaseDataset`` does) exist. URLs, empty
    strings and datasets that download missing data (``download=True``,
    also by default as in mmpretrain's CIFAR) are skipped.

    Args:
        cfg (Config | dict): The full config (after ``--cfg-options``).
        keys (Sequence[str]): The dataloader keys to check.
            Defaults to the train, val and test dataloaders.

    Raises:
        FileNotFoundError: Lists every missing path with its config key,
            e.g. ``train_dataloader.dataset.data_root: directory
            'data/cityscapes' does not exist``.
    """
    scope = cfg.get('default_scope', None)
    problems: List[str] = []
    for key in keys:
        loader = cfg.get(key, None)
        if isinstance(loader, dict):
            problems += _dataset_path_problems(
                loader.get('dataset'), f'{key}.dataset', scope)
    if problems:
        raise FileNotFoundError(
            'dataset paths in the config do not exist:\n  ' +
            '\n  '.join(dict.fromkeys(problems)) +
            '\nPrepare the dataset (see tools/data/) or point data_root to '
            'it, e.g. --cfg-options train_dataloader.dataset.data_root=... '
            '(and the same for val/test).')


def label_problems(data_samples: Sequence,
                   num_classes: int,
                   ignore_index: Optional[int] = None,
                   limit: int = 5) -> List[str]:
    """Find label values outside ``[0, num_classes)`` in raw data samples.

    Works on the dataloader's CPU samples (no device synchronisation):
    mmpretrain ``gt_label`` and mmseg ``gt_sem_seg``; ``ignore_index`` (mmseg
    default 255) is allowed. The samples' ``img_path`` / ``seg_map_path``
    name the offending files.

    Args:
        data_samples (Sequence): The batch's data samples.
        num_classes (int): The number of classes the model predicts.
        ignore_index (int, optional): A label value that is ignored by the
            loss. Defaults to None.
        limit (int): Describe at most this many samples. Defaults to 5.

    Returns:
        list[str]: One line per offending sample (empty when all are fine).
    """
    problems = []
    for sample in data_samples:
        if 'gt_sem_seg' in sample:
            labels, kind = sample.gt_sem_seg.data, 'seg_map_path'
        elif 'gt_label' in sample:
            labels, kind = sample.gt_label, 'img_path'
        else:
            continue
        if not isinstance(labels, torch.Tensor) or labels.numel() == 0:
            continue
        labels = labels.long()
        low, high = int(labels.min()), int(labels.max())
        if low >= 0 and high < num_classes:
            continue
        bad = (labels < 0) | (labels >= num_classes)
        if ignore_index is not None:
            bad &= labels != ignore_index
        if not bool(bad.any()):
            continue
        values = torch.unique(labels[bad]).tolist()
        path = sample.metainfo.get(kind, sample.metainfo.get('img_path'))
        problems.append(
            f'{path}: label values {values[:10]}'
            f'{" ..." if len(values) > 10 else ""} ({int(bad.sum())} of '
            f'{labels.numel()})')
        if len(problems) >= limit:
            break
    return problems


def check_labels(data_samples: Sequence,
                 num_classes: int,
                 ignore_index: Optional[int] = None,
                 where: str = 'the model') -> None:
    """Raise if a label value is outside the classes and not ignored.

    Args:
        data_samples (Sequence): See :func:`label_problems`.
        num_classes (int): The number of classes of the model.
        ignore_index (int, optional): The ignored label value.
            Defaults to None.
        where (str): What defines ``num_classes``, for the message.
            Defaults to 'the model'.

    Raises:
        ValueError: Names the files, the bad values and the valid range.
    """
    problems = label_problems(data_samples, num_classes, ignore_index)
    if problems:
        allowed = f'0..{num_classes - 1}'
        if ignore_index is not None:
            allowed += f' or the ignore index {ignore_index}'
        raise ValueError(
            f'labels outside the classes of {where} (allowed: {allowed}):\n'
            '  ' + '\n  '.join(problems) +
            '\nCheck the label conversion of the dataset (e.g. Cityscapes '
            'needs *_labelTrainIds.png from tools/data), reduce_zero_label, '
            'and num_classes of the model.')


def check_dataset_classes(dataset_meta: Optional[dict],
                          models: Dict[str, Optional[tuple]],
                          dataset_name: str = 'the training dataset') -> None:
    """Compare the dataset's classes with the models' numbers of classes.

    Args:
        dataset_meta (dict, optional): The dataset's ``metainfo``; nothing
            is checked without ``classes``.
        models (dict): ``{'student': ('decode_head.num_classes', 19), ...}``;
            None values are skipped.
        dataset_name (str): For the message.
            Defaults to 'the training dataset'.

    Raises:
        ValueError: Names the dataset's class count, the model and its
            attribute.
    """
    classes = (dataset_meta or {}).get('classes')
    if not classes:
        return
    problems = [
        f'the {name} has {found[1]} ({name} {found[0]})'
        for name, found in models.items()
        if found is not None and found[1] != len(classes)
    ]
    if problems:
        shown = list(classes[:5]) + (['...'] if len(classes) > 5 else [])
        raise ValueError(
            f"{dataset_name} has {len(classes)} classes (dataset_meta"
            f"['classes'] = {shown}), but " + ' and '.join(problems) +
            '. Set num_classes of the heads to the dataset\'s, use a '
            'teacher trained on this dataset, or check the dataset\'s '
            'classes / metainfo.')


def unwrap(model: nn.Module) -> nn.Module:
    """The model inside a DDP/FSDP wrapper."""
    return getattr(model, 'module', model)


def _pooled_cells(pool: nn.Module) -> Optional[int]:
    """Output cells of an adaptive pooling layer (None if not fixed)."""
    size = pool.output_size
    if isinstance(size, int):
        two_d = isinstance(pool, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d))
        return size * size if two_d else size
    if not all(isinstance(s, int) for s in size):
        return None
    return math.prod(size)


def pooled_norm_values(model: nn.Module, batch_size: int,
                       world_size: int) -> Optional[Tuple[str, int, bool]]:
    """The batch-norm layer that sees the fewest values per channel behind
    a global (adaptive) pooling, e.g. PSPNet's pyramid pooling branches or
    ASPP's image pooling.

    A branch is an ``nn.Sequential`` that starts with an adaptive pooling
    layer; its batch norm sees ``batch_size x pooled cells`` values per
    channel, times ``world_size`` for ``SyncBatchNorm``.

    Args:
        model (nn.Module): The model that trains.
        batch_size (int): Images per process.
        world_size (int): Processes.

    Returns:
        tuple | None: ``(layer name, values per channel, is SyncBN)`` of the
        layer with the fewest values, or None without such a layer.
    """
    pools = (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool1d,
             nn.AdaptiveMaxPool2d)
    fewest = None
    for name, branch in model.named_modules():
        if not isinstance(branch, nn.Sequential) or len(branch) == 0 or \
                not isinstance(branch[0], pools):
            continue
        cells = _pooled_cells(branch[0])
        if cells is None:
            continue
        for sub, layer in branch.named_modules():
            if not isinstance(layer, _BatchNorm):
                continue
            sync = isinstance(layer, nn.SyncBatchNorm)
            values = batch_size * cells * (world_size if sync else 1)
            if fewest is None or values < fewest[1]:
                fewest = (f'{name}.{sub}', values, sync)
    return fewest


def check_pooled_norm_batch(model: nn.Module,
                            batch_size: int,
                            world_size: int,
                            where: str = '') -> None:
    """Fail before training where a batch norm behind a global pooling
    would see one value per channel, which torch refuses ("Expected more
    than 1 value per channel when training").

    This is the case of a PSPNet trained with one image per process
    without a process group: mmengine then turns SyncBN into BN.

    Args:
        model (nn.Module): The model that trains (the student).
        batch_size (int): Images per process.
        world_size (int): Processes.
        where (str): The config or run, for the message. Defaults to ''.

    Raises:
        ValueError: Names the layer, the batch size and what to change.
    """
    found = pooled_norm_values(model, batch_size, world_size)
    if found is None or found[1] > 1:
        return
    name, _, sync = found
    kind = 'SyncBN over 1 process' if sync else (
        'BN (SyncBN becomes BN without a process group)'
        if world_size == 1 else 'BN')
    raise ValueError(
        f'{where + ": " if where else ""}{name} normalises a globally '
        f'pooled feature with {kind}, and with {batch_size} image per '
        f'process and {world_size} process(es) it gets 1 value per '
        'channel: training would stop with "Expected more than 1 value '
        'per channel when training". Train with 2 or more images per '
        'process (`--cfg-options train_dataloader.batch_size=2`, or a '
        '*_4xb2-* config such as configs/dlkd/pspnet_r101_r18_4xb2-40k_'
        'cityscapes-512x512.py), or on several GPUs with SyncBN '
        '(tools/dist_train.sh CONFIG 8).')
