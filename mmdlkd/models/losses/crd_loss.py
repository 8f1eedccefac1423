"""Contrastive representation distillation (Tian et al., ICLR 2020), with
memory banks of both networks over the training set, as RepDistiller runs
it."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmdlkd.registry import MODELS
from .crd_memory import NEGATIVE_MODES, CRDMemory, mean_over_ranks
from .utils import check_dims, full_precision, upcast


def nce_loss(p: Tensor, n_data: int, eps: float = 1e-7) -> Tensor:
    r"""CRD's NCE objective of one anchor side (RepDistiller's
    ``ContrastLoss``, paper eq. 18).

    With ``K`` negatives, noise distribution ``P_n = 1 / n_data``:

    .. math::
        \mathcal{L} = -\frac{1}{B} \sum_b \Big[
        \log \frac{p_{b0}}{p_{b0} + K P_n + \epsilon}
        + \sum_{k=1}^{K} \log \frac{K P_n}{p_{bk} + K P_n + \epsilon}
        \Big]

    Args:
        p (Tensor): ``[B, K + 1]`` probabilities ``exp(score / tau) / Z``,
            column 0 the positive.
        n_data (int): The size of the training set.
        eps (float): Defaults to 1e-7 (RepDistiller's).

    Returns:
        Tensor: Scalar loss.
    """
    k = p.shape[1] - 1
    mpn = k / float(n_data)
    log_d1 = torch.log(p[:, 0] / (p[:, 0] + mpn + eps))
    log_d0 = torch.log(mpn / (p[:, 1:] + mpn + eps))
    return -(log_d1.sum() + log_d0.sum()) / p.shape[0]


@MODELS.register_module()
class CRDLoss(nn.Module):
    r"""Contrastive representation distillation (Tian et al., ICLR 2020),
    as RepDistiller (HobbitLong/RepDistiller) trains it for the CIFAR-100
    numbers everyone quotes.

    Inputs: the student's and the teacher's embedding of each sample
    (connectors ``embed_s`` / ``embed_t``: linear + L2 norm to 128-d,
    RepDistiller's ``Embed``; both trained, the teacher frozen), and each
    sample's dataset index (the ``sample_idx`` source). Per sample ``i``
    of the batch (``crd/memory.py`` ``ContrastMemory.forward``,
    ``crd/criterion.py`` ``CRDLoss``):

    1. ``K`` negatives are drawn (``negatives``; RepDistiller's
       ``CIFAR100InstanceSample``: training samples of other classes);
       the positive is sample ``i`` itself.
    2. Student anchor: scores ``exp(m^T_j . s_i / tau)`` against the
       teacher bank's rows ``j`` (positive first, then the negatives);
       teacher anchor: ``exp(m^S_j . t_i / tau)`` against the student
       bank. The banks' rows are constants (no gradient), before this
       batch's update.
    3. Each side's scores are divided by its normalisation constant
       ``Z = mean(scores of the first training batch) * n_data``, set
       once and then fixed (all processes' mean with DDP).
    4. Loss: :func:`nce_loss` of the student-anchor side plus that of the
       teacher-anchor side, times ``loss_weight``.
    5. In training mode, both banks are updated with the batch's
       embeddings (:meth:`CRDMemory.update`: momentum, renormalisation;
       all-gathered over processes).

    The banks (:class:`CRDMemory`) are sized from the training set by
    :class:`mmdlkd.engine.hooks.CRDMemoryHook` before training; without it
    the first step fails, naming the hook. Multi-view batches: only the
    original view's rows (``[0:N]``) are used, as CRD trains on one view.

    Computed in float32 (float64 if the inputs or banks are float64).

    Args:
        loss_weight (float): Weight of the sum of both sides. Defaults to
            1.0 (RepDistiller: ``-b 0.8``).
        feat_dim (int): Embedding dim (``--feat_dim``). Defaults to 128.
        num_negatives (int): ``K`` (``--nce_k``). Defaults to 16384.
        tau (float): Temperature (``--nce_t``). Defaults to 0.07.
        momentum (float): Bank momentum (``--nce_m``). Defaults to 0.5.
        negatives (str): ``'other_classes'`` (RepDistiller's CIFAR-100
            runs, ``--mode exact``) or ``'uniform'`` (over all training
            samples, with replacement: ``ContrastMemory``'s fallback). See
            :meth:`CRDMemory.draw_negatives`. Defaults to
            ``'other_classes'``.
        eps (float): Epsilon of the NCE terms. Defaults to 1e-7.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 feat_dim: int = 128,
                 num_negatives: int = 16384,
                 tau: float = 0.07,
                 momentum: float = 0.5,
                 negatives: str = 'other_classes',
                 eps: float = 1e-7) -> None:
        super().__init__()
        if tau <= 0:
            raise ValueError(f'tau must be positive, got {tau}')
        if num_negatives < 1:
            raise ValueError(
                f'num_negatives must be positive, got {num_negatives}')
        if not 0 <= momentum < 1:
            raise ValueError(f'momentum must be in [0, 1), got {momentum}')
        if negatives not in NEGATIVE_MODES:
            raise ValueError(f'negatives must be one of {NEGATIVE_MODES}, '
                             f'got {negatives!r}')
        self.loss_weight = float(loss_weight)
        self.num_negatives = int(num_negatives)
        self.tau = float(tau)
        self.momentum = float(momentum)
        self.negatives = negatives
        self.eps = float(eps)
        self.memory = CRDMemory(feat_dim)

    def forward(self,
                s_feat: Tensor,
                t_feat: Tensor,
                sample_idx: Tensor,
                num_views: int = 1,
                contrast_idx: Optional[Tensor] = None) -> Tensor:
        """Compute the weighted CRD loss (and update the banks in
        training mode).

        Args:
            s_feat (Tensor): Student embeddings ``[V*N, feat_dim]``.
            t_feat (Tensor): Teacher embeddings ``[V*N, feat_dim]``.
            sample_idx (Tensor): Dataset indices ``[V*N]`` or ``[N]``.
            num_views (int): ``V``; rows ``[0:N]`` are used. Defaults to 1.
            contrast_idx (Tensor, optional): ``[N, K]`` dataset indices of
                the negatives (RepDistiller's ``contrast_idx`` without its
                positive column), instead of drawing them. Defaults to None.

        Returns:
            Tensor: Scalar loss, multiplied by ``loss_weight``.
        """
        check_dims('s_feat', s_feat, (2, ))
        if s_feat.shape != t_feat.shape:
            raise ValueError('s_feat and t_feat must have the same shape '
                             '(project both to one embedding dim), got '
                             f'{tuple(s_feat.shape)} and '
                             f'{tuple(t_feat.shape)}')
        memory = self.memory
        if s_feat.shape[1] != memory.feat_dim:
            raise ValueError(f'CRDLoss(feat_dim={memory.feat_dim}) got '
                             f'{s_feat.shape[1]}-d embeddings')
        if num_views < 1 or s_feat.shape[0] % num_views:
            raise ValueError(f'{s_feat.shape[0]} rows are not {num_views} '
                             'equal views')
        n = s_feat.shape[0] // num_views
        sample_idx = sample_idx.flatten()
        if sample_idx.numel() not in (n, n * num_views):
            raise ValueError(f'{sample_idx.numel()} sample_idx for {n} '
                             f'images in {num_views} views')
        s_feat, t_feat = s_feat[:n], t_feat[:n]
        rows = memory.rows_of(sample_idx[:n], 'CRDLoss')
        if contrast_idx is None:
            neg = memory.draw_negatives(rows, self.num_negatives,
                                        self.negatives)
        else:
            if contrast_idx.shape != (n, self.num_negatives):
                raise ValueError(
                    f'contrast_idx must be [{n}, {self.num_negatives}], got '
                    f'{tuple(contrast_idx.shape)}')
            neg = memory.rows_of(contrast_idx.flatten(), 'CRDLoss').view(n, -1)
        idx = torch.cat([rows[:, None], neg], dim=1)  # [N, K + 1]
        with full_precision(s_feat):
            dtype = torch.promote_types(
                upcast(s_feat).dtype, memory.bank_s.dtype)
            s = F.normalize(s_feat.to(dtype), dim=1)
            t = F.normalize(t_feat.to(dtype), dim=1)
            # [N, n_data] scores against every row, then the drawn ones:
            # the same dot products as RepDistiller's gathered bmm, without
            # its [N, K + 1, D] copies of the banks
            out_s = torch.exp(
                (s @ memory.bank_t.to(dtype).t()).gather(1, idx) / self.tau)
            out_t = torch.exp(
                (t @ memory.bank_s.to(dtype).t()).gather(1, idx) / self.tau)
            z = self._normalisers(out_s, out_t)
            loss = (
                nce_loss(out_s / z[0], memory.num_rows, self.eps) +
                nce_loss(out_t / z[1], memory.num_rows, self.eps))
        if self.training:
            memory.update(rows, s, t, self.momentum)
        return loss * self.loss_weight

    def _normalisers(self, out_s: Tensor, out_t: Tensor) -> Tensor:
        """Z of both sides: the stored ones, or (first training batch)
        estimated from this batch and stored."""
        memory = self.memory
        z = memory.z.to(out_s.dtype)
        if bool((z > 0).all()):
            return z
        with torch.no_grad():
            est = torch.stack([out_s.mean(), out_t.mean()]) * memory.num_rows
            est = mean_over_ranks(est)
        z = torch.where(z > 0, z, est)
        if self.training:
            memory.z.copy_(z)
        return z
