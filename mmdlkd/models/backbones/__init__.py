from .base_cifar import BaseCifarBackbone
from .cifar_mobilenetv2 import CifarMobileNetV2
from .cifar_resnet import CifarResNet
from .cifar_shufflenet import CifarShuffleNetV1, CifarShuffleNetV2
from .cifar_vgg import CifarVGG
from .cifar_wrn import WideResNet

__all__ = [
    'BaseCifarBackbone', 'CifarMobileNetV2', 'CifarResNet',
    'CifarShuffleNetV1', 'CifarShuffleNetV2', 'CifarVGG', 'WideResNet'
]
