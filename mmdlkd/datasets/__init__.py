from .subset import RandomSubset
from .transforms import *  # noqa: F401,F403

__all__ = ['RandomSubset']
