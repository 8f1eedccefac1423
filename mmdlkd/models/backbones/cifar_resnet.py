"""CIFAR ResNets of the knowledge-distillation benchmark (resnet8x4, ...)."""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from mmdlkd.registry import MODELS
from .base_cifar import KAIMING_INIT_CFG, BaseCifarBackbone, InitCfg


class CifarBasicBlock(nn.Module):
    """Post-activation basic residual block (two 3x3 convolutions).

    The residual sum goes through ``out_relu``; its input is the block's
    pre-ReLU ("preact") feature.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        stride (int): Stride of the first convolution. Defaults to 1.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(
            in_channels, out_channels, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(
            out_channels, out_channels, 3, 1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.downsample: Optional[nn.Module] = None
        if stride != 1 or in_channels != out_channels:
            # projection shortcut (option B of He et al.)
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels))
        self.out_relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Forward function."""
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.out_relu(out + identity)


@MODELS.register_module()
class CifarResNet(BaseCifarBackbone):
    """ResNet for 32x32 inputs, as in the CIFAR-100 KD benchmark (CRD).

    A 3x3 stem convolution and three stages of ``(depth - 2) / 6`` basic
    blocks at strides 1, 2, 2, so a 32x32 input gives an 8x8 final map.
    The shortcut is a 1x1 convolution + BN wherever shape changes.

    ============  =====  ===================  ============  ==============
    arch          depth  widths (stem, 1-3)   out channels  params (+fc100)
    ============  =====  ===================  ============  ==============
    resnet8       8      16, 16, 32, 64       64            0.08M
    resnet14      14     16, 16, 32, 64       64            0.18M
    resnet20      20     16, 16, 32, 64       64            0.28M
    resnet32      32     16, 16, 32, 64       64            0.47M
    resnet44      44     16, 16, 32, 64       64            0.67M
    resnet56      56     16, 16, 32, 64       64            0.86M
    resnet110     110    16, 16, 32, 64       64            1.74M
    resnet8x4     8      32, 64, 128, 256     256           1.23M
    resnet32x4    32     32, 64, 128, 256     256           7.43M
    ============  =====  ===================  ============  ==============

    Output: the post-ReLU output of the last block (``layer3``), i.e. the
    map whose global average is the literature's penultimate feature. The
    pre-ReLU map is the input of ``layer3[-1].out_relu``.

    Args:
        arch (str | dict): A name from the table, or a dict with keys
            ``depth`` (6n + 2) and ``channels`` (4 widths: stem and the
            three stages).
        out_indices (Sequence[int] | int): Stages (0-2) to output.
            Defaults to -1.
        in_channels (int): Channels of the input image (1 for grey images
            such as Fashion-MNIST). Defaults to 3.
        init_cfg (dict | list[dict], optional): Initialization config.
            Defaults to He-normal (fan-out) convolutions and unit BN.
    """

    arch_settings: Dict[str, Tuple[int, Tuple[int, ...]]] = {
        'resnet8': (8, (16, 16, 32, 64)),
        'resnet14': (14, (16, 16, 32, 64)),
        'resnet20': (20, (16, 16, 32, 64)),
        'resnet32': (32, (16, 16, 32, 64)),
        'resnet44': (44, (16, 16, 32, 64)),
        'resnet56': (56, (16, 16, 32, 64)),
        'resnet110': (110, (16, 16, 32, 64)),
        'resnet8x4': (8, (32, 64, 128, 256)),
        'resnet32x4': (32, (32, 64, 128, 256)),
    }

    def __init__(self,
                 arch: Union[str, dict] = 'resnet8x4',
                 out_indices: Union[int, Sequence[int]] = -1,
                 in_channels: int = 3,
                 init_cfg: InitCfg = KAIMING_INIT_CFG) -> None:
        super().__init__(out_indices=out_indices, init_cfg=init_cfg)
        if isinstance(arch, str):
            if arch not in self.arch_settings:
                raise KeyError(f'Unknown arch {arch!r}; choose from '
                               f'{sorted(self.arch_settings)}')
            depth, channels = self.arch_settings[arch]
        else:
            depth, channels = arch['depth'], tuple(arch['channels'])
        if (depth - 2) % 6 != 0 or len(channels) != 4:
            raise ValueError('depth must be 6n + 2 and channels 4 widths, '
                             f'got {depth} and {channels}')
        num_blocks = (depth - 2) // 6

        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, channels[0], 3, padding=1, bias=False),
            nn.BatchNorm2d(channels[0]), nn.ReLU())
        self.stage_names, self.stage_channels = [], []
        in_channels = channels[0]
        for i, (width, stride) in enumerate(zip(channels[1:], (1, 2, 2))):
            blocks = [
                CifarBasicBlock(in_channels if j == 0 else width, width,
                                stride if j == 0 else 1)
                for j in range(num_blocks)
            ]
            self.add_module(f'layer{i + 1}', nn.Sequential(*blocks))
            self.stage_names.append(f'layer{i + 1}')
            self.stage_channels.append(width)
            in_channels = width
        self._check_out_indices()
