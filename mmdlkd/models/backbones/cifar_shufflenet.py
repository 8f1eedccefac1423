"""ShuffleNet V1 and V2 of the CIFAR knowledge-distillation benchmark."""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from mmdlkd.registry import MODELS
from .base_cifar import (KAIMING_INIT_CFG, BaseCifarBackbone, InitCfg,
                         conv_bn_relu)


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """Interleave the channels of ``groups`` equal groups.

    Args:
        x (torch.Tensor): Input of shape [N, C, H, W], C divisible by
            ``groups``.
        groups (int): Number of groups.

    Returns:
        torch.Tensor: The shuffled tensor, same shape.
    """
    n, c, h, w = x.shape
    x = x.view(n, groups, c // groups, h, w).transpose(1, 2)
    return x.reshape(n, c, h, w)


class ShuffleV1Unit(nn.Module):
    """ShuffleNetV1 unit: grouped 1x1, shuffle, depthwise 3x3, grouped 1x1.

    With stride 2 the branch output is concatenated to a 3x3 average pool
    of the input (so it has ``out_channels - in_channels`` channels),
    otherwise added. The sum or concatenation goes through ``out_relu``.
    As in the benchmark's implementation, the depthwise convolution is
    followed by a ReLU.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels of the unit.
        stride (int): 1 or 2.
        groups (int): Groups of the 1x1 convolutions.
        first_groups (int): Groups of the first 1x1 convolution (1 on the
            narrow stem output). Defaults to ``groups``.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int,
                 groups: int,
                 first_groups: Optional[int] = None) -> None:
        super().__init__()
        self.stride = stride
        branch_channels = out_channels - (in_channels if stride == 2 else 0)
        mid_channels = branch_channels // 4
        self.first_groups = first_groups or groups
        self.conv1 = conv_bn_relu(
            in_channels, mid_channels, 1, groups=self.first_groups)
        self.conv2 = conv_bn_relu(
            mid_channels, mid_channels, 3, stride, groups=mid_channels)
        self.conv3 = conv_bn_relu(
            mid_channels, branch_channels, 1, groups=groups, act=False)
        self.shortcut = nn.AvgPool2d(3, 2, 1) if stride == 2 else None
        self.out_relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Forward function."""
        out = channel_shuffle(self.conv1(x), self.first_groups)
        out = self.conv3(self.conv2(out))
        if self.shortcut is not None:
            out = torch.cat([out, self.shortcut(x)], dim=1)
        else:
            out = out + x
        return self.out_relu(out)


@MODELS.register_module()
class CifarShuffleNetV1(BaseCifarBackbone):
    """ShuffleNetV1 for 32x32 inputs, as in the CIFAR-100 KD benchmark.

    CRD's "ShuffleNetV1" (``ShuffleV1``): a 1x1 conv-BN-ReLU stem to 24
    channels at full resolution, then three stages whose first unit has
    stride 2, so a 32x32 input gives a 4x4 final map. The first 1x1
    convolution of the first unit is not grouped.

    ===========  =============  =======  ============  ===============
    groups       channels       blocks   out channels  params (+fc100)
    ===========  =============  =======  ============  ===============
    3 (default)  240, 480, 960  4, 8, 4  960           0.95M
    ===========  =============  =======  ============  ===============

    Output: the post-ReLU output of the last unit (``layer3``), the map
    whose global average is the literature's penultimate feature. The
    pre-ReLU map is the input of ``layer3[-1].out_relu``.

    Args:
        groups (int): Groups of the 1x1 convolutions. Defaults to 3.
        channels (Sequence[int]): Output widths of the stages.
            Defaults to (240, 480, 960).
        num_blocks (Sequence[int]): Units per stage. Defaults to (4, 8, 4).
        stem_channels (int): Stem width. Defaults to 24.
        out_indices (Sequence[int] | int): Stages (0-2) to output.
            Defaults to -1.
        init_cfg (dict | list[dict], optional): Initialization config.
            Defaults to He-normal (fan-out) convolutions and unit BN.
    """

    def __init__(self,
                 groups: int = 3,
                 channels: Sequence[int] = (240, 480, 960),
                 num_blocks: Sequence[int] = (4, 8, 4),
                 stem_channels: int = 24,
                 out_indices: Union[int, Sequence[int]] = -1,
                 init_cfg: InitCfg = KAIMING_INIT_CFG) -> None:
        super().__init__(out_indices=out_indices, init_cfg=init_cfg)
        self.stem = conv_bn_relu(3, stem_channels, 1)
        self.stage_names, self.stage_channels = [], []
        in_channels = stem_channels
        for i, (width, num) in enumerate(zip(channels, num_blocks)):
            units = []
            for j in range(num):
                units.append(
                    ShuffleV1Unit(in_channels, width, 2 if j == 0 else 1,
                                  groups, 1 if i == 0 and j == 0 else groups))
                in_channels = width
            self.add_module(f'layer{i + 1}', nn.Sequential(*units))
            self.stage_names.append(f'layer{i + 1}')
            self.stage_channels.append(width)
        self._check_out_indices()


class ShuffleV2Unit(nn.Module):
    """ShuffleNetV2 unit.

    With stride 1 the input is split in halves; one half passes through
    1x1-ReLU, depthwise 3x3, 1x1-ReLU and is concatenated to the other.
    With stride 2 both branches see the whole input (depthwise 3x3 then
    1x1-ReLU; 1x1-ReLU, depthwise 3x3, 1x1-ReLU) and each gives half of
    the output. The result is channel-shuffled in 2 groups.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels (even).
        stride (int): 1 (then ``in_channels == out_channels``) or 2.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 stride: int) -> None:
        super().__init__()
        self.stride = stride
        half = out_channels // 2
        if stride == 1:
            assert in_channels == out_channels
            self.left = None
            branch_in = half
        else:
            self.left = nn.Sequential(
                conv_bn_relu(
                    in_channels, in_channels, 3, 2, in_channels, act=False),
                conv_bn_relu(in_channels, half, 1))
            branch_in = in_channels
        self.right = nn.Sequential(
            conv_bn_relu(branch_in, half, 1),
            conv_bn_relu(half, half, 3, stride, half, act=False),
            conv_bn_relu(half, half, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Forward function."""
        if self.left is None:
            kept, x = x.chunk(2, dim=1)
        else:
            kept = self.left(x)
        return channel_shuffle(torch.cat([kept, self.right(x)], dim=1), 2)


@MODELS.register_module()
class CifarShuffleNetV2(BaseCifarBackbone):
    """ShuffleNetV2 for 32x32 inputs, as in the CIFAR-100 KD benchmark.

    CRD's "ShuffleNetV2" (``ShuffleV2``, width 1.0): a 1x1 conv-BN-ReLU
    stem to 24 channels at full resolution, three stages of one stride-2
    unit followed by ``num_blocks`` stride-1 units, and a 1x1 conv-BN-ReLU
    (``conv2``). A 32x32 input gives a 4x4 final map.

    =============  ====================  ==========  =====  ===============
    widen_factor   stage channels        blocks      out    params (+fc100)
    =============  ====================  ==========  =====  ===============
    0.5            48, 96, 192           3, 7, 3     1024   0.44M
    1.0 (default)  116, 232, 464         3, 7, 3     1024   1.36M
    1.5            176, 352, 704         3, 7, 3     1024   2.58M
    2.0            224, 488, 976         3, 7, 3     2048   5.52M
    =============  ====================  ==========  =====  ===============

    Output: the post-ReLU output of ``conv2``, the map whose global
    average is the literature's penultimate feature. The pre-ReLU map is
    the output of ``conv2.bn``.

    Args:
        widen_factor (float): A width from the table. Defaults to 1.0.
        stem_channels (int): Stem width. Defaults to 24.
        out_indices (Sequence[int] | int): Stages to output: 0-2 the unit
            stages, 3 ``conv2``. Defaults to -1.
        init_cfg (dict | list[dict], optional): Initialization config.
            Defaults to He-normal (fan-out) convolutions and unit BN.
    """

    arch_settings: Dict[float, Tuple[Tuple[int, ...], Tuple[int, ...]]] = {
        0.5: ((48, 96, 192, 1024), (3, 7, 3)),
        1.0: ((116, 232, 464, 1024), (3, 7, 3)),
        1.5: ((176, 352, 704, 1024), (3, 7, 3)),
        2.0: ((224, 488, 976, 2048), (3, 7, 3)),
    }

    def __init__(self,
                 widen_factor: float = 1.0,
                 stem_channels: int = 24,
                 out_indices: Union[int, Sequence[int]] = -1,
                 init_cfg: InitCfg = KAIMING_INIT_CFG) -> None:
        super().__init__(out_indices=out_indices, init_cfg=init_cfg)
        if widen_factor not in self.arch_settings:
            raise KeyError(f'widen_factor must be one of '
                           f'{sorted(self.arch_settings)}, got {widen_factor}')
        channels, num_blocks = self.arch_settings[widen_factor]
        self.stem = conv_bn_relu(3, stem_channels, 1)
        self.stage_names, self.stage_channels = [], []
        in_channels = stem_channels
        for i, (width, num) in enumerate(zip(channels, num_blocks)):
            units = [ShuffleV2Unit(in_channels, width, 2)]
            units += [ShuffleV2Unit(width, width, 1) for _ in range(num)]
            self.add_module(f'layer{i + 1}', nn.Sequential(*units))
            self.stage_names.append(f'layer{i + 1}')
            self.stage_channels.append(width)
            in_channels = width
        self.conv2 = conv_bn_relu(in_channels, channels[-1], 1)
        self.stage_names.append('conv2')
        self.stage_channels.append(channels[-1])
        self._check_out_indices()
