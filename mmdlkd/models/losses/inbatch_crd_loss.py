"""An in-batch contrastive loss after CRD (symmetric InfoNCE)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmdlkd.registry import MODELS
from .utils import check_dims, full_precision, upcast


@MODELS.register_module()
class InBatchCRDLoss(nn.Module):
    r"""Symmetric in-batch InfoNCE between student and teacher embeddings,
    a cheap relative of CRD (Tian et al., ICLR 2020); **not** CRD.

    Student and teacher embeddings (already projected by connectors, e.g.
    ``mmdlkd.LinearConnector`` to 128 dims) are L2-normalised; row ``i`` of
    each network is the positive of row ``i`` of the other, all other rows
    of the batch are its negatives:

    .. math::
        \mathcal{L} = \frac{1}{2N} \sum_i \Big[
        -\log \frac{e^{s_i \cdot t_i / \tau}}{\sum_j e^{s_i \cdot t_j / \tau}}
        -\log \frac{e^{t_i \cdot s_i / \tau}}{\sum_j e^{t_i \cdot s_j / \tau}}
        \Big]

    symmetric like CRD's two terms (student anchor against teacher
    contrasts and vice versa).

    What differs from CRD (:class:`~mmdlkd.models.losses.CRDLoss`): no
    memory banks and no dataset indices; the negatives are the other
    ``N - 1`` rows of the batch (with multi-view input also the other
    views of the same image) instead of 16,384 samples of other classes;
    a softmax cross-entropy (InfoNCE) instead of CRD's NCE with a fixed
    normalisation constant. The contrast is weaker for small batches.
    Works with any batch, also multi-view ones, and needs no hook.

    Gradients: the teacher network itself is frozen by the distiller, but
    by default ``t_feat`` is **not** detached, so that a teacher-side
    connector (CRD's ``embed_t``) is trained by this loss, as in CRD. Set
    ``detach_teacher=True`` to stop the gradient at ``t_feat``. Computed in
    float32.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0
            (RepDistiller weights CRD with 0.8).
        tau (float): Temperature. Defaults to 0.07 (CRD's ``nce_t``).
        detach_teacher (bool): Detach ``t_feat``. Defaults to False.
        eps (float): Epsilon of the L2 normalisation. Defaults to 1e-12.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 tau: float = 0.07,
                 detach_teacher: bool = False,
                 eps: float = 1e-12) -> None:
        super().__init__()
        if tau <= 0:
            raise ValueError(f'tau must be positive, got {tau}')
        self.loss_weight = float(loss_weight)
        self.tau = float(tau)
        self.detach_teacher = detach_teacher
        self.eps = eps

    def forward(self, s_feat: Tensor, t_feat: Tensor) -> Tensor:
        """Compute the weighted in-batch loss.

        Args:
            s_feat (Tensor): Student embeddings ``[N, D]``.
            t_feat (Tensor): Teacher embeddings ``[N, D]``.

        Returns:
            Tensor: Scalar loss, multiplied by ``loss_weight``.
        """
        check_dims('s_feat', s_feat, (2, ))
        if s_feat.shape != t_feat.shape:
            raise ValueError('s_feat and t_feat must have the same shape '
                             '(project both to one embedding dim), got '
                             f'{tuple(s_feat.shape)} and '
                             f'{tuple(t_feat.shape)}')
        if self.detach_teacher:
            t_feat = t_feat.detach()
        with full_precision(s_feat):
            s = F.normalize(upcast(s_feat), dim=1, eps=self.eps)
            t = F.normalize(upcast(t_feat), dim=1, eps=self.eps)
            logits = s @ t.t() / self.tau
            target = torch.arange(s.shape[0], device=s.device)
            loss = (F.cross_entropy(logits, target) +
                    F.cross_entropy(logits.t(), target)) / 2
        return loss * self.loss_weight
