from .data_preprocessor import MultiViewDataPreprocessor
from .distiller import Distiller
from .export import extract_student_state_dict, save_student_checkpoint
from .renorm import TeacherRenormalizer

__all__ = [
    'Distiller', 'MultiViewDataPreprocessor', 'TeacherRenormalizer',
    'extract_student_state_dict', 'save_student_checkpoint'
]
