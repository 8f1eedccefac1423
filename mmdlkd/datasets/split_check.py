"""Check that evaluation splits carved from a dataset do not overlap the
training split."""
from typing import Optional, Tuple

import numpy as np

from .subset import RandomSubset

#: Attributes that tell which files a dataset reads.
_SOURCE_ATTRS = ('data_root', 'ann_file', 'data_prefix', 'split', 'test_mode')


def source_indices(dataset) -> Optional[Tuple[tuple, np.ndarray]]:
    """The base dataset a (wrapped) dataset reads, and which of its samples.

    Args:
        dataset: A dataset, possibly inside :class:`RandomSubset` wrappers
            or mmengine's ``RepeatDataset``.

    Returns:
        tuple | None: ``(key, indices)``: a key naming the base dataset's
        class and files (two datasets with equal keys read the same samples
        under the same indices) and the base indices this dataset yields;
        None for wrappers whose samples cannot be traced (e.g. a
        ``ConcatDataset``).
    """
    indices = None
    while True:
        if isinstance(dataset, RandomSubset):
            local = np.asarray(dataset.indices)
            indices = local if indices is None else local[indices]
            dataset = dataset.dataset
        elif type(dataset).__name__ == 'RepeatDataset':
            dataset = dataset.dataset
        elif hasattr(dataset, 'datasets') or hasattr(dataset, 'dataset'):
            return None
        else:
            break
    if indices is None:
        indices = np.arange(len(dataset))
    key = (type(dataset).__name__, ) + tuple(
        str(getattr(dataset, attr, None)) for attr in _SOURCE_ATTRS)
    return key, np.unique(indices)


def check_disjoint(train, other, name: str) -> None:
    """Refuse an evaluation split that shares samples with the training set.

    Args:
        train: The training dataset.
        other: A validation or test dataset.
        name (str): How to call ``other`` in the message, e.g.
            ``'val_dataloader.dataset'``.

    Raises:
        ValueError: Both read the same base dataset and share samples; the
            message counts them and names the seeds to keep equal.
    """
    a, b = source_indices(train), source_indices(other)
    if a is None or b is None or a[0] != b[0]:
        return
    shared = np.intersect1d(a[1], b[1])
    if shared.size:
        raise ValueError(
            f'{shared.size} of the {b[1].size} samples of {name} are also '
            f'in train_dataloader.dataset (both read {a[0][0]} at '
            f'{a[0][1]}): the held-out split and the training complement '
            'must be carved with the same fraction and seed '
            '(mmdlkd.RandomSubset(..., complement=True) for training). '
            'Change both together, or neither.')
