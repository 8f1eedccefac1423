"""Knowledge correlation loss (DLKD, eqs. 5-6)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor
from torch.utils.checkpoint import checkpoint

from mmdlkd.registry import MODELS
from .utils import (SizeLike, check_dims, check_size, full_precision,
                    gather_rows, match_spatial, random_subset, upcast,
                    zero_loss)


def _rows_kl(s_q: Tensor, s_k: Tensor, t_q: Tensor, t_k: Tensor, tau: float,
             self_offset: Optional[int]) -> Tensor:
    """Sum over query rows of ``KL(softmax(A_T/tau) || softmax(A_S/tau))``.

    Inputs are L2-normalised rows, batched: queries ``[B, R, D]`` against
    keys ``[B, K, D]``. If ``self_offset`` is not None, query row ``i`` is
    the same sample as key ``i + self_offset`` and that entry is removed
    from both distributions. Written to keep at most three ``B x R x K``
    tensors alive at a time.
    """
    logit_t = torch.bmm(t_q / tau, t_k.transpose(1, 2))
    logit_s = torch.bmm(s_q / tau, s_k.transpose(1, 2))
    if self_offset is not None:
        # A finite fill keeps log-softmax and its gradient NaN-free; the
        # probability of the entry underflows to exactly 0 in both.
        fill = torch.finfo(logit_t.dtype).min
        logit_t.diagonal(self_offset, dim1=1, dim2=2).fill_(fill)
        logit_s.diagonal(self_offset, dim1=1, dim2=2).fill_(fill)
    log_t = F.log_softmax(logit_t, dim=2)
    del logit_t
    log_s = F.log_softmax(logit_s, dim=2)
    del logit_s
    prob_t = log_t.exp()
    # KL = sum p_t * (log p_t - log p_s), in place on the teacher's buffers
    return log_t.sub_(log_s).mul_(prob_t).sum()


def _split_views(x: Tensor, num_views: int, is_vector: bool) -> tuple:
    """Queries and keys of view-major rows, batched per key set.

    Vectors ``[1, V*N, D]``: queries ``[1, (V-1)*N, D]`` (the augmented
    views), keys ``[1, N, D]`` (the original view). Maps ``[V*M, P, D]``:
    image ``i`` gets the pixels of all its augmented views as queries,
    ``[M, (V-1)*P, D]``, and its original's pixels as keys, ``[M, P, D]``.
    """
    if is_vector:
        keys = x.shape[1] // num_views
        return x[:, keys:], x[:, :keys]
    imgs, pixels, dim = x.shape[0] // num_views, x.shape[1], x.shape[2]
    queries = x[imgs:].reshape(num_views - 1, imgs, pixels, dim)
    return (queries.transpose(0, 1).reshape(imgs, -1, dim), x[:imgs])


@MODELS.register_module()
class CorrelationLoss(nn.Module):
    r"""Knowledge correlation: match query-vs-key similarity distributions.

    For each network, :math:`A_{ij} = \cos(z(\tilde x_i), z(x_j))` between
    the query rows (augmented views) and the key rows (original views);
    :math:`P = \text{softmax}_j(A / \tau)` row-wise, and

    .. math::
        \mathcal{L} = \frac{1}{R} \sum_i
        \text{KL}(P^T_{i\cdot} \,\|\, P^S_{i\cdot})

    averaged over the ``R`` query rows ("batchmean"). The teacher is
    detached; the student and teacher dims need not match (only the
    similarity matrices are compared). The computation runs in float32 even
    under fp16/bf16 autocast; zero-norm features give zero similarities
    (uniform rows), never NaN. The loss is invariant to positive scaling of
    either feature and to permuting the samples (consistently over views).

    **Vectors** ``[V*N, D]`` (view-major: rows ``[0:N]`` are the original
    view = keys, rows ``[N:V*N]`` the augmented views = queries): the matrix
    is ``[(V-1)N, N]``, e.g. ``3N x N`` for the authors' four rotations.
    With ``num_views=1`` (one-view fallback) the queries are the keys
    (``N x N``); ``one_view_diagonal='mask'`` (default) removes the
    self-similarity from both distributions, since it is always 1 in both
    networks and carries no knowledge while dominating the softmax
    (``exp(1/tau)``); ``'keep'`` keeps it. A one-view batch of one sample
    with the diagonal masked has nothing to compare and returns 0.

    **Maps** ``[V*M, C, H, W]``: pixel-level relations, computed per image
    and averaged over all query pixels. With ``V > 1`` the queries are the
    pixels of the augmented image ``v*M + i`` and the keys the pixels of its
    original ``i``; with ``V = 1`` pixels against pixels of the same image
    (diagonal handled by ``one_view_diagonal``). If student and teacher maps
    differ spatially, the student map is resized to the teacher's (or the
    other way, ``resize_to``). Memory is bounded by, in this order:

    - ``pool_size``: adaptive average pooling to an ``(h, w)`` grid;
    - ``max_pixels``: a random subset of that many pixels per image (the
      same pixel positions for queries and keys, teacher and student, all
      images of the call; drawn from the torch RNG). This changes the value
      (fewer keys in each softmax);
    - ``chunk_size``: query rows per image processed per block (the
      blocks of all images of the call are computed together, one batched
      product). Exact (same value as unchunked); when gradients are needed
      each block is recomputed in backward (activation checkpointing), so
      only one ``images x chunk_size x HW`` block is alive at a time.

    Peak memory of these settings: ``docs/benchmarks.md``.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        tau (float): Softmax temperature. Defaults to 0.5 (paper).
        one_view_diagonal (str): ``'mask'`` or ``'keep'`` the self-similarity
            when ``num_views=1``. Defaults to 'mask'.
        pool_size (int | tuple[int, int], optional): Output grid of the
            average pooling applied to maps first. Defaults to None
            (full resolution).
        max_pixels (int, optional): Per-image pixel budget for maps (after
            pooling). Defaults to None (all pixels).
        chunk_size (int, optional): Query rows per image and block.
            Defaults to 1024. None computes the whole matrices at once
            (fastest, when ``pool_size`` or ``max_pixels`` bound them).
        resize_to (str): ``'teacher'`` or ``'student'``, see
            :class:`AlignLoss`. Defaults to 'teacher'.
        gather (bool): For vectors, compute the loss over the global batch
            of all processes (keys of every process; gradients reach the
            local rows). Ignored for maps (relations are per image).
            Defaults to False.
        eps (float): Epsilon of the L2 normalisation. Defaults to 1e-12.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 tau: float = 0.5,
                 one_view_diagonal: str = 'mask',
                 pool_size: Optional[SizeLike] = None,
                 max_pixels: Optional[int] = None,
                 chunk_size: Optional[int] = 1024,
                 resize_to: str = 'teacher',
                 gather: bool = False,
                 eps: float = 1e-12) -> None:
        super().__init__()
        if one_view_diagonal not in ('mask', 'keep'):
            raise ValueError("one_view_diagonal must be 'mask' or 'keep', "
                             f'got {one_view_diagonal!r}')
        if tau <= 0:
            raise ValueError(f'tau must be positive, got {tau}')
        limits = dict(max_pixels=max_pixels, chunk_size=chunk_size)
        for name, val in limits.items():
            if val is not None and val < 1:
                raise ValueError(f'{name} must be positive, got {val}')
        if resize_to not in ('teacher', 'student'):
            raise ValueError("resize_to must be 'teacher' or 'student', "
                             f'got {resize_to!r}')
        self.loss_weight = float(loss_weight)
        self.tau = float(tau)
        self.one_view_diagonal = one_view_diagonal
        self.pool_size = (None if pool_size is None else check_size(
            'pool_size', pool_size))
        self.max_pixels = max_pixels
        self.chunk_size = chunk_size
        self.resize_to = resize_to
        self.gather = gather
        self.eps = eps

    def _pair_sum(self, s_q: Tensor, s_k: Tensor, t_q: Tensor, t_k: Tensor,
                  same: bool) -> Tensor:
        """KL summed over all query rows (``[B, R, D]`` vs ``[B, K, D]``),
        in blocks of ``chunk_size`` rows (of every batch entry at once)."""
        rows = s_q.shape[1]
        step = rows if self.chunk_size is None else self.chunk_size
        if step >= rows:
            return _rows_kl(s_q, s_k, t_q, t_k, self.tau, 0 if same else None)
        use_ckpt = torch.is_grad_enabled() and (s_q.requires_grad
                                                or s_k.requires_grad)
        total = None
        for start in range(0, rows, step):
            offset = start if same else None
            args = (s_q[:, start:start + step], s_k,
                    t_q[:, start:start + step], t_k, self.tau, offset)
            if use_ckpt:
                part = checkpoint(_rows_kl, *args, use_reentrant=False)
            else:
                part = _rows_kl(*args)
            total = part if total is None else total + part
        return total

    def forward(self,
                s_feat: Tensor,
                t_feat: Tensor,
                num_views: int = 1) -> Tensor:
        """Compute the weighted correlation loss.

        Args:
            s_feat (Tensor): Student feature (after its MLP), ``[V*N, Ds]``
                or ``[V*N, Cs, H, W]``, view-major.
            t_feat (Tensor): Teacher feature, ``[V*N, Dt]`` or
                ``[V*N, Ct, H', W']``, same layout.
            num_views (int): Number of views ``V``; view 0 is the original
                (keys). Defaults to 1.

        Returns:
            Tensor: Scalar loss, multiplied by ``loss_weight``.
        """
        check_dims('s_feat', s_feat, (2, 4))
        check_dims('t_feat', t_feat, (s_feat.dim(), ))
        total_rows = s_feat.shape[0]
        if t_feat.shape[0] != total_rows:
            raise ValueError('s_feat and t_feat must have the same number of '
                             f'rows, got {total_rows} and {t_feat.shape[0]}')
        if num_views < 1 or total_rows % num_views:
            raise ValueError(f'{total_rows} rows cannot be split into '
                             f'num_views={num_views} equal views')
        t_feat = t_feat.detach()
        same = num_views == 1 and self.one_view_diagonal == 'mask'
        with full_precision(s_feat):
            s, t = upcast(s_feat), upcast(t_feat)
            is_vector = s.dim() == 2
            if is_vector:
                if self.gather:
                    s = gather_rows(s, num_views)
                    t = gather_rows(t, num_views)
                # [V*N, D] -> one "image" whose pixels are the samples
                s, t = s[None], t[None]
            else:
                s, t = match_spatial(s, t, self.resize_to)
                if self.pool_size is not None:
                    s = F.adaptive_avg_pool2d(s, self.pool_size)
                    t = F.adaptive_avg_pool2d(t, self.pool_size)
                s, t = s.flatten(2), t.flatten(2)  # [V*M, C, P]
                idx = random_subset(s.shape[-1], self.max_pixels, s.device)
                if idx is not None:
                    s, t = s[..., idx], t[..., idx]
                s, t = s.transpose(1, 2), t.transpose(1, 2)  # [V*M, P, C]
            # unit rows [B, P, C]
            s = F.normalize(s, dim=2, eps=self.eps)
            t = F.normalize(t, dim=2, eps=self.eps)
            # queries [B, R, D] against keys [B, K, D]: B = 1 for vectors,
            # one entry per image (its original's pixels as keys) for maps
            if num_views > 1:
                (s_q, s_k), (t_q, t_k) = (
                    _split_views(x, num_views, is_vector) for x in (s, t))
            else:
                s_q = s_k = s
                t_q = t_k = t
            if same and s_k.shape[1] < 2:
                return zero_loss(s_feat)
            loss = self._pair_sum(s_q, s_k, t_q, t_k, same=same)
            loss = loss / (s_q.shape[0] * s_q.shape[1])
        return loss * self.loss_weight
