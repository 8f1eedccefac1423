"""Supervised (label-aware InfoNCE) distillation loss (DLKD, eq. 7)."""
from typing import List, Optional, Tuple

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmdlkd.registry import MODELS
from .utils import (check_dims, full_precision, gather_rows, resize_labels,
                    upcast, zero_loss)


def supcon_anchor_losses(anchors: Tensor,
                         anchor_labels: Tensor,
                         samples: Tensor,
                         sample_labels: Tensor,
                         valid: Tensor,
                         tau: float,
                         exclude_self: bool = False) -> Tuple[Tensor, Tensor]:
    """Per-anchor supervised-contrastive losses over the valid rows.

    For anchor ``i``:
    ``-1/|P(i)| sum_{j in P(i)} log softmax_k(z_i.z_k / tau)_j`` over the
    valid samples ``k`` (minus ``i`` itself if ``exclude_self``), with
    ``P(i)`` the valid samples with the anchor's label. Invalid rows are
    neither anchors nor contrasted samples. Masks instead of indexing, so
    there is no host-device synchronisation.

    Args:
        anchors (Tensor): Unit anchor rows ``[A, D]``.
        anchor_labels (Tensor): ``[A]``.
        samples (Tensor): Unit sample rows ``[A, D]``, row-aligned with the
            anchors.
        sample_labels (Tensor): ``[A]``.
        valid (Tensor): ``[A]`` booleans; masks anchors and samples alike.
        tau (float): Temperature.
        exclude_self (bool): Anchors are the samples; drop the diagonal.
            Defaults to False.

    Returns:
        tuple[Tensor, Tensor]: The loss of every anchor ``[A]`` and whether
        it counts ``[A]`` (valid, with at least one positive).
    """
    return supcon_logit_losses(anchors @ samples.t() / tau, anchor_labels,
                               sample_labels, valid, exclude_self)


def supcon_logit_losses(logits: Tensor,
                        anchor_labels: Tensor,
                        sample_labels: Tensor,
                        valid: Tensor,
                        exclude_self: bool = False) -> Tuple[Tensor, Tensor]:
    """:func:`supcon_anchor_losses` from the logits ``[..., A, A]`` (anchor
    rows, sample columns, already divided by the temperature), for any
    number of logit matrices that share the labels and the valid rows.

    Args:
        logits (Tensor): ``[..., A, A]``.
        anchor_labels (Tensor): ``[A]``.
        sample_labels (Tensor): ``[A]``.
        valid (Tensor): ``[A]`` booleans.
        exclude_self (bool): Drop the diagonal. Defaults to False.

    Returns:
        tuple[Tensor, Tensor]: The loss of every anchor ``[..., A]`` and
        whether it counts ``[A]``.
    """
    drop = ~valid[None, :].expand(logits.shape[-2:])
    pos = (anchor_labels[:, None] == sample_labels[None, :]) & ~drop
    if exclude_self:
        eye = torch.eye(
            logits.shape[-1], dtype=torch.bool, device=logits.device)
        drop = drop | eye
        pos = pos & ~eye
    logits = logits.masked_fill(drop, torch.finfo(logits.dtype).min)
    log_prob = logits - torch.logsumexp(logits, dim=-1, keepdim=True)
    num_pos = pos.sum(dim=1)
    counted = valid & (num_pos > 0)
    losses = -log_prob.masked_fill(~pos, 0.).sum(dim=-1) / num_pos.clamp(min=1)
    return losses, counted


def supcon_terms(anchors: Tensor,
                 anchor_labels: Tensor,
                 samples: Tensor,
                 sample_labels: Tensor,
                 tau: float,
                 exclude_self: bool = False) -> Optional[Tensor]:
    """The losses of the anchors that have a positive, all rows valid.

    Args:
        anchors (Tensor): See :func:`supcon_anchor_losses`.
        anchor_labels (Tensor): See :func:`supcon_anchor_losses`.
        samples (Tensor): See :func:`supcon_anchor_losses`.
        sample_labels (Tensor): See :func:`supcon_anchor_losses`.
        tau (float): Temperature.
        exclude_self (bool): Drop the diagonal. Defaults to False.

    Returns:
        Tensor | None: The counted anchors' losses, or None if none counts.
    """
    valid = torch.ones(
        anchors.shape[0], dtype=torch.bool, device=anchors.device)
    losses, counted = supcon_anchor_losses(anchors, anchor_labels, samples,
                                           sample_labels, valid, tau,
                                           exclude_self)
    if not bool(counted.any()):
        return None
    return losses[counted]


