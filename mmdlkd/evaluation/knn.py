"""Weighted k-nearest-neighbour classification on frozen features.

The protocol of InstDisc (Wu et al., CVPR 2018), used by SEED and by the
paper's self-supervised tables (k = 10): features of the query and of the
bank (the training set) are L2-normalised; the ``k`` bank items with the
highest cosine similarity ``s_j`` vote for their label with weight
``exp(s_j / T)`` (``T = 0.07``); the class score is the sum of the weights
of its voters and the prediction is the class with the largest score (ties:
the lowest class index). ``temperature=None`` gives an unweighted majority
vote. Top-5 ranks the same class scores.
"""
from typing import Dict, Optional, Sequence, Union

import torch
import torch.nn.functional as F

ArrayLike = Union[torch.Tensor, Sequence]
DEFAULT_TOPK = (1, 5)


def knn_vote(similarity: torch.Tensor,
             bank_labels: torch.Tensor,
             num_classes: int,
             k: int = 10,
             temperature: Optional[float] = 0.07) -> torch.Tensor:
    """Class scores from the similarities of queries to the bank.

    Args:
        similarity (torch.Tensor): (Q, N) similarities to the N bank items.
        bank_labels (torch.Tensor): (N,) integer labels of the bank.
        num_classes (int): Number of classes.
        k (int): Number of neighbours. Defaults to 10.
        temperature (float, optional): Weight ``exp(s / T)``; None gives
            every neighbour weight 1. Defaults to 0.07.

    Returns:
        torch.Tensor: (Q, num_classes) class scores.
    """
    k = min(k, similarity.shape[1])
    top_sim, top_idx = similarity.topk(k, dim=1)
    labels = torch.as_tensor(bank_labels, device=similarity.device).long()
    top_labels = labels[top_idx]
    if temperature is None:
        weights = torch.ones_like(top_sim)
    else:
        weights = (top_sim / temperature).exp()
    scores = torch.zeros(
        similarity.shape[0],
        num_classes,
        dtype=weights.dtype,
        device=similarity.device)
    return scores.scatter_add_(1, top_labels, weights)


def knn_classify(queries: torch.Tensor,
                 bank: torch.Tensor,
                 bank_labels: ArrayLike,
                 num_classes: Optional[int] = None,
                 k: int = 10,
                 temperature: Optional[float] = 0.07,
                 chunk_size: int = 1024) -> torch.Tensor:
    """Class scores of queries by cosine k-NN against a feature bank.

    Args:
        queries (torch.Tensor): (Q, D) query features.
        bank (torch.Tensor): (N, D) bank features.
        bank_labels (ArrayLike): (N,) integer labels of the bank.
        num_classes (int, optional): Number of classes; defaults to
            ``max(bank_labels) + 1``.
        k (int): Number of neighbours. Defaults to 10.
        temperature (float, optional): See :func:`knn_vote`.
            Defaults to 0.07.
        chunk_size (int): Queries per similarity block. Defaults to 1024.

    Returns:
        torch.Tensor: (Q, num_classes) class scores.
    """
    bank_labels = torch.as_tensor(bank_labels).long()
    if num_classes is None:
        num_classes = int(bank_labels.max()) + 1
    bank = F.normalize(bank.float().flatten(1), dim=1)
    queries = F.normalize(queries.float().flatten(1), dim=1)
    scores = [
        knn_vote(chunk @ bank.T, bank_labels, num_classes, k, temperature)
        for chunk in queries.split(chunk_size)
    ]
    return torch.cat(scores)


def topk_accuracy(scores: torch.Tensor,
                  labels: ArrayLike,
                  topk: Sequence[int] = (1, 5)) -> dict:
    """Top-k accuracy (%) of class scores.

    Args:
        scores (torch.Tensor): (Q, C) class scores.
        labels (ArrayLike): (Q,) true labels.
        topk (Sequence[int]): The k values; those above C are skipped.
            Defaults to (1, 5).

    Returns:
        dict: ``{'top1': float, 'top5': float, ...}``.
    """
    labels = torch.as_tensor(labels).long().to(scores.device)
    out = {}
    for k in topk:
        if k > scores.shape[1]:
            continue
        if k == 1:
            # argmax returns the first maximum: ties go to the lowest class.
            hit = scores.argmax(dim=1) == labels
        else:
            hit = (scores.topk(k, dim=1).indices == labels[:, None]).any(1)
        out[f'top{k}'] = 100.0 * hit.float().mean().item()
    return out


def knn_accuracy(queries: torch.Tensor,
                 query_labels: ArrayLike,
                 bank: torch.Tensor,
                 bank_labels: ArrayLike,
                 k: int = 10,
                 temperature: Optional[float] = 0.07,
                 num_classes: Optional[int] = None,
                 topk: Sequence[int] = DEFAULT_TOPK) -> Dict[str, float]:
    """Top-k accuracy (%) of the weighted k-NN classifier.

    Args:
        queries (torch.Tensor): (Q, D) features to classify (val set).
        query_labels (ArrayLike): (Q,) their labels.
        bank (torch.Tensor): (N, D) bank features (train set).
        bank_labels (ArrayLike): (N,) bank labels.
        k (int): Number of neighbours. Defaults to 10.
        temperature (float, optional): See :func:`knn_vote`.
            Defaults to 0.07.
        num_classes (int, optional): Defaults to the largest label + 1.
        topk (Sequence[int]): Reported ranks. Defaults to (1, 5).

    Returns:
        dict: ``{'top1': float, 'top5': float}`` in percent.
    """
    if num_classes is None:
        num_classes = int(
            max(
                torch.as_tensor(bank_labels).max(),
                torch.as_tensor(query_labels).max())) + 1
    scores = knn_classify(queries, bank, bank_labels, num_classes, k,
                          temperature)
    return topk_accuracy(scores, query_labels, topk)
