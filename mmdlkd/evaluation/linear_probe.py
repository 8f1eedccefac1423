"""Linear probe: a linear classifier trained on frozen, cached features.

The paper's protocol (Sec. VI-D, after SEED/MoCo): SGD with momentum 0.9,
100 epochs, weight decay 0, learning rate 30 decayed x0.1 at epochs 60 and
80; Table X applies linear classifiers to STL-10 / Tiny-ImageNet features
(32x32 images). Here features are extracted once (no augmentation during
the probe, unlike SEED's ImageNet protocol), which is the usual choice for
small transfer sets.
"""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.utils import ProgressBar
from torch import nn

from .knn import topk_accuracy


def _normalize(feats: torch.Tensor, mode: Optional[str],
               stats: Optional[tuple]) -> tuple:
    """Apply the feature normalisation; stats come from the train set."""
    feats = feats.float().flatten(1)
    if mode is None or mode == 'none':
        return feats, None
    if mode == 'l2':
        return F.normalize(feats, dim=1), None
    if mode == 'standardize':
        if stats is None:
            stats = (feats.mean(0), feats.std(0).clamp_min(1e-6))
        return (feats - stats[0]) / stats[1], stats
    raise ValueError(f"normalize must be None, 'l2' or 'standardize', got "
                     f'{mode!r}')


def train_linear_probe(train_feats: torch.Tensor,
                       train_labels: torch.Tensor,
                       val_feats: torch.Tensor,
                       val_labels: torch.Tensor,
                       num_classes: Optional[int] = None,
                       epochs: int = 100,
                       lr: float = 30.0,
                       milestones: Sequence[int] = (60, 80),
                       gamma: float = 0.1,
                       momentum: float = 0.9,
                       weight_decay: float = 0.0,
                       batch_size: int = 256,
                       normalize: Optional[str] = None,
                       seed: int = 0,
                       progress: bool = False) -> dict:
    """Train a linear classifier on frozen features and evaluate it.

    Args:
        train_feats (torch.Tensor): (N, D) training features.
        train_labels (torch.Tensor): (N,) training labels.
        val_feats (torch.Tensor): (M, D) evaluation features.
        val_labels (torch.Tensor): (M,) evaluation labels.
        num_classes (int, optional): Defaults to the largest label + 1.
        epochs (int): Training epochs. Defaults to 100.
        lr (float): Initial learning rate. Defaults to 30.0.
        milestones (Sequence[int]): Epochs of the x ``gamma`` decays.
            Defaults to (60, 80).
        gamma (float): Decay factor. Defaults to 0.1.
        momentum (float): SGD momentum. Defaults to 0.9.
        weight_decay (float): Weight decay. Defaults to 0.0.
        batch_size (int): Mini-batch size. Defaults to 256.
        normalize (str, optional): Feature normalisation, None, ``'l2'`` or
            ``'standardize'`` (train-set mean/std). Defaults to None.
        seed (int): Seed of the initialisation and shuffling.
            Defaults to 0.
        progress (bool): Show a progress bar over epochs. Defaults to False.

    Returns:
        dict: ``top1``/``top5`` (%) on the evaluation features, ``train_top1``
        and ``history`` (per-epoch mean training loss).
    """
    train_labels = torch.as_tensor(train_labels).long()
    val_labels = torch.as_tensor(val_labels).long()
    if num_classes is None:
        num_classes = int(max(train_labels.max(), val_labels.max())) + 1
    train_x, stats = _normalize(train_feats, normalize, None)
    val_x, _ = _normalize(val_feats, normalize, stats)
    gen = torch.Generator().manual_seed(seed)
    classifier = nn.Linear(train_x.shape[1], num_classes)
    with torch.no_grad():
        classifier.weight.normal_(0, 0.01, generator=gen)
        classifier.bias.zero_()
    optimizer = torch.optim.SGD(
        classifier.parameters(),
        lr=lr,
        momentum=momentum,
        weight_decay=weight_decay)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(
        optimizer, milestones=list(milestones), gamma=gamma)
    history = []
    bar = ProgressBar(epochs) if progress else None
    for _ in range(epochs):
        order = torch.randperm(len(train_x), generator=gen)
        total = 0.0
        for idx in order.split(batch_size):
            loss = F.cross_entropy(classifier(train_x[idx]), train_labels[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        scheduler.step()
        history.append(total / len(train_x))
        if bar is not None:
            bar.update()
    with torch.no_grad():
        result = topk_accuracy(classifier(val_x), val_labels)
        result['train_top1'] = topk_accuracy(
            classifier(train_x), train_labels, (1, ))['top1']
    result['history'] = history
    return result
