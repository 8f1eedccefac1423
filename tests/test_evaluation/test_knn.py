import math

import pytest
import torch

from mmdlkd.evaluation import (knn_accuracy, knn_classify, knn_vote,
                               topk_accuracy)


def _clusters(n_per_class=20, num_classes=4, dim=8, seed=0):
    gen = torch.Generator().manual_seed(seed)
    centres = torch.eye(dim)[:num_classes] * 5
    feats = centres.repeat_interleave(n_per_class, 0) + 0.3 * torch.randn(
        n_per_class * num_classes, dim, generator=gen)
    labels = torch.arange(num_classes).repeat_interleave(n_per_class)
    return feats, labels


def test_separable_features_give_100():
    bank, bank_labels = _clusters(seed=0)
    queries, labels = _clusters(n_per_class=5, seed=1)
    result = knn_accuracy(queries, labels, bank, bank_labels, k=10)
    assert result == {'top1': 100.0}  # 4 classes: no top-5
    result = knn_accuracy(
        queries, labels, bank, bank_labels, k=10, num_classes=6)
    assert result == {'top1': 100.0, 'top5': 100.0}


def test_hand_checked_weighted_vs_majority_vote():
    # cosine similarities of the query (1, 0) to the bank: 1, 0.8, 0, -1
    bank = torch.tensor([[1., 0.], [0.8, 0.6], [0., 1.], [-1., 0.]])
    bank_labels = torch.tensor([0, 1, 1, 2])
    query = torch.tensor([[2., 0.]])
    # majority among the 3 nearest (labels 0, 1, 1): class 1
    majority = knn_classify(query, bank, bank_labels, 3, k=3, temperature=None)
    assert majority.tolist() == [[1.0, 2.0, 0.0]]
    # weights exp(s / 0.07): class 0 gets e^(1/0.07) > e^(0.8/0.07) + e^0
    weighted = knn_classify(query, bank, bank_labels, 3, k=3)
    expected = [math.exp(1 / 0.07), math.exp(0.8 / 0.07) + 1.0, 0.0]
    assert weighted[0].tolist() == pytest.approx(expected, rel=1e-5)
    assert topk_accuracy(weighted, [0], (1, ))['top1'] == 100.0
    assert topk_accuracy(majority, [0], (1, ))['top1'] == 0.0
    # k larger than the bank uses the whole bank
    assert knn_vote(
        torch.tensor([[0.5, 0.1]]),
        torch.tensor([1, 0]),
        2,
        k=10,
        temperature=None).tolist() == [[1.0, 1.0]]


def test_ties_go_to_lowest_class():
    scores = torch.tensor([[1.0, 1.0, 0.0]])
    assert topk_accuracy(scores, [0], (1, ))['top1'] == 100.0
    assert topk_accuracy(scores, [1], (1, ))['top1'] == 0.0
