"""Linear embedding projector."""
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmdlkd.registry import MODELS
from .mlp_connector import from_rows, to_rows


@MODELS.register_module()
class LinearConnector(nn.Module):
    """Linear projection, e.g. to the 128-d embedding of the supervised loss.

    Vectors ``[N, C]`` or maps ``[N, C, H, W]`` (per pixel, on the map's
    pixel rows; see :func:`~mmdlkd.models.connectors.mlp_connector.to_rows`).

    Args:
        in_channels (int): Input channels.
        out_channels (int): Embedding dim. Defaults to 128 (paper).
        normalize (bool): L2-normalise the output over channels
            (:class:`~mmdlkd.models.losses.SupConDistillLoss` normalises
            anyway). Defaults to False.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int = 128,
                 normalize: bool = False) -> None:
        super().__init__()
        self.linear = nn.Linear(in_channels, out_channels)
        self.normalize = normalize

    def forward(self, x: Tensor) -> Tensor:
        """Project ``x`` (``[N, C]`` or ``[N, C, H, W]``)."""
        if x.dim() not in (2, 4) or x.shape[1] != self.linear.in_features:
            raise ValueError(
                f'LinearConnector expects [N, {self.linear.in_features}] or '
                f'[N, {self.linear.in_features}, H, W] input, got '
                f'{tuple(x.shape)}')
        rows, shape = to_rows(x)
        x = from_rows(self.linear(rows), shape)
        return F.normalize(x, dim=1) if self.normalize else x
