"""Dataloaders for the analysis tools, built from a config's dataloaders.

Dataset wrappers (``mmdlkd.RandomSubset``, mmengine's ``ConcatDataset``,
``RepeatDataset``, ``ClassBalancedDataset``) hold the dataset they wrap in a
``dataset`` (or ``datasets``) key and have no pipeline of their own; the
pipeline is that of the innermost dataset(s). Replacing it there keeps the
wrappers, and so the same samples in the same order.
"""
import copy
from typing import List, Optional, Sequence, Tuple

import numpy as np
from mmengine.registry import DATASETS
from mmengine.runner import Runner
from torch.utils.data import Subset


def class_of(dataset, index: int) -> int:
    """First category id of a sample (mmpretrain/mmengine datasets)."""
    if hasattr(dataset, 'get_cat_ids'):
        cats = dataset.get_cat_ids(index)
        return int(cats[0]) if len(cats) else -1
    return -1


def choose_indices(dataset,
                   num_samples: Optional[int] = None,
                   classes: Optional[Sequence[int]] = None,
                   seed: int = 0) -> np.ndarray:
    """Seeded random subset, optionally restricted to some classes.

    Args:
        dataset: A dataset (``get_cat_ids`` is used for ``classes``).
        num_samples (int, optional): Samples to keep; None keeps all.
            Defaults to None.
        classes (Sequence[int], optional): Keep only these class ids.
            Defaults to None.
        seed (int): Seed of the choice. Defaults to 0.

    Returns:
        np.ndarray: Sorted dataset indices.
    """
    indices = np.arange(len(dataset))
    if classes is not None:
        wanted = set(int(c) for c in classes)
        indices = np.array(
            [i for i in indices if class_of(dataset, i) in wanted], dtype=int)
    if num_samples is not None and num_samples < len(indices):
        rng = np.random.RandomState(seed)
        indices = np.sort(rng.choice(indices, num_samples, replace=False))
    return indices


def innermost_datasets(dataset_cfg: dict,
                       path: str = 'dataset') -> List[Tuple[str, dict]]:
    """The innermost dataset configs under any wrappers, with their keys.

    Args:
        dataset_cfg (dict): A dataset config, maybe a wrapper's.
        path (str): Its key, for messages. Defaults to ``'dataset'``.

    Returns:
        list[tuple[str, dict]]: ``(key path, config)`` of each innermost
        dataset (the configs themselves, not copies).

    Raises:
        TypeError: If a dataset is a built object rather than a config.
        ValueError: If a wrapper has a pipeline of its own.
    """
    if not isinstance(dataset_cfg, dict):
        raise TypeError(f'{path} is a built {type(dataset_cfg).__name__}, '
                        'not a config: its pipeline cannot be replaced')
    if 'dataset' in dataset_cfg or 'datasets' in dataset_cfg:
        if 'pipeline' in dataset_cfg:
            raise ValueError(
                f'{path} ({dataset_cfg.get("type")}) wraps a dataset and has '
                'a pipeline of its own; the analysis tools replace the '
                'pipeline of the innermost dataset only')
        if 'dataset' in dataset_cfg:
            return innermost_datasets(dataset_cfg['dataset'],
                                      f'{path}.dataset')
        return [
            leaf for i, inner in enumerate(dataset_cfg['datasets'])
            for leaf in innermost_datasets(inner, f'{path}.datasets[{i}]')
        ]
    return [(path, dataset_cfg)]


def dataset_pipeline(cfg, split: str) -> list:
    """The pipeline of the innermost dataset of ``cfg.<split>_dataloader``.

    Args:
        cfg (Config): The config.
        split (str): ``'train'``, ``'val'`` or ``'test'``.

    Returns:
        list: A copy of the pipeline.

    Raises:
        KeyError: If the config has no such dataloader.
        ValueError: If the innermost dataset has no pipeline, or several
            innermost datasets have different ones.
    """
    key = f'{split}_dataloader'
    if cfg.get(key) is None:
        raise KeyError(f'the config has no {key}')
    leaves = innermost_datasets(cfg[key]['dataset'], f'{key}.dataset')
    path, first = leaves[0]
    if first.get('pipeline') is None:
        raise ValueError(f'{path} has no pipeline')
    for other_path, other in leaves[1:]:
        if other.get('pipeline') != first['pipeline']:
            raise ValueError(f'{path} and {other_path} have different '
                             'pipelines; give the pipeline explicitly')
    return copy.deepcopy(list(first['pipeline']))


