from .atomic_io import (atomic_write_bytes, register_atomic_local_writes,
                        unregister_atomic_local_writes)
from .compat import register_local_checkpoint_loader

__all__ = [
    'register_local_checkpoint_loader', 'register_atomic_local_writes',
    'unregister_atomic_local_writes', 'atomic_write_bytes'
]
