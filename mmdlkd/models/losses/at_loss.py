"""Attention transfer (Zagoruyko & Komodakis, ICLR 2017)."""
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmdlkd.registry import MODELS
from .utils import check_dims, full_precision, match_spatial, upcast


@MODELS.register_module()
class ATLoss(nn.Module):
    r"""Activation-based attention transfer, a baseline.

    The spatial attention map of a feature ``[N, C, H, W]`` is
    :math:`Q = \frac1C \sum_c |f_c|^p` (``[N, H*W]``), L2-normalised per
    image; the loss is the squared difference of the normalised maps,
    averaged over images and positions (the authors' and RepDistiller's
    ``(at(s) - at(t)).pow(2).mean()``):

    .. math::
        \mathcal{L} = \frac{1}{N H W} \sum_n
        \Big\| \frac{Q^S_n}{\|Q^S_n\|_2} - \frac{Q^T_n}{\|Q^T_n\|_2}
        \Big\|_2^2

    Channels need not match (no connector). Maps of different spatial size
    are matched by bilinearly resizing one attention map to the other's
    size (``resize_to``). The loss is invariant to a positive scaling of
    either feature. A zero feature gives a zero map (never NaN). The
    teacher is detached; computed in float32.

    Args:
        loss_weight (float): Weight of the loss (the paper's
            :math:`\beta/2`). Defaults to 1.0 (RepDistiller uses 1000).
        p (float): Exponent of the attention map. Defaults to 2.
        resize_to (str): ``'teacher'`` resizes the student attention map to
            the teacher's size, ``'student'`` the teacher's to the
            student's. Defaults to 'teacher'.
        eps (float): Epsilon of the L2 normalisation. Defaults to 1e-12.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 p: float = 2.,
                 resize_to: str = 'teacher',
                 eps: float = 1e-12) -> None:
        super().__init__()
        if p <= 0:
            raise ValueError(f'p must be positive, got {p}')
        if resize_to not in ('teacher', 'student'):
            raise ValueError("resize_to must be 'teacher' or 'student', "
                             f'got {resize_to!r}')
        self.loss_weight = float(loss_weight)
        self.p = float(p)
        self.resize_to = resize_to
        self.eps = eps

    def attention(self, feat: Tensor) -> Tensor:
        """The (unnormalised) attention map ``[N, 1, H, W]`` of a feature."""
        if self.p == 2:
            return feat.pow(2).mean(dim=1, keepdim=True)
        return feat.abs().pow(self.p).mean(dim=1, keepdim=True)

    def forward(self, s_feat: Tensor, t_feat: Tensor) -> Tensor:
        """Compute the weighted attention-transfer loss.

        Args:
            s_feat (Tensor): Student map ``[N, C_s, H_s, W_s]``.
            t_feat (Tensor): Teacher map ``[N, C_t, H_t, W_t]``.

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
            s = self.attention(upcast(s_feat))
            t = self.attention(upcast(t_feat.detach()))
            s, t = match_spatial(s, t, self.resize_to)
            s = F.normalize(s.flatten(1), dim=1, eps=self.eps)
            t = F.normalize(t.flatten(1), dim=1, eps=self.eps)
            loss = (s - t).pow(2).mean()
        return loss * self.loss_weight
