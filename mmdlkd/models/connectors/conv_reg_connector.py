"""FitNet's convolutional hint regressor (RepDistiller's ConvReg)."""
from typing import Optional, Tuple

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmdlkd.models.losses.utils import SizeLike, check_size
from mmdlkd.registry import MODELS


def _regressor_conv(in_channels: int, out_channels: int, in_size: Tuple[int,
                                                                        int],
                    out_size: Tuple[int, int]) -> nn.Module:
    """The convolution that maps an ``in_size`` map to an ``out_size`` one.

    The choice of RepDistiller's ``ConvReg`` (``models/util.py``), by the
    heights: twice the target's: 3x3, stride 2, padding 1; half of it: 4x4
    transposed, stride 2, padding 1; otherwise (at least as high) one valid
    convolution of kernel ``(1 + dH, 1 + dW)``, a 1x1 convolution for maps
    of the same size.
    """
    (h_in, w_in), (h_out, w_out) = in_size, out_size
    if h_in == 2 * h_out:
        return nn.Conv2d(in_channels, out_channels, 3, stride=2, padding=1)
    if 2 * h_in == h_out:
        return nn.ConvTranspose2d(
            in_channels, out_channels, 4, stride=2, padding=1)
    if h_in >= h_out and w_in >= w_out:
        return nn.Conv2d(in_channels, out_channels,
                         (1 + h_in - h_out, 1 + w_in - w_out))
    raise ValueError(f'ConvRegConnector cannot map a {in_size} map to '
                     f'{out_size}: the student map must be at least as large '
                     'as the teacher map, or half its size')


@MODELS.register_module()
class ConvRegConnector(nn.Module):
    """FitNet's hint regressor: convolution -> BatchNorm -> ReLU.

    The regressor RepDistiller trains for FitNet on CIFAR-100 (its
    ``ConvReg``): it maps the student's hint map ``[N, C_in, H_in, W_in]``
    to the teacher's ``[N, C_out, H_out, W_out]``. The convolution depends on
    the two map sizes (see :func:`_regressor_conv`): a 1x1 convolution when
    they are equal, as for the stages of the CIFAR ResNet pairs. The
    convolution has a bias and PyTorch's default initialisation, as in
    RepDistiller. The final ReLU matches the teacher's hint, which is a
    post-ReLU stage output.

    Args:
        in_channels (int): Channels of the student's hint map.
        out_channels (int): Channels of the teacher's hint map.
        in_size (int | tuple[int, int], optional): Spatial size of the
            student's map. Defaults to None (the same as ``out_size``).
        out_size (int | tuple[int, int], optional): Spatial size of the
            teacher's map. Defaults to None (the same as ``in_size``; with
            neither given, the maps have the same size, whatever it is).
        relu (bool): End with a ReLU. Defaults to True (RepDistiller's
            FitNet; its activation-boundary connector has none).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 in_size: Optional[SizeLike] = None,
                 out_size: Optional[SizeLike] = None,
                 relu: bool = True) -> None:
        super().__init__()
        in_size = None if in_size is None else check_size('in_size', in_size)
        out_size = None if out_size is None else check_size(
            'out_size', out_size)
        if in_size is None:
            in_size = out_size
        if out_size is None:
            out_size = in_size
        self.in_size, self.out_size = in_size, out_size
        if in_size is None:
            self.conv = nn.Conv2d(in_channels, out_channels, 1)
        else:
            self.conv = _regressor_conv(in_channels, out_channels, in_size,
                                        out_size)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = relu

    def forward(self, x: Tensor) -> Tensor:
        """Regress the student's hint map ``x`` onto the teacher's layout."""
        if x.dim() != 4 or x.shape[1] != self.conv.in_channels:
            raise ValueError(
                f'ConvRegConnector expects [N, {self.conv.in_channels}, H, W]'
                f' input, got {tuple(x.shape)}')
        if self.in_size is not None and tuple(x.shape[-2:]) != self.in_size:
            raise ValueError(f'ConvRegConnector was built for {self.in_size}'
                             f' maps, got {tuple(x.shape)}')
        x = self.bn(self.conv(x))
        return F.relu(x) if self.relu else x
