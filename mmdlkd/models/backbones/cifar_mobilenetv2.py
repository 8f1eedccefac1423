"""MobileNetV2 of the CIFAR knowledge-distillation benchmark."""
from typing import Sequence, Union

import torch
import torch.nn as nn

from mmdlkd.registry import MODELS
from .base_cifar import (KAIMING_INIT_CFG, BaseCifarBackbone, InitCfg,
                         conv_bn_relu)


class InvertedResidual(nn.Module):
    """MobileNetV2 block: 1x1 expand, 3x3 depthwise, linear 1x1 project.

    The 1x1 expansion is kept even for an expand ratio of 1, as in the
    KD benchmark's MobileNetV2 (it counts towards its parameters).

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        stride (int): Stride of the depthwise convolution (1 or 2).
        expand_ratio (int): Hidden width over ``in_channels``.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int,
                 expand_ratio: int) -> None:
        super().__init__()
        assert stride in (1, 2)
        hidden = in_channels * expand_ratio
        self.use_res_connect = stride == 1 and in_channels == out_channels
        self.expand = conv_bn_relu(in_channels, hidden, 1)
        self.depthwise = conv_bn_relu(hidden, hidden, 3, stride, hidden)
        self.project = conv_bn_relu(hidden, out_channels, 1, act=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Forward function."""
        out = self.project(self.depthwise(self.expand(x)))
        return x + out if self.use_res_connect else out


@MODELS.register_module()
class CifarMobileNetV2(BaseCifarBackbone):
    """MobileNetV2 for 32x32 inputs, as in the CIFAR-100 KD benchmark.

    The network of CRD's "MobileNetV2" (``mobile_half``): a stride-2 3x3
    stem, the seven inverted-residual stages of Sandler et al. (widths
    16, 24, 32, 64, 96, 160, 320 times ``widen_factor``, no rounding to
    multiples of 8; strides 1, 1, 2, 2, 1, 2, 1), and a 1x1 conv-BN-ReLU
    (``conv2``) to 1280 channels (``1280 * widen_factor`` when that is
    larger). Activations are ReLU, not ReLU6. A 32x32 input gives a 2x2
    final map.

    =============  ============  ============  ===============
    widen_factor   expand_ratio  out channels  params (+fc100)
    =============  ============  ============  ===============
    0.5 (default)  6             1280          0.81M
    1.0            6             1280          2.35M
    =============  ============  ============  ===============

    Output: the post-ReLU output of ``conv2``, the map whose global
    average is the literature's penultimate feature. The pre-ReLU map is
    the output of ``conv2.bn``.

    Args:
        widen_factor (float): Width multiplier. Defaults to 0.5.
        expand_ratio (int): Expansion of stages 2-7 (stage 1 uses 1).
            Defaults to 6.
        out_indices (Sequence[int] | int): Stages to output: 0-6 the
            inverted-residual stages, 7 ``conv2``. Defaults to -1.
        init_cfg (dict | list[dict], optional): Initialization config.
            Defaults to He-normal (fan-out) convolutions and unit BN.
    """

    # (expand ratio or None for ``expand_ratio``, width, blocks, stride)
    # yapf: disable
    arch_setting = ((1, 16, 1, 1), (None, 24, 2, 1), (None, 32, 3, 2),
                    (None, 64, 4, 2), (None, 96, 3, 1), (None, 160, 3, 2),
                    (None, 320, 1, 1))
    # yapf: enable

    def __init__(self,
                 widen_factor: float = 0.5,
                 expand_ratio: int = 6,
                 out_indices: Union[int, Sequence[int]] = -1,
                 init_cfg: InitCfg = KAIMING_INIT_CFG) -> None:
        super().__init__(out_indices=out_indices, init_cfg=init_cfg)
        self.widen_factor = widen_factor
        in_channels = int(32 * widen_factor)
        self.stem = conv_bn_relu(3, in_channels, 3, stride=2)
        self.stage_names, self.stage_channels = [], []
        for i, (ratio, width, num_blocks,
                stride) in enumerate(self.arch_setting):
            width = int(width * widen_factor)
            blocks = [
                InvertedResidual(in_channels if j == 0 else width, width,
                                 stride if j == 0 else 1, ratio
                                 or expand_ratio) for j in range(num_blocks)
            ]
            self.add_module(f'layer{i + 1}', nn.Sequential(*blocks))
            self.stage_names.append(f'layer{i + 1}')
            self.stage_channels.append(width)
            in_channels = width
        last_channels = max(1280, int(1280 * widen_factor))
        self.conv2 = conv_bn_relu(in_channels, last_channels, 1)
        self.stage_names.append('conv2')
        self.stage_channels.append(last_channels)
        self._check_out_indices()
