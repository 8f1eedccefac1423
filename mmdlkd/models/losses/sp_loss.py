"""Similarity-preserving distillation (Tung & Mori, ICCV 2019)."""
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmdlkd.registry import MODELS
from .utils import full_precision, upcast


@MODELS.register_module()
class SPLoss(nn.Module):
    r"""Similarity-preserving knowledge distillation, a baseline.

    Each network's features are flattened per sample (``[b, -1]``), the
    batch similarity matrix :math:`G = F F^\top` (``b x b``) is
    L2-normalised row by row, and

    .. math::
        \mathcal{L} = \frac{1}{b^2} \| \tilde G^S - \tilde G^T \|_F^2

    Feature shapes of the two networks may differ (only the batch size
    ``b`` must agree). The loss is invariant to a positive scaling of either
    feature. A zero row normalises to zeros (never NaN). The teacher is
    detached; computed in float32.

    Args:
        loss_weight (float): Weight of the loss (the paper's
            :math:`\gamma`). Defaults to 1.0 (RepDistiller uses 3000).
        eps (float): Epsilon of the row normalisation. Defaults to 1e-12.
    """

    def __init__(self, loss_weight: float = 1.0, eps: float = 1e-12) -> None:
        super().__init__()
        self.loss_weight = float(loss_weight)
        self.eps = eps

    def similarity(self, feat: Tensor) -> Tensor:
        """The row-normalised ``b x b`` similarity matrix of a feature."""
        flat = feat.flatten(1)
        return F.normalize(flat @ flat.t(), dim=1, eps=self.eps)

    def forward(self, s_feat: Tensor, t_feat: Tensor) -> Tensor:
        """Compute the weighted similarity-preserving loss.

        Args:
            s_feat (Tensor): Student feature ``[b, ...]`` (vectors or maps).
            t_feat (Tensor): Teacher feature ``[b, ...]``.

        Returns:
            Tensor: Scalar loss, multiplied by ``loss_weight``.
        """
        if s_feat.dim() < 2 or t_feat.dim() < 2:
            raise ValueError('s_feat and t_feat must have a batch dim and '
                             f'features, got {tuple(s_feat.shape)} and '
                             f'{tuple(t_feat.shape)}')
        if s_feat.shape[0] != t_feat.shape[0]:
            raise ValueError('s_feat and t_feat must have the same batch '
                             f'size, got {tuple(s_feat.shape)} and '
                             f'{tuple(t_feat.shape)}')
        b = s_feat.shape[0]
        with full_precision(s_feat):
            g_s = self.similarity(upcast(s_feat))
            g_t = self.similarity(upcast(t_feat.detach()))
            loss = (g_s - g_t).pow(2).sum() / (b * b)
        return loss * self.loss_weight