def _mean_over_counted(parts: List[Tuple[Tensor, Tensor]]) -> Tensor:
    """The mean over the directions that count an anchor of each
    direction's mean anchor loss."""
    means, found = [], []
    for losses, counted in parts:
        count = counted.sum()
        means.append(
            torch.where(counted, losses, 0.).sum() / count.clamp(min=1))
        found.append((count > 0).to(losses.dtype))
    return sum(m * f for m, f in zip(means, found)) / sum(found).clamp(min=1)


def valid_subset(valid: Tensor, num: int) -> Tensor:
    """Indices of ``num`` rows, a uniform random subset of the valid ones.

    The ``num`` largest of i.i.d. uniform scores, with the invalid rows
    scored below every valid one: all picks are valid when at least ``num``
    rows are, else every valid row is picked (plus invalid ones, which the
    caller masks). No host-device synchronisation (no compaction of the
    valid rows). Uses the torch RNG.
    """
    scores = torch.rand(valid.shape[0], device=valid.device)
    return scores.masked_fill(~valid, -1.).topk(num, sorted=False).indices


@MODELS.register_module()
class SupConDistillLoss(nn.Module):
    r"""Label-aware InfoNCE between student and teacher embeddings.

    Both embeddings (already projected, e.g. by
    :class:`~mmdlkd.models.connectors.LinearConnector`) are L2-normalised
    here. For an anchor :math:`z_i` with positives :math:`P(i)` (same label)
    among the contrasted samples :math:`K(i)`:

    .. math::
        \ell_i = -\frac{1}{|P(i)|} \sum_{j \in P(i)}
        \log \frac{\exp(z_i \cdot z_j / \tau)}
        {\sum_{k \in K(i)} \exp(z_i \cdot z_k / \tau)}

    - ``mode='cross'`` (paper, eq. 7 text): teacher anchors against all
      student samples and student anchors against all teacher samples;
      the loss is the mean of the two directions, each averaged over its
      anchors. The other network's embedding of the same sample is a
      positive (it is not "self"), so every anchor has a positive.
    - ``mode='union'`` (authors' code, SupCon over the ``2M`` rows of
      student and teacher): every row is an anchor against the other
      ``2M - 1`` rows, self excluded; eq. 7's ``C = 2 N_y - 1`` is this
      positive count. With ``tau = 0.07`` this equals the authors' loss
      (their ``tau / base_tau`` factor is 1).

    Anchors without a positive are left out of the mean; if no anchor has
    one (or no valid sample is left), 0 is returned, still connected to the
    graph. ``t_feat`` is **not** detached: the teacher-side projection is
    trainable (the distiller detaches the raw teacher feature before it).

    Maps ``[M, D, H, W]``: labels ``[M, H', W']`` are resized with nearest
    to ``(H, W)``, pixels labelled ``ignore_index`` are dropped (class
    labels of vectors are never ignored), and at most
    ``max_samples`` random pixels (torch RNG, the same pixels for student
    and teacher; a uniform subset of the valid ones, drawn without a
    host-device synchronisation, see :func:`valid_subset`) are used. A
    teacher map of another size is bilinearly resized to the student's. The
    computation runs in float32 even under fp16/bf16 autocast.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        tau (float): Temperature. Defaults to 0.07 (paper).
        mode (str): ``'cross'`` or ``'union'``. Defaults to 'cross' (the
            paper's formulation).
        ignore_index (int): Pixel label to drop (maps only: class labels
            of ``[M]`` vectors are all kept, class 255 included).
            Defaults to 255.
        max_samples (int, optional): Most samples (pixels) used per call,
            drawn at random. Defaults to 2048 (a ``4096 x 4096`` logit
            matrix in union mode, 64 MiB).
        gather (bool): Contrast over the samples of all processes
            (gradients reach the local rows). Sampling happens before the
            gather, per process. Defaults to False.
        eps (float): Epsilon of the L2 normalisation. Defaults to 1e-12.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 tau: float = 0.07,
                 mode: str = 'cross',
                 ignore_index: int = 255,
                 max_samples: Optional[int] = 2048,
                 gather: bool = False,
                 eps: float = 1e-12) -> None:
        super().__init__()
        if mode not in ('cross', 'union'):
            raise ValueError(f"mode must be 'cross' or 'union', got {mode!r}")
        if tau <= 0:
            raise ValueError(f'tau must be positive, got {tau}')
        if max_samples is not None and max_samples < 1:
            raise ValueError(f'max_samples must be positive, got '
                             f'{max_samples}')
        self.loss_weight = float(loss_weight)
        self.tau = float(tau)
        self.mode = mode
        self.ignore_index = ignore_index
        self.max_samples = max_samples
        self.gather = gather
        self.eps = eps

    @staticmethod
    def _gather(s: Tensor, t: Tensor, labels: Tensor, keep: Tensor) -> tuple:
        """The rows of all processes, each padded with rows that ``keep``
        leaves out up to the largest count (counts may differ)."""
        if not (dist.is_available() and dist.is_initialized()) or \
                dist.get_world_size() == 1:
            return s, t, labels, keep
        count = torch.tensor([labels.shape[0]], device=labels.device)
        dist.all_reduce(count, op=dist.ReduceOp.MAX)
        if int(count) == 0:
            return s, t, labels, keep
        pad = int(count) - labels.shape[0]
        if pad:
            s = torch.cat([s, s.new_zeros(pad, s.shape[1])])
            t = torch.cat([t, t.new_zeros(pad, t.shape[1])])
            labels = torch.cat([labels, labels.new_zeros(pad)])
            keep = torch.cat([keep, keep.new_zeros(pad)])
        return (gather_rows(s), gather_rows(t), gather_rows(labels),
                gather_rows(keep.to(torch.uint8)).bool())

    def _masked_loss(self, s: Tensor, t: Tensor, labels: Tensor,
                     keep: Tensor) -> Tensor:
        """The unweighted loss over the rows that ``keep`` marks (masked,
        not dropped: no host-device synchronisation)."""
        s = F.normalize(s, dim=1, eps=self.eps)
        t = F.normalize(t, dim=1, eps=self.eps)
        if self.mode == 'cross':
            # teacher anchors vs student samples and the reverse: the logits
            # are transposes, the masks and counted anchors are shared, so
            # the mean of the two directions' means is one masked mean
            logits = t @ s.t() / self.tau
            losses, counted = supcon_logit_losses(
                torch.stack([logits, logits.t()]), labels, labels, keep)
            return torch.where(counted, losses,
                               0.).sum() / (2 * counted.sum().clamp(min=1))
        z = torch.cat([s, t], dim=0)
        z_labels = torch.cat([labels, labels], dim=0)
        return _mean_over_counted([
            supcon_anchor_losses(z, z_labels, z, z_labels,
                                 torch.cat([keep, keep]), self.tau, True)
        ])

    def forward(self, s_feat: Tensor, t_feat: Tensor,
                labels: Tensor) -> Tensor:
        """Compute the weighted supervised distillation loss.

        Args:
            s_feat (Tensor): Student embedding ``[M, D]`` or
                ``[M, D, H, W]``.
            t_feat (Tensor): Teacher embedding, same layout and ``D``.
            labels (Tensor): ``[M]`` or ``[M, H', W']`` integer labels.

        Returns:
            Tensor: Scalar loss, multiplied by ``loss_weight``.
        """
        check_dims('s_feat', s_feat, (2, 4))
        check_dims('t_feat', t_feat, (s_feat.dim(), ))
        check_dims('labels', labels, (s_feat.dim() - 1, ))
        if s_feat.shape[:2] != t_feat.shape[:2] or \
                labels.shape[0] != s_feat.shape[0]:
            raise ValueError('s_feat, t_feat and labels must agree in batch '
                             'size and embedding dim, got '
                             f'{tuple(s_feat.shape)}, {tuple(t_feat.shape)}, '
                             f'{tuple(labels.shape)}')
        with full_precision(s_feat):
            s, t = upcast(s_feat), upcast(t_feat)
            labels = labels.to(s.device)
            if s.dim() == 4:
                if t.shape[-2:] != s.shape[-2:]:
                    t = F.interpolate(
                        t,
                        size=s.shape[-2:],
                        mode='bilinear',
                        align_corners=False)
                labels = resize_labels(labels, s.shape[-2:])
                s = s.permute(0, 2, 3, 1).flatten(0, 2)
                t = t.permute(0, 2, 3, 1).flatten(0, 2)
                labels = labels.flatten()
                keep = labels != self.ignore_index
            else:
                # class labels: every value is a class (ImageNet has a
                # class 255), none is ignored
                keep = torch.ones_like(labels, dtype=torch.bool)
            if (self.max_samples is not None
                    and labels.shape[0] > self.max_samples):
                idx = valid_subset(keep, self.max_samples)
                s, t, labels, keep = s[idx], t[idx], labels[idx], keep[idx]
            if self.gather:
                s, t, labels, keep = self._gather(s, t, labels, keep)
            if labels.numel() == 0:
                return zero_loss(s_feat, t_feat)
            return self._masked_loss(s, t, labels, keep) * self.loss_weight
