"""A reproducible random subset of a dataset (few-shot training)."""
from typing import Union

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

    Args:
        dataset (dict | Dataset): The dataset or its config.
        fraction (float): Share of samples to keep, in (0, 1].
        seed (int): Seed of the choice. Defaults to 0.
    """

    def __init__(self,
                 dataset: Union[dict, Dataset],
                 fraction: float,
                 seed: int = 0) -> None:
        if not 0 < fraction <= 1:
            raise ValueError(
                f'RandomSubset: fraction must be in (0, 1], got {fraction}')
        self.dataset = DATASETS.build(dataset) if isinstance(dataset,
                                                             dict) else dataset
        self.fraction = fraction
        self.seed = seed
        self.indices = self._choose()

    def _choose(self) -> np.ndarray:
        rng = np.random.RandomState(self.seed)
        total = len(self.dataset)
        if not self._has_cat_ids():
            keep = max(1, int(round(self.fraction * total)))
            return np.sort(rng.permutation(total)[:keep])
        by_class = {}
        for idx in range(total):
            for cat in self.dataset.get_cat_ids(idx)[:1]:
                by_class.setdefault(int(cat), []).append(idx)
        chosen = []
        for cat in sorted(by_class):
            members = np.asarray(by_class[cat])
            keep = max(1, int(round(self.fraction * len(members))))
            chosen.append(rng.permutation(members)[:keep])
        return np.sort(np.concatenate(chosen))

    def _has_cat_ids(self) -> bool:
        # mmengine's BaseDataset defines get_cat_ids but raises
        # NotImplementedError where the task has no image-level class.
        try:
            self.dataset.get_cat_ids(0)
        except (AttributeError, NotImplementedError):
            return False
        return True

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(int(self.indices[idx]))

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, idx: int) -> dict:
        return self.dataset[int(self.indices[idx])]
