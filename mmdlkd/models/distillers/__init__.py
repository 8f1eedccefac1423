from .data_preprocessor import MultiViewDataPreprocessor
from .distiller import Distiller
from .renorm import TeacherRenormalizer

__all__ = ['Distiller', 'MultiViewDataPreprocessor', 'TeacherRenormalizer']
