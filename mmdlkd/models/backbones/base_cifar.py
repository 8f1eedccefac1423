"""Common skeleton of the CIFAR knowledge-distillation benchmark networks."""
from collections import OrderedDict
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

InitCfg = Optional[Union[dict, List[dict]]]

#: Default weight init of the KD-benchmark networks: He-normal (fan-out)
#: convolutions and unit-scale, zero-shift normalisation layers.
KAIMING_INIT_CFG = [
    dict(type='Kaiming', layer='Conv2d', mode='fan_out', nonlinearity='relu'),
    dict(type='Constant', val=1, bias=0, layer=['_BatchNorm', 'GroupNorm'])
]


def conv_bn_relu(in_channels: int,
                 out_channels: int,
                 kernel_size: int,
                 stride: int = 1,
                 groups: int = 1,
                 act: bool = True) -> nn.Sequential:
    """Bias-free convolution with 'same' padding, BN and optional ReLU.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int): Kernel size (odd).
        stride (int): Stride. Defaults to 1.
        groups (int): Convolution groups. Defaults to 1.
        act (bool): Append a ReLU. Defaults to True.

    Returns:
        nn.Sequential: Modules named ``conv``, ``bn`` (and ``relu``).
    """
    padding = kernel_size // 2
    conv = nn.Conv2d(
        in_channels,
        out_channels,
        kernel_size,
        stride,
        padding,
        groups=groups,
        bias=False)
    layers = [('conv', conv), ('bn', nn.BatchNorm2d(out_channels))]
    if act:
        layers.append(('relu', nn.ReLU()))
    return nn.Sequential(OrderedDict(layers))


class BaseCifarBackbone(BaseModule):
    """A stem followed by a sequence of named stages.

    Subclasses build ``self.stem`` and one sub-module per entry of
    ``self.stage_names`` (in order) and then call
    :meth:`_check_out_indices`. The last stage ends with everything the
    reference network applies before its global average pooling, so the
    last output is the *penultimate feature* map of the KD literature
    (what ``feat[-1]`` of RepDistiller is the average of): it is taken
    *after* the final ReLU, as the linear classifier sees it. Each
    subclass documents which module holds the pre-ReLU version, for
    methods that distill pre-activations.

    Activations are never in place, so a forward hook that records any
    module's output (a recorder) keeps the values that module produced.

    Args:
        out_indices (Sequence[int] | int): Stages to output; negative
            values count from the last stage. Defaults to -1 (the final
            feature map only).
        init_cfg (dict | list[dict], optional): Initialization config.
            Defaults to None.
    """

    stem: nn.Module
    stage_names: List[str]
    #: Channels of each stage's output, filled in by subclasses.
    stage_channels: List[int]

    def __init__(self,
                 out_indices: Union[int, Sequence[int]] = -1,
                 init_cfg: InitCfg = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(out_indices, int):
            out_indices = [out_indices]
        self._raw_out_indices = tuple(out_indices)

    def _check_out_indices(self) -> None:
        """Resolve ``out_indices`` once the stages are known."""
        num_stages = len(self.stage_names)
        assert len(self.stage_channels) == num_stages
        indices = []
        for index in self._raw_out_indices:
            assert isinstance(index, int), \
                f'out_indices must be ints, got {index!r}'
            if not -num_stages <= index < num_stages:
                raise ValueError(f'out_indices {self._raw_out_indices} out '
                                 f'of range for {num_stages} stages')
            indices.append(index % num_stages)
        self.out_indices = tuple(sorted(set(indices)))

    @property
    def out_channels(self) -> int:
        """Channels of the final (penultimate-feature) map."""
        return self.stage_channels[-1]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Return the requested stage outputs, shallowest first."""
        x = self.stem(x)
        outs = []
        for i, name in enumerate(self.stage_names):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
