"""Dataloaders for the analysis tools, built from a config's dataloaders."""
import copy
from typing import Optional, Sequence

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
        pipeline (list, optional): Replace the dataset's pipeline (e.g. the
            val pipeline for frozen train features). Defaults to None.
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
        dataset_cfg['pipeline'] = copy.deepcopy(pipeline)
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
