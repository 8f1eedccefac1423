"""``mmdlkd.KNNAccuracy``: k-NN top-1/top-5 inside a test or val loop.

The bank features are computed by mmpretrain's ``ImageToImageRetriever``,
whose ``prototype`` is the training set (a dataloader config, in dataset
order); its ``predict`` stores in ``pred_score`` the cosine similarity of
each val image to every bank item. This metric turns those similarities into
the weighted k-NN vote of :func:`mmdlkd.evaluation.knn_vote` with the bank
labels read from the same training set.

Example config::

    model = dict(
        type='ImageToImageRetriever',
        image_encoder=[backbone, dict(type='GlobalAveragePooling')],
        head=dict(type='LinearClsHead', num_classes=10, in_channels=128),
        prototype=dict(  # the bank: train set, test pipeline, no shuffle
            batch_size=64, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=train_set_with_test_pipeline),
        similarity_fn='cosine_similarity', topk=-1)
    test_evaluator = dict(type='mmdlkd.KNNAccuracy',
                          bank=train_set_with_test_pipeline, k=10)
"""
from typing import Optional, Sequence, Union

import torch
from mmengine.evaluator import BaseMetric
from torch.utils.data import Dataset

from mmdlkd.registry import DATASETS, METRICS
from .knn import knn_vote


@METRICS.register_module()
class KNNAccuracy(BaseMetric):
    """Weighted k-NN accuracy from similarities to a labelled bank.

    Args:
        bank (dict | Dataset, optional): The bank dataset (the retriever's
            ``prototype`` dataset, in the same order); its labels come from
            ``get_gt_labels()``. Defaults to None.
        bank_labels (Sequence[int], optional): The bank labels directly
            (instead of ``bank``). Defaults to None.
        k (int): Number of neighbours. Defaults to 10.
        temperature (float, optional): Vote weight ``exp(s / T)``; None for
            a majority vote. Defaults to 0.07.
        num_classes (int, optional): Defaults to the largest bank label + 1.
        topk (Sequence[int]): Reported ranks. Defaults to (1, 5).
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str): Metric name prefix. Defaults to ``'knn'``.
    """
    default_prefix = 'knn'

    def __init__(self,
                 bank: Optional[Union[dict, Dataset]] = None,
                 bank_labels: Optional[Sequence[int]] = None,
                 k: int = 10,
                 temperature: Optional[float] = 0.07,
                 num_classes: Optional[int] = None,
                 topk: Sequence[int] = (1, 5),
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if (bank is None) == (bank_labels is None):
            raise ValueError('KNNAccuracy needs exactly one of `bank` and '
                             '`bank_labels`')
        self.bank = bank
        self._labels = (None if bank_labels is None else
                        torch.as_tensor(bank_labels).long())
        self.k = k
        self.temperature = temperature
        self.num_classes = num_classes
        self.topk = tuple(topk)

    @property
    def bank_labels(self) -> torch.Tensor:
        """torch.Tensor: The bank labels (the bank is built on first use)."""
        if self._labels is None:
            bank = self.bank
            if isinstance(bank, dict):
                bank = DATASETS.build(bank)
            self._labels = torch.as_tensor(bank.get_gt_labels()).long()
        return self._labels

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Vote for each sample and keep its ranked classes and label.

        Args:
            data_batch: Unused.
            data_samples (Sequence[dict]): Outputs with ``pred_score`` (the
                similarities to the bank) and ``gt_label``.
        """
        labels = self.bank_labels
        num_classes = self.num_classes or int(labels.max()) + 1
        for sample in data_samples:
            sim = torch.as_tensor(sample['pred_score']).float().cpu()
            if sim.numel() != labels.numel():
                raise ValueError(
                    f'KNNAccuracy: {sim.numel()} similarities for a bank of '
                    f'{labels.numel()} labels; is the retriever prototype '
                    'the bank dataset?')
            scores = knn_vote(sim[None], labels, num_classes, self.k,
                              self.temperature)[0]
            ranked = scores.argsort(descending=True, stable=True)
            rank = min(max(self.topk), num_classes)
            self.results.append(
                (ranked[:rank], int(torch.as_tensor(sample['gt_label'])[0])))

    def compute_metrics(self, results: list) -> dict:
        """Top-k accuracy (%) over all processed samples.

        Args:
            results (list): ``(ranked classes, label)`` per sample.

        Returns:
            dict: ``{'top1': float, 'top5': float}`` (ranks above the number
            of classes are skipped).
        """
        metrics = {}
        for k in self.topk:
            if k > results[0][0].numel():
                continue
            hits = [
                int(label in ranked[:k].tolist()) for ranked, label in results
            ]
            metrics[f'top{k}'] = 100.0 * sum(hits) / len(hits)
        return metrics
