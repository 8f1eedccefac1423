from .conv_reg_connector import ConvRegConnector
from .linear_connector import LinearConnector
from .mlp_connector import MLPConnector, PixelMLPConnector
from .tokens import TokenPool, TokensToMap

__all__ = [
    'MLPConnector', 'PixelMLPConnector', 'LinearConnector', 'ConvRegConnector',
    'TokenPool', 'TokensToMap'
]
