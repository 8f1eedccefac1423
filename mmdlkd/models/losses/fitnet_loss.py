"""FitNet hint loss (Romero et al., ICLR 2015)."""
import torch.nn as nn
from torch import Tensor

from mmdlkd.registry import MODELS
from .utils import check_dims, full_precision, match_spatial, upcast


@MODELS.register_module()
class FitNetLoss(nn.Module):
    r"""FitNet hints: mean squared error to the teacher's feature, a baseline.

    .. math::
        \mathcal{L} = \frac{1}{|x|} \| r(f^S) - f^T \|_2^2

    the mean over all elements (RepDistiller's ``HintLoss``, an
    ``nn.MSELoss``); the paper's :math:`\tfrac12` is absorbed in
    ``loss_weight``. The regressor :math:`r` is a connector applied by the
    distiller, so ``s_feat`` must already have the teacher's channels.
    Maps of different spatial size are matched by bilinear interpolation
    (``resize_to``). The teacher is detached; computed in float32.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0
            (RepDistiller uses 100 for FitNet on CIFAR-100).
        resize_to (str): For maps of different spatial size: ``'teacher'``
            resizes the student map to the teacher's, ``'student'`` the
            teacher map to the student's. Defaults to 'teacher'.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 resize_to: str = 'teacher') -> None:
        super().__init__()
        if resize_to not in ('teacher', 'student'):
            raise ValueError("resize_to must be 'teacher' or 'student', "
                             f'got {resize_to!r}')
        self.loss_weight = float(loss_weight)
        self.resize_to = resize_to

    def forward(self, s_feat: Tensor, t_feat: Tensor) -> Tensor:
        """Compute the weighted FitNet loss.

        Args:
            s_feat (Tensor): Projected student feature ``[N, C]`` or
                ``[N, C, H, W]``.
            t_feat (Tensor): Teacher feature with the same layout, ``N`` and
                ``C``.

        Returns:
            Tensor: Scalar loss, multiplied by ``loss_weight``.
        """
        check_dims('s_feat', s_feat, (2, 4))
        check_dims('t_feat', t_feat, (s_feat.dim(), ))
        if s_feat.shape[:2] != t_feat.shape[:2]:
            raise ValueError('s_feat and t_feat must agree in batch size and '
                             'channels (project the student first), got '
                             f'{tuple(s_feat.shape)} and '
                             f'{tuple(t_feat.shape)}')
        with full_precision(s_feat):
            s, t = upcast(s_feat), upcast(t_feat.detach())
            if s.dim() == 4:
                s, t = match_spatial(s, t, self.resize_to)
            loss = (s - t).pow(2).mean()
        return loss * self.loss_weight
