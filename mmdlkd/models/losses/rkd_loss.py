"""Relational knowledge distillation (Park et al., CVPR 2019)."""
from typing import Tuple

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmdlkd.registry import MODELS
from .utils import full_precision, upcast, zero_loss


@MODELS.register_module()
class RKDLoss(nn.Module):
    r"""Relational KD: distance-wise and angle-wise relations, a baseline.

    For the ``N`` embeddings of a batch (flattened per sample):

    - distance-wise: :math:`\psi_D(i, j) = \|x_i - x_j\|_2 / \mu` with
      :math:`\mu` the mean distance over the pairs :math:`i \ne j`;
    - angle-wise: :math:`\psi_A(a, b, c) = \langle e_{ab}, e_{ac} \rangle`,
      :math:`e_{ab} = (x_b - x_a) / \|x_b - x_a\|_2` (0 when
      :math:`b = a`);

    .. math::
        \mathcal{L} = w_D \, \text{Huber}(\psi_D^S, \psi_D^T)
        + w_A \, \text{Huber}(\psi_A^S, \psi_A^T)

    with the Huber (smooth L1, :math:`\delta = 1`) loss averaged over all
    ``N^2`` (``N^3``) entries, the degenerate ones (zero in both networks)
    included, as in RepDistiller. Feature dims of the two networks may
    differ. ``N < 2`` gives 0 (with a graph). Memory is
    :math:`O(N^2 D + N^3)`. The teacher is detached; computed in float32.

    Args:
        loss_weight (float): Weight of the whole loss. Defaults to 1.0.
        distance_weight (float): :math:`w_D`. Defaults to 25.0 (the paper's
            and RepDistiller's).
        angle_weight (float): :math:`w_A`. Defaults to 50.0 (the paper's
            and RepDistiller's).
        eps (float): Epsilon of the normalisations. Defaults to 1e-12.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 distance_weight: float = 25.0,
                 angle_weight: float = 50.0,
                 eps: float = 1e-12) -> None:
        super().__init__()
        if distance_weight < 0 or angle_weight < 0:
            raise ValueError('distance_weight and angle_weight must be >= 0, '
                             f'got {distance_weight} and {angle_weight}')
        self.loss_weight = float(loss_weight)
        self.distance_weight = float(distance_weight)
        self.angle_weight = float(angle_weight)
        self.eps = eps

    def relations(self, feat: Tensor) -> Tuple[Tensor, Tensor]:
        """Normalised distances ``[N, N]`` and angles ``[N, N, N]``."""
        n = feat.shape[0]
        diff = feat.unsqueeze(0) - feat.unsqueeze(1)  # [a, b] = x_b - x_a
        dist = diff.norm(dim=2)  # the gradient of a zero norm is 0
        mean = (dist.sum() / (n * (n - 1))).clamp_min(self.eps)
        dist = dist / mean
        angle = None
        if self.angle_weight > 0:
            unit = F.normalize(diff, dim=2, eps=self.eps)
            angle = unit @ unit.transpose(1, 2)
        return dist, angle

    def forward(self, s_feat: Tensor, t_feat: Tensor) -> Tensor:
        """Compute the weighted RKD loss.

        Args:
            s_feat (Tensor): Student embeddings ``[N, D_s]`` (other shapes
                are flattened per sample).
            t_feat (Tensor): Teacher embeddings ``[N, D_t]``.

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
        if s_feat.shape[0] < 2:
            return zero_loss(s_feat)
        with full_precision(s_feat):
            s_dist, s_angle = self.relations(upcast(s_feat).flatten(1))
            t_dist, t_angle = self.relations(
                upcast(t_feat.detach()).flatten(1))
            loss = self.distance_weight * F.smooth_l1_loss(s_dist, t_dist)
            if s_angle is not None:
                loss = loss + self.angle_weight * F.smooth_l1_loss(
                    s_angle, t_angle)
        return loss * self.loss_weight
