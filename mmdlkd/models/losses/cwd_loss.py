"""Channel-wise distillation loss (Shu et al., ICCV 2021)."""
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmdlkd.registry import MODELS
from .utils import check_dims, full_precision, upcast


@MODELS.register_module()
class ChannelWiseDivergence(nn.Module):
    r"""Channel-wise distillation (CWD), a baseline.

    Each channel of an ``[N, C, H, W]`` map is turned into a distribution
    over its ``H*W`` locations by a spatial softmax with temperature
    :math:`\tau`:

    .. math::
        \mathcal{L} = \frac{\tau^2}{N C} \sum_{n, c}
        \text{KL}(\text{softmax}(t_{nc} / \tau) \,\|\,
        \text{softmax}(s_{nc} / \tau))

    Student and teacher maps must have the same shape (usually logits, or a
    projected student feature). The teacher is detached; computed in
    float32.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        tau (float): Temperature. Defaults to 4.0 (CWD's setting for
            segmentation logits).
    """

    def __init__(self, loss_weight: float = 1.0, tau: float = 4.0) -> None:
        super().__init__()
        if tau <= 0:
            raise ValueError(f'tau must be positive, got {tau}')
        self.loss_weight = float(loss_weight)
        self.tau = float(tau)

    def forward(self, s_feat: Tensor, t_feat: Tensor) -> Tensor:
        """Compute the weighted CWD loss.

        Args:
            s_feat (Tensor): Student map ``[N, C, H, W]``.
            t_feat (Tensor): Teacher map of the same shape.

        Returns:
            Tensor: Scalar loss, multiplied by ``loss_weight``.
        """
        check_dims('s_feat', s_feat, (4, ))
        if s_feat.shape != t_feat.shape:
            raise ValueError('s_feat and t_feat must have the same shape, '
                             f'got {tuple(s_feat.shape)} and '
                             f'{tuple(t_feat.shape)}')
        n, c = s_feat.shape[:2]
        with full_precision(s_feat):
            s = upcast(s_feat).flatten(2) / self.tau
            t = upcast(t_feat.detach()).flatten(2) / self.tau
            log_s = F.log_softmax(s, dim=2)
            log_t = F.log_softmax(t, dim=2)
            loss = (log_t.exp() * (log_t - log_s)).sum()
            loss = loss * self.tau**2 / (n * c)
        return loss * self.loss_weight
