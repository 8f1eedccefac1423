"""Size the memory banks of CRD losses from the training set."""
from typing import List, Optional, Tuple

import numpy as np
from mmengine.hooks import Hook

from mmdlkd.datasets.checks import unwrap
from mmdlkd.models.losses import CRDLoss
from mmdlkd.registry import HOOKS


def _datasets(dataset) -> List[object]:
    """``dataset`` and every dataset inside it (``.dataset``,
    ``.datasets``)."""
    found, stack = [], [dataset]
    while stack:
        ds = stack.pop()
        found.append(ds)
        parts = getattr(ds, 'datasets', None)
        if isinstance(parts, (list, tuple)):
            stack.extend(parts)
        inner = getattr(ds, 'dataset', None)
        if inner is not None and inner is not ds and hasattr(inner, '__len__'):
            stack.append(inner)
    return found


def training_samples(dataset) -> Tuple[np.ndarray, np.ndarray]:
    """The dataset indices and labels of the samples a training set yields.

    The indices are the ``sample_idx`` that ``get_data_info`` gives each
    sample, the same the pipeline's ``PackInputs`` packs: through
    ``mmdlkd.RandomSubset`` (nested or not) and mmengine's
    ``RepeatDataset`` / ``ClassBalancedDataset``, the index in the
    innermost dataset (e.g. 0..59,999 for Fashion-MNIST while a 10 %
    subset trains on 5,500 of them). A sample that a wrapper yields more
    than once has one entry.

    Args:
        dataset: The training dataset.

    Returns:
        tuple[ndarray, ndarray]: Sorted unique int64 indices and their
        class ids (the first of ``gt_label``; ``-1`` without one).

    Raises:
        ValueError: A concatenation of datasets (their ``sample_idx``
            collide), a sample without ``sample_idx``, one index with two
            labels.
        TypeError: A dataset without ``get_data_info``.
    """
    for ds in _datasets(dataset):
        if isinstance(getattr(ds, 'datasets', None), (list, tuple)):
            raise ValueError(
                f'CRD cannot train on a {type(ds).__name__}: each of its '
                'datasets numbers its samples from 0, so sample_idx does '
                'not tell them apart; merge them into one dataset '
                '(one annotation list)')
    if not hasattr(dataset, 'get_data_info'):
        raise TypeError(
            f'CRD needs get_data_info of the training dataset '
            f'({type(dataset).__name__}) to find the samples\' sample_idx; '
            'use an mmengine BaseDataset or mmdlkd.RandomSubset')
    num = len(dataset)
    ids = np.empty(num, np.int64)
    labels = np.full(num, -1, np.int64)
    for i in range(num):
        info = dataset.get_data_info(i)
        if 'sample_idx' not in info:
            raise ValueError(f'sample {i} of the training dataset '
                             f'({type(dataset).__name__}) has no sample_idx')
        ids[i] = int(info['sample_idx'])
        label = np.asarray(info.get('gt_label', -1)).flatten()
        if label.size:
            labels[i] = int(label[0])
    order = np.argsort(ids, kind='stable')
    ids, labels = ids[order], labels[order]
    first = np.ones(num, bool)
    first[1:] = ids[1:] != ids[:-1]
    # repeated samples (RepeatDataset, ClassBalancedDataset) share a row
    group_label = labels[first][np.cumsum(first) - 1]
    clash = np.flatnonzero(group_label != labels)
    if clash.size:
        raise ValueError(
            f'sample_idx {ids[clash[:8]].tolist()} of the training dataset '
            'come with different labels')
    return ids[first], labels[first]


def repeated_negatives(num_negatives: int, mode: str,
                       labels: np.ndarray) -> Optional[str]:
    """Why ``num_negatives`` draws per sample must repeat bank rows on this
    training set, or None when they need not.

    ``'other_classes'``: some class has fewer samples of the other classes
    than ``num_negatives`` (RepDistiller then draws with replacement).
    ``'uniform'``: more negatives than training samples.

    Args:
        num_negatives (int): ``K``.
        mode (str): ``'other_classes'`` or ``'uniform'``.
        labels (np.ndarray): The class of each training sample (bank row).

    Returns:
        str, optional: The pool size, the draws per row and ``K / n_data``.
    """
    n = len(labels)
    if mode == 'other_classes':
        pool = n - int(np.unique(labels, return_counts=True)[1].max())
        what = 'samples of the other classes'
    else:
        pool, what = n, 'training samples'
    if num_negatives <= pool:
        return None
    return (f'{num_negatives} negatives per sample, but the smallest pool is '
            f'{pool} {what}: each is drawn about '
            f'{num_negatives / pool:.1f} times per sample, and the NCE '
            f'noise ratio K / n_data is {num_negatives / n:.2f} '
            '(RepDistiller\'s CIFAR-100 recipe: 16384 / 50000 = 0.33)')


@HOOKS.register_module()
class CRDMemoryHook(Hook):
    """Hand each :class:`~mmdlkd.models.losses.CRDLoss` of the model the
    training set's samples before training.

    ``before_train`` (after a resumed or loaded checkpoint is in place)
    finds the training samples' dataset indices and labels
    (:func:`training_samples`) and sizes the memory banks to them
    (``n_data`` rows each, see :class:`~mmdlkd.models.losses.CRDMemory`),
    or, when the banks came from the checkpoint, checks that they cover
    the same samples. ``'other_classes'`` negatives are checked to have
    the labels they need. Without this hook a ``CRDLoss`` refuses to run.

    Example:
        >>> custom_hooks = [dict(type='mmdlkd.CRDMemoryHook')]
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        """Set up (or check) the banks of every CRD loss."""
        model = unwrap(runner.model)
        losses = [(name, m) for name, m in model.named_modules()
                  if isinstance(m, CRDLoss)]
        if not losses:
            runner.logger.warning('CRDMemoryHook: the model has no CRDLoss; '
                                  'nothing to set up')
            return
        dataset = runner.train_dataloader.dataset
        ids, labels = training_samples(dataset)
        for name, loss in losses:
            where = f'{name} ({type(loss).__name__})'
            fresh = loss.memory.setup(ids, labels, where)
            if loss.negatives == 'other_classes':
                loss.memory.class_index()
            runner.logger.info(
                f'{where}: memory banks of {len(ids)} training samples x '
                f'{loss.memory.feat_dim} x 2 '
                f'({"initialised" if fresh else "from the checkpoint"}), '
                f'{loss.num_negatives} {loss.negatives} negatives')
            repeated = repeated_negatives(loss.num_negatives, loss.negatives,
                                          labels)
            if repeated:
                runner.logger.warning(
                    f'{where}: {repeated}; on a training set this small '
                    'a smaller num_negatives keeps the draws distinct '
                    '(docs/losses.md, CRD)')