def eval_pipeline(cfg, split: str = 'val') -> list:
    """The pipeline through which the analysis tools read ``split``.

    That of ``split``'s own innermost dataset for ``'val'`` and ``'test'``;
    for ``'train'`` (training augmentation, maybe several views) that of
    ``val_dataloader``, or of ``test_dataloader`` where there is no
    validation loader.

    Args:
        cfg (Config): The config.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
            Defaults to ``'val'``.

    Returns:
        list: A copy of the pipeline.
    """
    if split == 'train':
        split = 'val' if cfg.get('val_dataloader') is not None else 'test'
    return dataset_pipeline(cfg, split)


def with_pipeline(dataset_cfg: dict,
                  pipeline: list,
                  path: str = 'dataset') -> dict:
    """A copy of a dataset config with every innermost pipeline replaced.

    Args:
        dataset_cfg (dict): A dataset config, maybe a wrapper's.
        pipeline (list): The new pipeline.
        path (str): The config's key, for messages.
            Defaults to ``'dataset'``.

    Returns:
        dict: The new config; the wrappers (and so the samples) are kept.
    """
    dataset_cfg = copy.deepcopy(dataset_cfg)
    for _, leaf in innermost_datasets(dataset_cfg, path):
        leaf['pipeline'] = copy.deepcopy(list(pipeline))
    return dataset_cfg


def build_eval_dataloader(cfg,
                          split: str = 'val',
                          num_samples: Optional[int] = None,
                          classes: Optional[Sequence[int]] = None,
                          pipeline: Optional[list] = None,
                          batch_size: Optional[int] = None,
                          seed: int = 0):
    """Build ``cfg.<split>_dataloader`` without shuffling, maybe subsampled.

    Args:
        cfg (Config): The config (default scope already set).
        split (str): ``'train'``, ``'val'`` or ``'test'``.
            Defaults to ``'val'``.
        num_samples (int, optional): Seeded random subset size.
            Defaults to None (all).
        classes (Sequence[int], optional): Keep only these classes.
            Defaults to None.
        pipeline (list, optional): Replace the pipeline of the innermost
            dataset(s), through wrappers (e.g. the test pipeline, from
            :func:`dataset_pipeline`, for frozen train features).
            Defaults to None (the split's own).
        batch_size (int, optional): Override the batch size.
            Defaults to None.
        seed (int): Seed of the subset. Defaults to 0.

    Returns:
        DataLoader: The dataloader; ``loader.dataset`` is a
        ``torch.utils.data.Subset`` when samples were dropped.
    """
    loader_cfg = copy.deepcopy(cfg[f'{split}_dataloader'])
    dataset_cfg = loader_cfg.pop('dataset')
    if pipeline is not None:
        dataset_cfg = with_pipeline(dataset_cfg, pipeline,
                                    f'{split}_dataloader.dataset')
    dataset = DATASETS.build(dataset_cfg)
    indices = choose_indices(dataset, num_samples, classes, seed)
    if len(indices) < len(dataset):
        dataset = Subset(dataset, indices.tolist())
    loader_cfg['dataset'] = dataset
    loader_cfg['sampler'] = dict(type='DefaultSampler', shuffle=False)
    loader_cfg.pop('batch_sampler', None)
    if batch_size is not None:
        loader_cfg['batch_size'] = batch_size
    loader_cfg.setdefault('num_workers', 0)
    if not loader_cfg['num_workers']:
        loader_cfg.pop('persistent_workers', None)
    return Runner.build_dataloader(loader_cfg, seed=seed)
