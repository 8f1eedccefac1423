"""Knowledge alignment loss (DLKD, eq. 3 and eq. 13)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmdlkd.registry import MODELS
from .utils import (check_dims, full_precision, match_spatial, resize_labels,
                    upcast)


@MODELS.register_module()
class AlignLoss(nn.Module):
    r"""Knowledge alignment: squared L2 between student and teacher features.

    Authors' code (eq. 13, ``normalize=True``, the default): both features
    are L2-normalised over the channel dim and the loss is
    :math:`\text{mean}_p (2 - 2 \cos(s_p, t_p))`, the squared distance of
    the unit vectors; it is bounded in ``[0, 4]`` and invariant to the scale
    of either feature. A zero-norm feature normalises to the zero vector
    (loss 2 for that sample), never NaN. The authors' scripts use their
    weights (10 on ImageNet, 20 on CIFAR-100) with this form; the raw
    distance below grows with the features' magnitude and, at those
    weights, can swamp the cross-entropy.

    Paper (eq. 3, ``normalize=False``):

    .. math::
        \mathcal{L} = \frac{1}{|\Omega|} \sum_{p \in \Omega}
        \| h_\phi(f^S)_p - f^T_p \|_2^2

    i.e. the squared distance is **summed over channels** and **averaged over
    samples** (vectors ``[N, D]``) or over the valid pixels of all images
    (maps ``[N, D, H, W]``), as the expectation in eq. 3 prescribes.

    The teacher feature is always detached. If student and teacher maps
    differ spatially, one is bilinearly resized to the other (``resize_to``).
    The loss is computed in float32 even under fp16/bf16 autocast.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        normalize (bool): Use the authors' normalised form ``2 - 2 cos``;
            False gives the plain squared L2 of eq. 3. Defaults to True
            (the form every shipped config uses).
        resize_to (str): For maps of different spatial size: ``'teacher'``
            resizes the student map to the teacher's size (the teacher's
            knowledge is kept intact; default), ``'student'`` resizes the
            teacher map to the student's (cheaper when the teacher map is
            larger). Defaults to 'teacher'.
        eps (float): Epsilon of the L2 normalisation. Defaults to 1e-12.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 normalize: bool = True,
                 resize_to: str = 'teacher',
                 eps: float = 1e-12) -> None:
        super().__init__()
        if resize_to not in ('teacher', 'student'):
            raise ValueError("resize_to must be 'teacher' or 'student', "
                             f'got {resize_to!r}')
        self.loss_weight = float(loss_weight)
        self.normalize = normalize
        self.resize_to = resize_to
        self.eps = eps

    def forward(self,
                s_feat: Tensor,
                t_feat: Tensor,
                valid_mask: Optional[Tensor] = None) -> Tensor:
        """Compute the weighted alignment loss.

        Args:
            s_feat (Tensor): Projected student feature, ``[N, D]`` or
                ``[N, D, H, W]``.
            t_feat (Tensor): Teacher feature with the same layout and ``D``.
            valid_mask (Tensor, optional): Boolean mask of the samples
                (``[N]``) or pixels (``[N, H', W']``, any size: it is resized
                with nearest to the compared grid) that enter the mean.
                Defaults to None (all valid).

        Returns:
            Tensor: Scalar loss, multiplied by ``loss_weight``. 0 (with a
            graph) if no sample/pixel is valid.
        """
        check_dims('s_feat', s_feat, (2, 4))
        check_dims('t_feat', t_feat, (s_feat.dim(), ))
        if s_feat.shape[:2] != t_feat.shape[:2]:
            raise ValueError('s_feat and t_feat must agree in batch size and '
                             'channels (project the student first), got '
                             f'{tuple(s_feat.shape)} and '
                             f'{tuple(t_feat.shape)}')
        t_feat = t_feat.detach()
        with full_precision(s_feat):
            s, t = upcast(s_feat), upcast(t_feat)
            if s.dim() == 4:
                s, t = match_spatial(s, t, self.resize_to)
            if self.normalize:
                s = F.normalize(s, dim=1, eps=self.eps)
                t = F.normalize(t, dim=1, eps=self.eps)
                dist = 2 - 2 * (s * t).sum(dim=1)
            else:
                dist = (s - t).pow(2).sum(dim=1)  # [N] or [N, H, W]
            if valid_mask is None:
                loss = dist.mean()
            else:
                mask = valid_mask.to(dist.device).bool()
                if dist.dim() == 3:
                    check_dims('valid_mask', mask, (3, ))
                    mask = resize_labels(mask.byte(), dist.shape[-2:]).bool()
                if mask.shape != dist.shape:
                    raise ValueError(f'valid_mask of shape '
                                     f'{tuple(valid_mask.shape)} does not '
                                     f'fit the loss map {tuple(dist.shape)}')
                # masked mean without a host sync (no boolean indexing);
                # no valid pixel gives 0, still connected to the graph
                loss = torch.where(mask, dist,
                                   0.).sum() / mask.sum().clamp(min=1)
        return loss * self.loss_weight
