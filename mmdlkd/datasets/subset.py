"""A reproducible random subset of a dataset (few-shot training, held-out
validation splits)."""
from typing import List, Optional, Union

import numpy as np
from torch.utils.data import Dataset

from mmdlkd.registry import DATASETS


@DATASETS.register_module()
class RandomSubset(Dataset):
    """Keep a seeded random fraction of a dataset, stratified by class.

    Used for the paper's few-shot scenario (Fig. 4: 25/50/75% of the training
    set). With the same ``seed`` the same samples are kept on every run and
    every rank. When the wrapped dataset implements ``get_cat_ids`` (mmpretrain
    datasets), the fraction is taken per class, so each class keeps
    ``max(1, round(fraction * n_class))`` samples; otherwise it is taken over
    the whole dataset.

    With ``complement=True`` the subset is every sample that the same
    ``fraction`` and ``seed`` would *not* keep, so two configs that differ
    only in ``complement`` split a dataset into two disjoint parts (e.g. a
    validation split carved from the training images and the rest for
    training). Subsets nest: the outer one is stratified by the inner one's
    classes.

    Args:
        dataset (dict | Dataset): The dataset or its config.
        fraction (float): Share of samples to choose, in (0, 1].
        seed (int): Seed of the choice. Defaults to 0.
        complement (bool): Keep the samples not chosen instead.
            Defaults to False.
    """

    def __init__(self,
                 dataset: Union[dict, Dataset],
                 fraction: float,
                 seed: int = 0,
                 complement: bool = False) -> None:
        if not 0 < fraction <= 1:
            raise ValueError(
                f'RandomSubset: fraction must be in (0, 1], got {fraction}')
        self.dataset = DATASETS.build(dataset) if isinstance(dataset,
                                                             dict) else dataset
        self.fraction = fraction
        self.seed = seed
        self.complement = complement
        chosen = self._choose()
        if complement:
            chosen = np.setdiff1d(np.arange(len(self.dataset)), chosen)
        self.indices = chosen

    def _choose(self) -> np.ndarray:
        rng = np.random.RandomState(self.seed)
        total = len(self.dataset)
        labels = self._labels()
        if labels is None:
            keep = max(1, int(round(self.fraction * total)))
            return np.sort(rng.permutation(total)[:keep])
        chosen = []
        for cat in np.unique(labels):
            members = np.flatnonzero(labels == cat)
            keep = max(1, int(round(self.fraction * len(members))))
            chosen.append(rng.permutation(members)[:keep])
        return np.sort(np.concatenate(chosen))

    def _labels(self) -> Optional[np.ndarray]:
        """The first class id of every sample, or None without classes."""
        try:
            # mmpretrain datasets (and nested subsets): one array, no copies
            labels = np.asarray(self.dataset.get_gt_labels())
        except (AttributeError, NotImplementedError, ValueError):
            labels = None
        if labels is not None and labels.shape == (len(self.dataset), ):
            return labels
        # mmengine's BaseDataset defines get_cat_ids but raises
        # NotImplementedError where the task has no image-level class.
        try:
            self.dataset.get_cat_ids(0)
        except (AttributeError, NotImplementedError):
            return None
        return np.asarray(
            [self.dataset.get_cat_ids(i)[0] for i in range(len(self.dataset))])

    def get_gt_labels(self) -> np.ndarray:
        """Class ids of the kept samples (mmpretrain's dataset API)."""
        return np.asarray(self.dataset.get_gt_labels())[self.indices]

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    def get_cat_ids(self, idx: int) -> List[int]:
        """Category ids of sample ``idx`` (that of the wrapped dataset)."""
        return self.dataset.get_cat_ids(int(self.indices[idx]))

    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(int(self.indices[idx]))

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, idx: int) -> dict:
        return self.dataset[int(self.indices[idx])]
