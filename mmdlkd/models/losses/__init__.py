from .align_loss import AlignLoss
from .at_loss import ATLoss
from .correlation_loss import CorrelationLoss
from .crd_loss import CRDLoss
from .crd_memory import CRDMemory
from .cwd_loss import ChannelWiseDivergence
from .fitnet_loss import FitNetLoss
from .inbatch_crd_loss import InBatchCRDLoss
from .kd_loss import KDLoss
from .pixel_similarity_loss import PixelSimilarityLoss
from .rkd_loss import RKDLoss
from .sp_loss import SPLoss
from .supcon_distill_loss import SupConDistillLoss

__all__ = [
    'AlignLoss', 'CorrelationLoss', 'SupConDistillLoss', 'KDLoss',
    'ChannelWiseDivergence', 'PixelSimilarityLoss', 'FitNetLoss', 'ATLoss',
    'SPLoss', 'RKDLoss', 'CRDLoss', 'CRDMemory', 'InBatchCRDLoss'
]
