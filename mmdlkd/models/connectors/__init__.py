from .conv_reg_connector import ConvRegConnector
from .linear_connector import LinearConnector
from .mlp_connector import MLPConnector, PixelMLPConnector

__all__ = [
    'MLPConnector', 'PixelMLPConnector', 'LinearConnector', 'ConvRegConnector'
]
