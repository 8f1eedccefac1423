"""MLP projectors for vectors and, per pixel, for feature maps."""
from typing import Optional, Tuple

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmdlkd.registry import MODELS


def to_rows(x: Tensor) -> Tuple[Tensor, Optional[tuple]]:
    """``[N, C]`` as is; ``[N, C, H, W]`` as pixel rows ``[N*H*W, C]``.

    Returns the rows and the map's ``(N, H, W)`` (None for vectors), for
    :func:`from_rows`. Per-pixel layers then run as one matrix product
    (``addmm``) over all pixels of all images, forward and backward; the
    1x1 convolution that torch picks on the CPU for small batches loops
    over the images instead.
    """
    if x.dim() == 4:
        n, c, h, w = x.shape
        return x.permute(0, 2, 3, 1).reshape(-1, c), (n, h, w)
    return x, None


def from_rows(rows: Tensor, shape: Optional[tuple]) -> Tensor:
    """Undo :func:`to_rows`: pixel rows back to an ``[N, C, H, W]`` map (a
    view in channels-last layout, no copy)."""
    if shape is None:
        return rows
    return rows.view(*shape, rows.shape[-1]).permute(0, 3, 1, 2)


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
    (applied per pixel, as 1x1 convolutions would be, to the map's pixel
    rows; BatchNorm statistics over ``N*H*W``, identical to
    ``BatchNorm2d``). A map comes back as an ``[N, C, H, W]`` view of the
    rows (channels-last layout). The norm layers are ``BatchNorm1d``, which
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
            self.norms.append(nn.BatchNorm1d(d_out) if norm else nn.Identity())
        self.linears.append(nn.Linear(dims[-1], out_channels))

    def forward(self, x: Tensor) -> Tensor:
        """Project ``x`` (``[N, C]`` or ``[N, C, H, W]``)."""
        if x.dim() not in (2, 4) or x.shape[1] != self.in_channels:
            raise ValueError(f'{type(self).__name__} expects [N, '
                             f'{self.in_channels}] or [N, {self.in_channels},'
                             f' H, W] input, got {tuple(x.shape)}')
        x, shape = to_rows(x)
        for linear, norm in zip(self.linears[:-1], self.norms):
            x = F.relu(norm(linear(x)))
        return from_rows(self.linears[-1](x), shape)


@MODELS.register_module()
class PixelMLPConnector(MLPConnector):
    """:class:`MLPConnector` for feature maps ``[N, C, H, W]`` only.

    The same module (per-pixel linear layers + BatchNorm); the name makes
    segmentation configs explicit and rejects vector input.
    """

    def forward(self, x: Tensor) -> Tensor:
        """Project ``x`` (``[N, C, H, W]``)."""
        if x.dim() != 4:
            raise ValueError('PixelMLPConnector expects [N, C, H, W] input, '
                             f'got {tuple(x.shape)}')
        return super().forward(x)
