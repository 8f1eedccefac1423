from .align_loss import AlignLoss
from .correlation_loss import CorrelationLoss
from .cwd_loss import ChannelWiseDivergence
from .kd_loss import KDLoss
from .pixel_similarity_loss import PixelSimilarityLoss
from .supcon_distill_loss import SupConDistillLoss

__all__ = [
    'AlignLoss', 'CorrelationLoss', 'SupConDistillLoss', 'KDLoss',
    'ChannelWiseDivergence', 'PixelSimilarityLoss'
]
