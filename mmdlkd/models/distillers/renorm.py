"""Re-normalise a student-normalised batch for a teacher."""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

Norm = Tuple[Optional[torch.Tensor], Optional[torch.Tensor], bool]


def norm_of(preprocessor: Optional[nn.Module]) -> Norm:
    """Read ``(mean, std, flips_channels)`` from a data preprocessor.

    Understands mmengine's ``ImgDataPreprocessor``, mmseg's
    ``SegDataPreProcessor``, mmpretrain's ``ClsDataPreprocessor`` and
    :class:`MultiViewDataPreprocessor` (through its ``preprocessor``).

    Args:
        preprocessor (nn.Module, optional): The data preprocessor; ``None``
            reads as no normalisation and no channel conversion.

    Returns:
        tuple: ``mean`` and ``std`` as 1-D tensors (``None`` when it does
        not normalise) and whether it flips BGR/RGB channels.
    """
    inner = getattr(preprocessor, 'preprocessor', None)
    if isinstance(inner, nn.Module):
        preprocessor = inner
    flip = bool(
        getattr(preprocessor, 'to_rgb', False)
        or getattr(preprocessor, 'channel_conversion', False)
        or getattr(preprocessor, '_channel_conversion', False))
    if not getattr(preprocessor, '_enable_normalize', False):
        return None, None, flip
    return (preprocessor.mean.detach().flatten().cpu(),
            preprocessor.std.detach().flatten().cpu(), flip)


def _as_tensor(values: Optional[Union[Sequence[float], torch.Tensor]],
               fill: float, channels: int) -> torch.Tensor:
    if values is None:
        return torch.full((channels, ), float(fill))
    return torch.as_tensor(values, dtype=torch.float32).flatten()


class TeacherRenormalizer(nn.Module):
    """Turn a batch normalised for the student into the teacher's one.

    With the student's ``x = (raw_s - mean_s) / std_s`` (``raw_s`` in the
    student's channel order), the teacher gets ``(raw_t - mean_t) / std_t``
    where ``raw_t`` is ``raw_s`` with channels reversed when exactly one of
    the two preprocessors converts BGR/RGB. This is one multiply-add per
    pixel and exact (up to float rounding); padded borders become the
    re-normalised padding value.

    Args:
        student (tuple): ``(mean, std, flip)`` of the student, see
            :func:`norm_of`.
        teacher (tuple): ``(mean, std, flip)`` of the teacher.
    """

    def __init__(self, student: Norm, teacher: Norm) -> None:
        super().__init__()
        mean_s, std_s, flip_s = student
        mean_t, std_t, flip_t = teacher
        sizes = [
            torch.as_tensor(v).numel() for v in (mean_s, std_s, mean_t, std_t)
            if v is not None
        ]
        channels = sizes[0] if sizes else 3
        mean_s = _as_tensor(mean_s, 0., channels)
        std_s = _as_tensor(std_s, 1., channels)
        mean_t = _as_tensor(mean_t, 0., channels)
        std_t = _as_tensor(std_t, 1., channels)
        if len({v.numel() for v in (mean_s, std_s, mean_t, std_t)}) != 1:
            raise ValueError('teacher_norm: mean/std of student and teacher '
                             'must have the same number of channels')
        self.flip = bool(flip_s) != bool(flip_t)
        perm = torch.arange(channels)
        if self.flip:
            perm = perm.flip(0)
        scale = std_s[perm] / std_t
        shift = (mean_s[perm] - mean_t) / std_t
        self.register_buffer('perm', perm, persistent=False)
        self.register_buffer('scale', scale.view(1, -1, 1, 1), False)
        self.register_buffer('shift', shift.view(1, -1, 1, 1), False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Re-normalise ``x`` of shape ``(N, C, H, W)``."""
        if self.flip:
            x = x[:, self.perm]
        return x * self.scale.to(x.dtype) + self.shift.to(x.dtype)


def build_renormalizer(teacher_norm: Optional[Union[str, dict]],
                       student_pp: nn.Module,
                       teacher_pp: Optional[nn.Module]) -> Optional[nn.Module]:
    """Build the teacher's re-normaliser from the ``teacher_norm`` option.

    Args:
        teacher_norm (str | dict, optional): ``None``: the teacher takes the
            student's batch as it is. ``'teacher'``: use the teacher's own
            ``data_preprocessor`` settings. A dict with ``mean``, ``std``
            and ``bgr_to_rgb`` (as in an OpenMMLab data preprocessor,
            applied to the loaded image).
        student_pp (nn.Module): The distiller's data preprocessor.
        teacher_pp (nn.Module, optional): The teacher's data preprocessor.

    Returns:
        nn.Module | None: A :class:`TeacherRenormalizer` or ``None``.
    """
    if teacher_norm is None:
        return None
    if teacher_norm == 'teacher':
        if teacher_pp is None:
            raise ValueError("teacher_norm='teacher' needs a teacher with a "
                             'data_preprocessor')
        teacher = norm_of(teacher_pp)
    elif isinstance(teacher_norm, dict):
        unknown = set(teacher_norm) - {'mean', 'std', 'bgr_to_rgb', 'to_rgb'}
        if unknown:
            raise ValueError(f'teacher_norm has unknown keys {sorted(unknown)}'
                             "; use 'mean', 'std' and 'bgr_to_rgb'")
        teacher = (teacher_norm.get('mean'), teacher_norm.get('std'),
                   bool(
                       teacher_norm.get('bgr_to_rgb', False)
                       or teacher_norm.get('to_rgb', False)))
    else:
        raise ValueError("teacher_norm must be None, 'teacher' or a dict("
                         f'mean, std, bgr_to_rgb), got {teacher_norm!r}')
    return TeacherRenormalizer(norm_of(student_pp), teacher)
