"""mmdlkd: importing it registers its modules and changes nothing else.

mmdlkd's changes to mmengine's behaviour (safe loading of local
checkpoints, atomic checkpoint writes, ``mmdlkd::`` config inheritance)
are switched on by :func:`mmdlkd.utils.setup_runtime`, which mmdlkd's
tools call.
"""
from . import registry  # noqa: F401  (makes the 'mmdlkd' scope known)
from .version import __version__

__all__ = ['__version__']
