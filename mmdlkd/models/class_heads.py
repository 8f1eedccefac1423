"""The class-score heads of mmseg and mmpretrain models: their number of
classes and ignored label, the recorders that record their scores, and the
check that teacher and student scores are over the same classes."""
from typing import List, Optional, Tuple

import torch.nn as nn
from mmengine.logging import print_log

from .recorders import RecorderManager

#: The attribute holding the class-score head, per host model kind.
HEAD_ATTRS = ('head', 'decode_head')


def head_num_classes(model: nn.Module) -> Optional[Tuple[str, int]]:
    """The number of classes of the model's (decode) head.

    Args:
        model (nn.Module): An mmpretrain ``ImageClassifier``-like model
            (``head.num_classes``) or an mmseg ``EncoderDecoder``-like one
            (``decode_head.num_classes``).

    Returns:
        tuple[str, int] | None: The attribute path (e.g.
        ``'decode_head.num_classes'``) and its value, or None if the model
        has no such head.
    """
    for attr in HEAD_ATTRS:
        head = getattr(model, attr, None)
        num = getattr(head, 'num_classes', None)
        if isinstance(head, nn.Module) and isinstance(num, int):
            return f'{attr}.num_classes', num
    return None


def ignore_index(model: nn.Module) -> Optional[int]:
    """The label value the model's loss ignores.

    Args:
        model (nn.Module): A host model.

    Returns:
        int | None: mmseg's ``decode_head.ignore_index``, or None (no decode
        head, e.g. an mmpretrain classifier).
    """
    return getattr(getattr(model, 'decode_head', None), 'ignore_index', None)


def _is_class_score_module(path: str, module: nn.Module,
                           num_classes: int) -> bool:
    """Whether the output of ``module`` at ``path`` holds class scores."""
    if path in HEAD_ATTRS or path == 'auxiliary_head':
        return True
    if not any(
            path.startswith(p + '.')
            for p in HEAD_ATTRS + ('auxiliary_head', )):
        return False
    if isinstance(module, nn.Linear):
        return module.out_features == num_classes
    if isinstance(module, nn.modules.conv._ConvNd):
        return module.out_channels == num_classes
    return False


def class_score_recorders(model: nn.Module,
                          recorders: RecorderManager) -> List[str]:
    """Names of the recorders that record the model's class scores.

    A recorder records class scores when it records the output (not the
    input) of the head itself or of a linear / convolution layer inside a
    head with ``num_classes`` outputs (e.g. ``head.fc``,
    ``decode_head.conv_seg``).

    Args:
        model (nn.Module): The recorded model.
        recorders (RecorderManager): Its recorders.

    Returns:
        list[str]: ``'<recorder name> (<source>)'`` per such recorder.
    """
    found = head_num_classes(model)
    if found is None:
        return []
    modules = dict(model.named_modules())
    return [
        f'{name} ({rec.source})' for name, rec in recorders.recorders.items()
        if rec.io == 'output'
        and _is_class_score_module(rec.source, modules[rec.source], found[1])
    ]


def check_class_scores(student: nn.Module, teacher: nn.Module,
                       student_recorders: RecorderManager,
                       teacher_recorders: RecorderManager) -> None:
    """Refuse to distil class scores between different class sets.

    When both the teacher's and the student's class scores are recorded
    (e.g. for a KD loss on logits) their heads must have the same number of
    classes. When only the teacher's are, a difference is logged as a
    warning (a connector may map them).

    Args:
        student (nn.Module): The student.
        teacher (nn.Module): The teacher.
        student_recorders (RecorderManager): The student's recorders.
        teacher_recorders (RecorderManager): The teacher's recorders.

    Raises:
        ValueError: Both class scores are recorded and the heads' numbers
            of classes differ; the message names both.
    """
    t_scores = class_score_recorders(teacher, teacher_recorders)
    s_classes = head_num_classes(student)
    t_classes = head_num_classes(teacher)
    if not t_scores or s_classes is None or t_classes is None:
        return
    if s_classes[1] == t_classes[1]:
        return
    s_scores = class_score_recorders(student, student_recorders)
    message = (f'the teacher has {t_classes[1]} classes (teacher '
               f'{t_classes[0]}) and the student {s_classes[1]} (student '
               f'{s_classes[0]}), but the teacher recorders '
               f'{t_scores} record its class scores')
    if s_scores:
        raise ValueError(
            message + f' and the student recorders {s_scores} record the '
            "student's: class scores cannot be distilled between different "
            'class sets. Use a teacher trained on the same classes as the '
            'dataset (check the teacher config and checkpoint).')
    print_log(message, logger='current', level=30)
