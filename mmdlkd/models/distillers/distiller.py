"""The teacher -> student distiller."""
import copy
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel

from mmdlkd.models.class_heads import check_class_scores
from mmdlkd.models.recorders import RecorderManager
from mmdlkd.registry import MODELS
from .data_preprocessor import MultiViewDataPreprocessor
from .fuse_bn import fuse_teacher_bn
from .host_models import scale_losses, student_task_loss, teacher_forward
from .mapping import DistillMapping, drop_disabled_losses
from .renorm import build_renormalizer, norm_of
from .teacher import build_teacher, check_teacher_weights
from .views import (check_num_views, check_preprocessor_takes_views,
                    concat_views)

_DISTILL_KEYS = ('recorders', 'connectors', 'losses', 'loss_inputs', 'compile')
_TEACHER_DTYPES = dict(fp16=torch.float16, bf16=torch.bfloat16)


@MODELS.register_module()
class Distiller(BaseModel):
    """Distil a frozen teacher into an mmseg or mmpretrain student.

    ``loss`` runs the teacher (``eval()``, no grad, only the modules the
    recorders need, never its losses) and the student (its own losses on
    the original view, or on all views) once each over all views, then
    feeds the recorded features through connectors into the distillation
    losses. ``predict`` and ``tensor`` modes are the student's, so stock
    validation loops and metrics work. See ``docs/distiller.md``.

    Args:
        student (dict): The student's model config (host scope, e.g. mmseg
            ``EncoderDecoder`` or mmpretrain ``ImageClassifier``).
        teacher (dict): The teacher's model config, or
            ``dict(cfg_path='mmseg::...' | 'mmpretrain::...' | local file,
            **overrides)``.
        teacher_ckpt (str, optional): Local path or URL of the teacher's
            weights, loaded on the CPU when the distiller is built.
            Required unless ``random_teacher=True``. Defaults to None.
        random_teacher (bool): Build the teacher without weights (its
            config's own initialisation, with pretrained downloads
            cleared): only for speed benchmarks and tests, never for a
            model worth training. A ``teacher_ckpt``, when given, is
            loaded whatever this says. Defaults to False.
        teacher_strict (bool): Refuse a checkpoint whose keys or shapes do
            not match the teacher. Defaults to True.
        teacher_norm (str | dict, optional): How the teacher's input
            normalisation differs from the student's: ``None`` (it does
            not), ``'teacher'`` (use the teacher config's
            ``data_preprocessor``) or ``dict(mean, std, bgr_to_rgb)``.
            Defaults to None.
        task_loss_views (str): ``'original'``: the student's task loss sees
            only view 0; ``'all'``: every view (labels repeated per view for
            classification). Defaults to ``'original'``.
        task_loss_weight (float): Factor on every loss of the student's own
            loss dict (entries whose name contains ``loss``; accuracies are
            left as they are), e.g. RepDistiller's CE weight ``-r 0.1`` of
            Hinton KD. Defaults to 1.0.
        num_views (int, optional): If set, every training batch must have
            exactly this many views. Defaults to None (any).
        distill (dict, optional): ``recorders`` (``dict(student=...,
            teacher=...)``), ``connectors``, ``losses``, ``loss_inputs``
            and ``compile`` (``torch.compile`` the connectors and losses:
            False, True or a dict of its arguments; the teacher and student
            follow mmengine's ``compile`` option), see
            ``docs/distiller.md``. A loss set to ``None`` is off, with the
            connectors only it uses. Defaults to None (no distillation).
        data_preprocessor (dict, optional): None uses the student's own
            data preprocessor. A dict without ``type`` gets the student
            preprocessor's type; ``mmdlkd.MultiViewDataPreprocessor``
            without ``preprocessor`` wraps the student's preprocessor
            config. mmengine's Runner fills a missing
            ``model.data_preprocessor`` with the config's top-level
            ``data_preprocessor``, so a config whose top-level one is not
            meant for the distiller sets ``data_preprocessor=None``.
            Defaults to None.
        teacher_dtype (str, optional): ``'fp16'`` or ``'bf16'`` runs the
            frozen teacher (weights and input) in half precision; recorded
            teacher features are cast back to float32 for the losses.
            ``'auto'``: bf16 where the device that will train has bf16
            arithmetic (a CUDA GPU that supports it, else a CPU whose
            oneDNN has bf16 kernels), float32 elsewhere; the choice is
            logged. Defaults to None (float32).
        teacher_channels_last (bool): Run the teacher in channels-last
            memory format (its recorded features come back contiguous).
            Defaults to False.
        teacher_fuse_bn (bool): Fold the frozen teacher's batch norms into
            the convolutions that feed them (in float32, before any
            ``teacher_dtype`` cast), so its forward runs no batch-norm
            operator. A recorded convolution or batch norm is not folded,
            and building fails if a recorded output moves by more than
            1e-4 (relative L2). The teacher's state dict then has conv
            biases instead of batch-norm entries. Defaults to False.
    """

    def __init__(self,
                 student: dict,
                 teacher: dict,
                 teacher_ckpt: Optional[str] = None,
                 random_teacher: bool = False,
                 teacher_strict: bool = True,
                 teacher_norm: Optional[Union[str, dict]] = None,
                 task_loss_views: str = 'original',
                 task_loss_weight: float = 1.0,
                 num_views: Optional[int] = None,
                 distill: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 teacher_dtype: Optional[str] = None,
                 teacher_channels_last: bool = False,
                 teacher_fuse_bn: bool = False) -> None:
        super().__init__()
        if teacher_dtype == 'auto':
            teacher_dtype = auto_teacher_dtype()
        if teacher_dtype is not None and teacher_dtype not in _TEACHER_DTYPES:
            raise ValueError("teacher_dtype must be None, 'auto' or "
                             f'{list(_TEACHER_DTYPES)}, got {teacher_dtype!r}')
        if task_loss_views not in ('original', 'all'):
            raise ValueError("task_loss_views must be 'original' or 'all', "
                             f'got {task_loss_views!r}')
        self.task_loss_views = task_loss_views
        if not task_loss_weight >= 0:
            raise ValueError('task_loss_weight must be >= 0, got '
                             f'{task_loss_weight!r}')
        self.task_loss_weight = float(task_loss_weight)
        self.num_views = num_views
        check_teacher_weights(teacher_ckpt, random_teacher)
        self.student = MODELS.build(student)
        self.teacher = build_teacher(teacher, teacher_ckpt, teacher_strict)
        self.teacher_ckpt = teacher_ckpt
        self.data_preprocessor = self._build_preprocessor(
            data_preprocessor, student)
        # a pre-hook, not train_step: mmengine's DDP wrapper calls the
        # preprocessor and forward directly
        self.data_preprocessor.register_forward_pre_hook(
            _check_views_hook, with_kwargs=True)

        distill = dict(distill or {})
        unknown = sorted(set(distill) - set(_DISTILL_KEYS))
        if unknown:
            raise ValueError(f'distill has unknown keys {unknown}; allowed '
                             f'are {list(_DISTILL_KEYS)}')
        recorders = dict(distill.get('recorders') or {})
        unknown = sorted(set(recorders) - {'student', 'teacher'})
        if unknown:
            raise ValueError(f'distill.recorders has unknown keys {unknown}; '
                             "use dict(student=..., teacher=...)")
        self.student_recorders = RecorderManager(self.student,
                                                 recorders.get('student'),
                                                 'student')
        self.teacher_recorders = RecorderManager(self.teacher,
                                                 recorders.get('teacher'),
                                                 'teacher')
        if teacher_fuse_bn:
            self._fuse_teacher_bn()
        check_class_scores(self.student, self.teacher, self.student_recorders,
                           self.teacher_recorders)
        connectors, losses, loss_inputs = drop_disabled_losses(
            dict(distill.get('connectors') or {}),
            dict(distill.get('losses') or {}),
            dict(distill.get('loss_inputs') or {}))
        self.connectors = nn.ModuleDict({
            name: MODELS.build(cfg)
            for name, cfg in connectors.items()
        })
        for name in losses:
            if 'loss' not in name:
                raise ValueError(
                    f"distill loss name '{name}' must contain 'loss', "
                    'otherwise mmengine logs it but does not optimise it')
        self.distill_losses = nn.ModuleDict({
            name: MODELS.build(cfg)
            for name, cfg in losses.items()
        })
        self.mapping = DistillMapping(
            loss_inputs,
            self.distill_losses,
            self.connectors,
            dict(
                student=self.student_recorders,
                teacher=self.teacher_recorders),
            cast_teacher=teacher_dtype is not None or teacher_channels_last,
            compile=distill.get('compile', False))
        self.renorm = build_renormalizer(
            teacher_norm, self.data_preprocessor,
            getattr(self.teacher, 'data_preprocessor', None))
        if teacher_norm is None:
            self._warn_if_norm_differs()
        # after the norm checks, which read the teacher's preprocessor
        self.teacher_dtype = _TEACHER_DTYPES.get(teacher_dtype)
        self.teacher_channels_last = teacher_channels_last
        if self.teacher_dtype is not None:
            self.teacher.to(self.teacher_dtype)
        if teacher_channels_last:
            self.teacher.to(memory_format=torch.channels_last)

    def _fuse_teacher_bn(self) -> None:
        sources = self.teacher_recorders.sources()
        conv = next(m for m in self.teacher.modules()
                    if isinstance(m, nn.Conv2d))
        sample = torch.randn(
            1,
            conv.in_channels,
            64,
            64,
            generator=torch.Generator().manual_seed(0))
        fuse_teacher_bn(self.teacher, sources,
                        lambda: teacher_forward(self.teacher, sample, sources))
        # the runner's init_weights must not re-initialise the folded weights
        self.teacher._is_init = True

    def _build_preprocessor(self, cfg: Optional[dict],
                            student: dict) -> nn.Module:
        if cfg is None:
            if student.get('data_preprocessor') is None:
                raise ValueError(
                    'Distiller: data_preprocessor=None means "the '
                    "student's\", but the student config has none (its "
                    'default would not normalise the images). mmpretrain '
                    'configs keep it at the top level: leave '
                    "model.data_preprocessor out so mmengine's Runner "
                    'passes it in, or set it explicitly.')
            return self.student.data_preprocessor
        cfg = copy.deepcopy(dict(cfg))
        # mmpretrain configs give the top-level preprocessor without a type
        # (its models default it); the student's type is the right default.
        cfg.setdefault('type', type(self.student.data_preprocessor))
        if _is_multi_view(cfg['type']) and 'preprocessor' not in cfg:
            if student.get('data_preprocessor') is None:
                raise ValueError(
                    'MultiViewDataPreprocessor needs preprocessor=... when '
                    'the student config has no data_preprocessor')
            cfg['preprocessor'] = copy.deepcopy(student['data_preprocessor'])
        return MODELS.build(cfg)

    def _warn_if_norm_differs(self) -> None:
        from mmengine.logging import print_log
        s_mean, s_std, s_flip = norm_of(self.data_preprocessor)
        t_mean, t_std, t_flip = norm_of(
            getattr(self.teacher, 'data_preprocessor', None))
        same = s_flip == t_flip and all(
            (a is None and b is None) or
            (a is not None and b is not None and a.shape == b.shape
             and torch.allclose(a, b))
            for a, b in ((s_mean, t_mean), (s_std, t_std)))
        if not same:
            print_log(
                'the teacher config normalises images differently from the '
                "student's data preprocessor; the teacher gets the student's "
                "batch. Set teacher_norm='teacher' to re-normalise it.",
                logger='current',
                level=30)

    def _teacher_input(self, batch: torch.Tensor) -> torch.Tensor:
        """The batch in the teacher's dtype and layout, in one copy."""
        if self.teacher_dtype is None and not self.teacher_channels_last:
            return batch
        return batch.to(
            dtype=self.teacher_dtype or batch.dtype,
            memory_format=(torch.channels_last if self.teacher_channels_last
                           else torch.preserve_format))

    def run_teacher(self, batch: torch.Tensor) -> None:
        """Run the frozen teacher on the student's ``V*N`` batch, as each
        training step does: re-normalised (``teacher_norm``), in its dtype
        and layout, under ``torch.no_grad`` and only as far as its
        recorders need. ``teacher_recorders`` then hold its features.

        Args:
            batch (Tensor): The preprocessed batch of all views.
        """
        with torch.no_grad(), self.teacher_recorders.recording():
            t_batch = batch if self.renorm is None else self.renorm(batch)
            teacher_forward(self.teacher, self._teacher_input(t_batch),
                            self.teacher_recorders.sources())

    def train(self, mode: bool = True) -> 'Distiller':
        """Set the train mode; the teacher always stays in ``eval()``."""
        super().train(mode)
        self.teacher.eval()
        return self

    def forward(self,
                inputs: Union[torch.Tensor, List[torch.Tensor]],
                data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        """Dispatch to :meth:`loss`, or to the student for ``predict`` and
        ``tensor``."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if not isinstance(inputs, torch.Tensor):
            inputs = inputs[0]  # the original view
        if mode in ('predict', 'tensor'):
            return self.student(inputs, data_samples, mode=mode)
        raise RuntimeError(f'Invalid mode "{mode}"')

    def loss(self, inputs: Union[torch.Tensor, List[torch.Tensor]],
             data_samples: list) -> Dict[str, torch.Tensor]:
        """The student's losses and the distillation losses.

        Args:
            inputs (Tensor | list[Tensor]): A batch, or ``V`` view batches
                with view 0 the original.
            data_samples (list): The original view's samples (or one per
                view row, view-major).

        Returns:
            dict[str, Tensor]: The student's loss dict plus one entry per
            distillation loss, under its config name.
        """
        batch, num_views = concat_views(inputs)
        check_num_views(num_views, self.num_views)
        try:
            self.run_teacher(batch)
            with self.student_recorders.recording():
                losses = student_task_loss(self.student, batch, num_views,
                                           data_samples, self.task_loss_views)
            losses = scale_losses(losses, self.task_loss_weight)
            clash = sorted(set(losses) & set(self.distill_losses))
            if clash:
                raise ValueError(f'distill loss names {clash} clash with the '
                                 "student's own loss names")
            losses.update(
                self.mapping.compute(data_samples, num_views,
                                     batch.shape[0] // num_views,
                                     batch.device))
        finally:
            self.teacher_recorders.reset()
            self.student_recorders.reset()
        return losses

    def parse_losses(
        self, losses: Dict[str, torch.Tensor]
    ) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        """mmengine's sum of the losses, with the student's own ``loss``
        entry (mmpretrain heads name their cross-entropy so) logged as
        ``student.loss``: mmengine logs the total as ``loss`` and would
        otherwise show the student's value under that name.

        Args:
            losses (dict[str, Tensor]): The output of :meth:`loss`.

        Returns:
            tuple[Tensor, dict]: The total loss and the values to log.
        """
        renamed = {
            ('student.loss' if name == 'loss' else name): value
            for name, value in losses.items()
        }
        return super().parse_losses(renamed)


def _check_views_hook(preprocessor: nn.Module, args: tuple,
                      kwargs: dict) -> None:
    """Forward pre-hook of the distiller's data preprocessor: refuse a raw
    multi-view batch for a single-view preprocessor, by name."""
    data = args[0] if args else kwargs.get('data')
    if isinstance(data, dict):
        check_preprocessor_takes_views(data, preprocessor)


def auto_teacher_dtype() -> Optional[str]:
    """``'bf16'`` where the training device has bf16 arithmetic, else None.

    The device is CUDA when it is available (the runner moves the model
    there), else the CPU.
    """
    from mmengine.logging import print_log
    if torch.cuda.is_available():
        found = torch.cuda.is_bf16_supported()
        device = 'the GPU'
    else:
        found = bool(torch.backends.mkldnn.is_available()
                     and torch.ops.mkldnn._is_mkldnn_bf16_supported())
        device = 'this CPU'
    print_log(
        f"teacher_dtype='auto': {device} has "
        f"{'' if found else 'no '}bf16 arithmetic, the teacher runs in "
        f"{'bf16' if found else 'float32'}",
        logger='current')
    return 'bf16' if found else None


def _is_multi_view(kind: Union[str, type]) -> bool:
    """Whether a preprocessor ``type`` is (a subclass of)
    :class:`MultiViewDataPreprocessor`.

    Args:
        kind (str | type): A class, or a registry name resolved in the
            current default scope (``'mmdlkd.X'`` in mmdlkd's).

    Returns:
        bool: True for the multi-view preprocessor; False for other and
        unknown names.
    """
    if isinstance(kind, str):
        with MODELS.switch_scope_and_registry(None) as registry:
            kind = registry.get(kind)
    return isinstance(kind, type) and issubclass(kind,
                                                 MultiViewDataPreprocessor)
