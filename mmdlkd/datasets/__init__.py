from .checks import (check_dataset_classes, check_dataset_paths, check_labels,
                     label_problems)
from .fashion_mosaic import FashionMosaicDataset
from .subset import RandomSubset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'FashionMosaicDataset', 'RandomSubset', 'check_dataset_paths',
    'check_dataset_classes', 'check_labels', 'label_problems'
]
