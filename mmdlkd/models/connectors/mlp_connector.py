"""MLP projectors for vectors and, per pixel, for feature maps."""
from typing import Optional

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmdlkd.registry import MODELS


def _apply_linear(layer: nn.Linear, x: Tensor) -> Tensor:
    """Apply ``layer`` to ``[N, C]`` rows or per pixel to ``[N, C, H, W]``."""
    if x.dim() == 4:
        weight = layer.weight.view(*layer.weight.shape, 1, 1)
        return F.conv2d(x, weight, layer.bias)
    return layer(x)


class RowBatchNorm(nn.BatchNorm1d):
    """``BatchNorm1d`` that also takes maps ``[N, C, H, W]`` as they are
    (statistics over ``N, H, W``, as ``BatchNorm2d``; no reshapes)."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() not in (2, 3, 4):
            raise ValueError('expected 2D, 3D or 4D input, got '
                             f'{input.dim()}D input')


@MODELS.register_module()
class MLPConnector(nn.Module):
    """The "spindle" MLP projector of DLKD (``h_phi``).

    ``num_layers - 1`` blocks of Linear -> BatchNorm -> ReLU, then a final
    Linear: for ``num_layers=2``,
    ``Linear(in, hidden) -> BN -> ReLU -> Linear(hidden, out)``.
    The hidden width is ``hidden_channels`` if given, else
    ``round(hidden_ratio * out_channels)``, and with neither given the
    paper's best spindle ``16 * out_channels`` (Table VII). The correlation
    MLP of the paper is ``hidden_channels=in_channels=out_channels``.

    One set of weights serves vectors ``[N, C]`` and maps ``[N, C, H, W]``
    (applied per pixel as a 1x1 convolution; BatchNorm statistics over
    ``N*H*W``, identical to ``BatchNorm2d``). The norm layers are
    :class:`RowBatchNorm` (a ``BatchNorm1d`` that takes maps too), which
    mmengine's ``sync_bn`` option converts to ``SyncBatchNorm`` like any
    other.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels (the teacher's dim for the
            alignment projector).
        hidden_channels (int, optional): Hidden width. Defaults to None.
        hidden_ratio (float, optional): Hidden width as a multiple of
            ``out_channels``; exclusive with ``hidden_channels``.
            Defaults to None (16 if ``hidden_channels`` is also None).
        num_layers (int): Number of Linear layers; 1 is a single Linear.
            Defaults to 2.
        norm (bool): BatchNorm after each hidden Linear (which then has no
            bias). Defaults to True.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 hidden_channels: Optional[int] = None,
                 hidden_ratio: Optional[float] = None,
                 num_layers: int = 2,
                 norm: bool = True) -> None:
        super().__init__()
        if hidden_channels is not None and hidden_ratio is not None:
            raise ValueError('give hidden_channels or hidden_ratio, not both')
        if num_layers < 1:
            raise ValueError(f'num_layers must be >= 1, got {num_layers}')
        if hidden_channels is None:
            ratio = 16 if hidden_ratio is None else hidden_ratio
            hidden_channels = max(1, int(round(ratio * out_channels)))
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.hidden_channels = hidden_channels
        self.linears = nn.ModuleList()
        self.norms = nn.ModuleList()
        dims = [in_channels] + [hidden_channels] * (num_layers - 1)
        for d_in, d_out in zip(dims[:-1], dims[1:]):
            self.linears.append(nn.Linear(d_in, d_out, bias=not norm))
            self.norms.append(RowBatchNorm(d_out) if norm else nn.Identity())
        self.linears.append(nn.Linear(dims[-1], out_channels))

    def forward(self, x: Tensor) -> Tensor:
        """Project ``x`` (``[N, C]`` or ``[N, C, H, W]``)."""
        if x.dim() not in (2, 4) or x.shape[1] != self.in_channels:
            raise ValueError(f'{type(self).__name__} expects [N, '
                             f'{self.in_channels}] or [N, {self.in_channels},'
                             f' H, W] input, got {tuple(x.shape)}')
        for linear, norm in zip(self.linears[:-1], self.norms):
            x = F.relu(norm(_apply_linear(linear, x)))
        return _apply_linear(self.linears[-1], x)


@MODELS.register_module()
class PixelMLPConnector(MLPConnector):
    """:class:`MLPConnector` for feature maps ``[N, C, H, W]`` only.

    The same module (1x1 convolutions + BatchNorm per pixel); the name makes
    segmentation configs explicit and rejects vector input.
    """

    def forward(self, x: Tensor) -> Tensor:
        """Project ``x`` (``[N, C, H, W]``)."""
        if x.dim() != 4:
            raise ValueError('PixelMLPConnector expects [N, C, H, W] input, '
                             f'got {tuple(x.shape)}')
        return super().forward(x)
