"""Wide ResNets of the CIFAR knowledge-distillation benchmark (wrn_40_2...)."""
from collections import OrderedDict
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmdlkd.registry import MODELS
from .base_cifar import KAIMING_INIT_CFG, BaseCifarBackbone, InitCfg


class WideBasicBlock(nn.Module):
    """Pre-activation basic block of Zagoruyko and Komodakis.

    BN-ReLU-conv3x3 twice. When the width changes, the 1x1 shortcut
    convolution takes the pre-activated input, otherwise the raw input is
    added.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        stride (int): Stride of the first convolution. Defaults to 1.
        drop_rate (float): Dropout between the two convolutions.
            Defaults to 0.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int = 1,
                 drop_rate: float = 0.) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.relu1 = nn.ReLU()
        self.conv1 = nn.Conv2d(
            in_channels, out_channels, 3, stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu2 = nn.ReLU()
        self.conv2 = nn.Conv2d(
            out_channels, out_channels, 3, 1, padding=1, bias=False)
        self.drop_rate = drop_rate
        self.shortcut: Optional[nn.Module] = None
        if in_channels != out_channels:
            self.shortcut = nn.Conv2d(
                in_channels, out_channels, 1, stride, bias=False)
        else:
            assert stride == 1, 'an identity shortcut cannot downsample'

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Forward function."""
        act = self.relu1(self.bn1(x))
        identity = x if self.shortcut is None else self.shortcut(act)
        out = self.relu2(self.bn2(self.conv1(act)))
        if self.drop_rate > 0:
            out = F.dropout(out, p=self.drop_rate, training=self.training)
        return self.conv2(out) + identity


@MODELS.register_module()
class WideResNet(BaseCifarBackbone):
    """Wide ResNet (WRN-depth-k) for 32x32 inputs, as in the KD benchmark.

    A 3x3 stem convolution (16 channels), three stages of
    ``(depth - 4) / 6`` pre-activation blocks of widths 16k, 32k, 64k at
    strides 1, 2, 2, and a final BN-ReLU (``norm_act``, a stage of its own).

    =========  =====  ============  ============  ==============
    name       depth  widen_factor  out channels  params (+fc100)
    =========  =====  ============  ============  ==============
    wrn_16_1   16     1             64            0.18M
    wrn_16_2   16     2             128           0.70M
    wrn_40_1   40     1             64            0.57M
    wrn_40_2   40     2             128           2.26M
    =========  =====  ============  ============  ==============

    Output: ``norm_act`` applied to the last block, i.e. the post-ReLU map
    whose global average is the literature's penultimate feature. The
    pre-ReLU map is the output of ``norm_act.bn``.

    Args:
        depth (int): Depth, 6n + 4. Defaults to 40.
        widen_factor (int): Width multiplier k. Defaults to 2.
        drop_rate (float): Dropout inside the blocks. Defaults to 0.
        out_indices (Sequence[int] | int): Stages to output: 0-2 the block
            stages (pre-activation maps), 3 ``norm_act``. Defaults to -1.
        init_cfg (dict | list[dict], optional): Initialization config.
            Defaults to He-normal (fan-out) convolutions and unit BN.
    """

    def __init__(self,
                 depth: int = 40,
                 widen_factor: int = 2,
                 drop_rate: float = 0.,
                 out_indices: Union[int, Sequence[int]] = -1,
                 init_cfg: InitCfg = KAIMING_INIT_CFG) -> None:
        super().__init__(out_indices=out_indices, init_cfg=init_cfg)
        if (depth - 4) % 6 != 0:
            raise ValueError(f'depth must be 6n + 4, got {depth}')
        num_blocks = (depth - 4) // 6
        self.depth, self.widen_factor = depth, widen_factor

        in_channels = 16
        self.stem = nn.Conv2d(3, in_channels, 3, padding=1, bias=False)
        self.stage_names, self.stage_channels = [], []
        for i, (base, stride) in enumerate(zip((16, 32, 64), (1, 2, 2))):
            width = base * widen_factor
            blocks = [
                WideBasicBlock(in_channels if j == 0 else width, width,
                               stride if j == 0 else 1, drop_rate)
                for j in range(num_blocks)
            ]
            self.add_module(f'layer{i + 1}', nn.Sequential(*blocks))
            self.stage_names.append(f'layer{i + 1}')
            self.stage_channels.append(width)
            in_channels = width
        self.norm_act = nn.Sequential(
            OrderedDict(bn=nn.BatchNorm2d(in_channels), relu=nn.ReLU()))
        self.stage_names.append('norm_act')
        self.stage_channels.append(in_channels)
        self._check_out_indices()
