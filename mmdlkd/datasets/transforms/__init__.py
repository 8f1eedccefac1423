from .augmented_views import AugmentedViews
from .rotation_views import RotationViews, rotate_image

__all__ = ['RotationViews', 'AugmentedViews', 'rotate_image']
