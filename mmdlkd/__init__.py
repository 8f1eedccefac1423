from . import registry  # noqa: F401  (makes the 'mmdlkd' scope known)
from .utils import (register_atomic_local_writes,
                    register_local_checkpoint_loader)
from .version import __version__

register_local_checkpoint_loader()
register_atomic_local_writes()

__all__ = ['__version__']
