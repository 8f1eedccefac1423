"""Hinton knowledge distillation loss on logits."""
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmdlkd.registry import MODELS
from .utils import check_dims, full_precision, upcast


@MODELS.register_module()
class KDLoss(nn.Module):
    r"""Logit distillation of Hinton et al. (2015), a baseline.

    .. math::
        \mathcal{L} = \tau^2 \, \frac{1}{|\Omega|} \sum_{p \in \Omega}
        \text{KL}(\text{softmax}(t_p / \tau) \,\|\,
        \text{softmax}(s_p / \tau))

    over the samples of ``[N, K]`` logits ("batchmean") or over all pixels
    of ``[N, K, H, W]`` logit maps (KL over the class dim ``K`` per pixel,
    mean over ``N*H*W``). The teacher is detached; computed in float32.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        tau (float): Temperature. Defaults to 4.0.
    """

    def __init__(self, loss_weight: float = 1.0, tau: float = 4.0) -> None:
        super().__init__()
        if tau <= 0:
            raise ValueError(f'tau must be positive, got {tau}')
        self.loss_weight = float(loss_weight)
        self.tau = float(tau)

    def forward(self, s_logits: Tensor, t_logits: Tensor) -> Tensor:
        """Compute the weighted KD loss.

        Args:
            s_logits (Tensor): Student logits ``[N, K]`` or ``[N, K, H, W]``.
            t_logits (Tensor): Teacher logits of the same shape.

        Returns:
            Tensor: Scalar loss, multiplied by ``loss_weight``.
        """
        check_dims('s_logits', s_logits, (2, 4))
        if s_logits.shape != t_logits.shape:
            raise ValueError('s_logits and t_logits must have the same '
                             f'shape, got {tuple(s_logits.shape)} and '
                             f'{tuple(t_logits.shape)}')
        with full_precision(s_logits):
            log_s = F.log_softmax(upcast(s_logits) / self.tau, dim=1)
            log_t = F.log_softmax(upcast(t_logits.detach()) / self.tau, dim=1)
            kl = (log_t.exp() * (log_t - log_s)).sum(dim=1)
            loss = kl.mean() * self.tau**2
        return loss * self.loss_weight
