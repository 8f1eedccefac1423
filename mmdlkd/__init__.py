from . import registry  # noqa: F401  (makes the 'mmdlkd' scope known)
from .utils import register_local_checkpoint_loader
from .version import __version__

register_local_checkpoint_loader()

__all__ = ['__version__']
