from .atomic_io import (atomic_write_bytes, register_atomic_local_writes,
                        unregister_atomic_local_writes)
from .compat import register_local_checkpoint_loader
from .memory import peak_memory_growth

__all__ = [
    'register_local_checkpoint_loader', 'register_atomic_local_writes',
    'unregister_atomic_local_writes', 'atomic_write_bytes',
    'peak_memory_growth'
]
