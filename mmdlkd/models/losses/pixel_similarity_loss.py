"""Pair-wise pixel similarity distillation (SKD, Liu et al., CVPR 2019)."""
from typing import Optional

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmdlkd.registry import MODELS
from .utils import (SizeLike, check_dims, check_size, full_precision,
                    match_spatial, upcast)


@MODELS.register_module()
class PixelSimilarityLoss(nn.Module):
    r"""Pair-wise (pixel similarity) distillation of SKD, a baseline.

    Both maps are pooled to a grid of ``P = h*w`` nodes, L2-normalised per
    node over channels, and their ``P x P`` cosine-similarity matrices
    compared:

    .. math::
        \mathcal{L} = \frac{1}{N P^2} \sum_{n, i, j}
        (a^S_{nij} - a^T_{nij})^2

    Student and teacher channel dims may differ. The teacher is detached;
    computed in float32. SKD's code pools with max pooling whose kernel is
    half the map (``scale=0.5``), i.e. a ``2 x 2`` grid, which is the
    default here, and divides each node by its norm taken as a constant
    (detached): the same value, a different gradient; ``detach_norm=True``
    does the same.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        pool_size (int | tuple[int, int], optional): Output grid of the
            adaptive pooling. None keeps the full resolution (memory grows
            with ``(H*W)^2`` per image). Defaults to 2 (SKD's code).
        pool_type (str): ``'max'`` (SKD) or ``'avg'``. Defaults to 'max'.
        resize_to (str): ``'teacher'`` or ``'student'``: which map's size a
            map of the other size is bilinearly resized to before pooling.
            Defaults to 'teacher'.
        detach_norm (bool): Divide by the nodes' norms without propagating
            a gradient through them, as SKD's code does. Defaults to False
            (the gradient of the cosine similarity).
        eps (float): Epsilon of the L2 normalisation. Defaults to 1e-12.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 pool_size: Optional[SizeLike] = 2,
                 pool_type: str = 'max',
                 resize_to: str = 'teacher',
                 detach_norm: bool = False,
                 eps: float = 1e-12) -> None:
        super().__init__()
        if pool_type not in ('max', 'avg'):
            raise ValueError(f"pool_type must be 'max' or 'avg', got "
                             f'{pool_type!r}')
        if resize_to not in ('teacher', 'student'):
            raise ValueError("resize_to must be 'teacher' or 'student', "
                             f'got {resize_to!r}')
        self.loss_weight = float(loss_weight)
        self.pool_size = (None if pool_size is None else check_size(
            'pool_size', pool_size))
        self.pool_type = pool_type
        self.resize_to = resize_to
        self.detach_norm = detach_norm
        self.eps = eps

    def _similarity(self, x: Tensor) -> Tensor:
        if self.pool_size is not None:
            pool = (
                F.adaptive_max_pool2d
                if self.pool_type == 'max' else F.adaptive_avg_pool2d)
            x = pool(x, self.pool_size)
        x = x.flatten(2)  # [N, C, P]
        if self.detach_norm:
            x = x / x.detach().norm(dim=1, keepdim=True).clamp_min(self.eps)
        else:
            x = F.normalize(x, dim=1, eps=self.eps)
        return x.transpose(1, 2) @ x

    def forward(self, s_feat: Tensor, t_feat: Tensor) -> Tensor:
        """Compute the weighted pair-wise similarity loss.

        Args:
            s_feat (Tensor): Student map ``[N, Cs, H, W]``.
            t_feat (Tensor): Teacher map ``[N, Ct, H', W']``.

        Returns:
            Tensor: Scalar loss, multiplied by ``loss_weight``.
        """
        check_dims('s_feat', s_feat, (4, ))
        check_dims('t_feat', t_feat, (4, ))
        if s_feat.shape[0] != t_feat.shape[0]:
            raise ValueError('s_feat and t_feat must have the same batch '
                             f'size, got {tuple(s_feat.shape)} and '
                             f'{tuple(t_feat.shape)}')
        with full_precision(s_feat):
            s, t = match_spatial(
                upcast(s_feat), upcast(t_feat.detach()), self.resize_to)
            loss = (self._similarity(s) - self._similarity(t)).pow(2).mean()
        return loss * self.loss_weight
