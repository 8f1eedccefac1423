"""VGGs with BN of the CIFAR knowledge-distillation benchmark (vgg13, ...)."""
from collections import OrderedDict
from typing import Dict, List, Sequence, Tuple, Union

import torch.nn as nn

from mmdlkd.registry import MODELS
from .base_cifar import KAIMING_INIT_CFG, BaseCifarBackbone, InitCfg


@MODELS.register_module()
class CifarVGG(BaseCifarBackbone):
    """VGG with batch norm and without FC layers, for 32x32 inputs.

    Five stages of 3x3 conv (with bias) - BN - ReLU; stages 2-4 start with
    a 2x2 max-pool, the fifth runs at the fourth's resolution (4x4 for a
    32x32 input) unless ``pool_before_last``. This is the ``vggN_bn`` of
    the CIFAR-100 KD benchmark (CRD), whose ``vgg13``/``vgg8`` are these.

    =====  ====================  ============  ===============
    arch   convs per stage       out channels  params (+fc100)
    =====  ====================  ============  ===============
    vgg8   1, 1, 1, 1, 1         512           3.97M
    vgg11  1, 1, 2, 2, 2         512           9.28M
    vgg13  2, 2, 2, 2, 2         512           9.46M
    vgg16  2, 2, 3, 3, 3         512           14.77M
    vgg19  2, 2, 4, 4, 4         512           20.09M
    =====  ====================  ============  ===============

    Stage widths are 64, 128, 256, 512, 512. vgg8 has 3,965,028 parameters
    with the 100-way FC; the KD literature rounds it to 3.96M.

    Output: the post-ReLU output of the last convolution (``layer5``), the
    map whose global average is the literature's penultimate feature. The
    pre-ReLU map is the output of the last ``bn`` of ``layer5``.

    Args:
        arch (str | dict): A name from the table, or a dict with key
            ``stages``: five lists of conv widths.
        pool_before_last (bool): Max-pool before the fifth stage too, as
            the reference does for 64x64 inputs. Defaults to False.
        out_indices (Sequence[int] | int): Stages (0-4) to output.
            Defaults to -1.
        init_cfg (dict | list[dict], optional): Initialization config.
            Defaults to He-normal (fan-out) convolutions and unit BN.
    """

    arch_settings: Dict[str, Tuple[Tuple[int, ...], ...]] = {
        'vgg8': ((64, ), (128, ), (256, ), (512, ), (512, )),
        'vgg11': ((64, ), (128, ), (256, 256), (512, 512), (512, 512)),
        'vgg13': ((64, 64), (128, 128), (256, 256), (512, 512), (512, 512)),
        'vgg16': ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512),
                  (512, 512, 512)),
        'vgg19': ((64, 64), (128, 128), (256, 256, 256, 256),
                  (512, 512, 512, 512), (512, 512, 512, 512)),
    }

    def __init__(self,
                 arch: Union[str, dict] = 'vgg13',
                 pool_before_last: bool = False,
                 out_indices: Union[int, Sequence[int]] = -1,
                 init_cfg: InitCfg = KAIMING_INIT_CFG) -> None:
        super().__init__(out_indices=out_indices, init_cfg=init_cfg)
        if isinstance(arch, str):
            if arch not in self.arch_settings:
                raise KeyError(f'Unknown arch {arch!r}; choose from '
                               f'{sorted(self.arch_settings)}')
            stages = self.arch_settings[arch]
        else:
            stages = tuple(tuple(s) for s in arch['stages'])
        if len(stages) != 5:
            raise ValueError(f'VGG needs 5 stages, got {len(stages)}')

        self.stem = nn.Identity()
        self.stage_names, self.stage_channels = [], []
        in_channels = 3
        for i, widths in enumerate(stages):
            layers: List[Tuple[str, nn.Module]] = []
            if 0 < i < 4 or (i == 4 and pool_before_last):
                layers.append(('pool', nn.MaxPool2d(2, 2)))
            for j, width in enumerate(widths):
                layers += [(f'conv{j + 1}',
                            nn.Conv2d(in_channels, width, 3, padding=1)),
                           (f'bn{j + 1}', nn.BatchNorm2d(width)),
                           (f'relu{j + 1}', nn.ReLU())]
                in_channels = width
            self.add_module(f'layer{i + 1}',
                            nn.Sequential(OrderedDict(layers)))
            self.stage_names.append(f'layer{i + 1}')
            self.stage_channels.append(in_channels)
        self._check_out_indices()
