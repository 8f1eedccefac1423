from .channels_last_hook import ChannelsLastHook
from .crd_memory_hook import CRDMemoryHook, training_samples
from .dataset_check_hook import DatasetCheckHook
from .nonfinite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .student_checkpoint_hook import StudentCheckpointHook

__all__ = [
    'StudentCheckpointHook', 'NonFiniteLossHook', 'NonFiniteLossError',
    'DatasetCheckHook', 'ChannelsLastHook', 'CRDMemoryHook', 'training_samples'
]
