"""Check the training data against the model before it trains on it."""
from typing import Optional, Tuple

import torch.nn as nn
from mmengine.hooks import Hook

from mmdlkd.datasets.checks import (check_dataset_classes, check_labels,
                                    check_pooled_norm_batch, unwrap)
from mmdlkd.datasets.split_check import check_disjoint
from mmdlkd.models.class_heads import (class_score_recorders, head_num_classes,
                                       ignore_index)
from mmdlkd.registry import HOOKS


@HOOKS.register_module()
class DatasetCheckHook(Hook):
    """Fail in the first seconds when the data do not fit the model.

    - ``before_train``: the training dataset's ``metainfo['classes']`` must
      have as many entries as the student's head has classes
      (``head.num_classes`` / ``decode_head.num_classes``), and as the
      teacher's when the teacher's class scores are recorded (a teacher
      used for its features only may come from another dataset).
    - ``before_train``: the validation set (and a test set already built)
      must share no sample with the training set when both are carved
      from one dataset (``mmdlkd.RandomSubset`` splits).
    - ``before_train``: no batch norm of the student behind a global
      pooling (PSPNet's pyramid pooling, ASPP's image pooling) may get a
      single value per channel, as it does with one image per process and
      no process group (mmengine turns SyncBN into BN then).
    - ``before_train_iter`` of the first ``label_check_iters`` iterations:
      every label of the raw (CPU) batch must be a class index of the
      student or its ``decode_head.ignore_index``; the message names the
      files. On CUDA an out-of-range label otherwise ends in a
      device-side assert far from its cause.

    Works for a ``mmdlkd.Distiller`` and for a plain mmseg/mmpretrain
    model. Runs on the CPU copies of the labels, so it costs no device
    synchronisation.

    Example:
        >>> custom_hooks = [dict(type='mmdlkd.DatasetCheckHook')]

    Args:
        label_check_iters (int): Check the labels of this many first
            iterations (of the run, also after resuming); -1 checks every
            iteration, 0 none. Defaults to 20.
        check_classes (bool): Compare the dataset's classes with the
            models'. Defaults to True.
        check_batch (bool): Check the images per process against the
            student's pooled batch norms. Defaults to True.
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 label_check_iters: int = 20,
                 check_classes: bool = True,
                 check_batch: bool = True) -> None:
        self.label_check_iters = label_check_iters
        self.check_classes = check_classes
        self.check_batch = check_batch
        self._checked = 0

    @staticmethod
    def _models(runner) -> Tuple[nn.Module, Optional[nn.Module]]:
        model = unwrap(runner.model)
        student = getattr(model, 'student', None)
        if isinstance(student, nn.Module):
            return student, getattr(model, 'teacher', None)
        return model, None

    def before_train(self, runner) -> None:
        """Compare the dataset's classes with the heads and the batch size
        with the student's pooled batch norms."""
        self._check_splits(runner)
        batch_size = getattr(runner.train_dataloader, 'batch_size', None)
        if self.check_batch and batch_size:
            check_pooled_norm_batch(
                self._models(runner)[0], batch_size, runner.world_size,
                getattr(runner.cfg, 'filename', None) or 'the config')
        if not self.check_classes:
            return
        dataset = getattr(runner.train_dataloader, 'dataset', None)
        meta = getattr(dataset, 'metainfo', None)
        student, teacher = self._models(runner)
        models = dict(student=head_num_classes(student))
        recorders = getattr(unwrap(runner.model), 'teacher_recorders', None)
        if teacher is not None and recorders is not None and \
                class_score_recorders(teacher, recorders):
            models['teacher'] = head_num_classes(teacher)
        elif teacher is not None:
            found = head_num_classes(teacher)
            classes = (meta or {}).get('classes') or ()
            if found is not None and classes and found[1] != len(classes):
                runner.logger.warning(
                    f'the teacher has {found[1]} classes (teacher '
                    f'{found[0]}), the training dataset {len(classes)}; '
                    'fine only if the teacher is used for its features')
        check_dataset_classes(
            meta, models, f'the training dataset ({type(dataset).__name__})')

    @staticmethod
    def _check_splits(runner) -> None:
        train = getattr(runner.train_dataloader, 'dataset', None)
        for name in ('val', 'test'):
            loop = getattr(runner, f'_{name}_loop', None)
            loader = getattr(loop, 'dataloader', None)
            if train is not None and loader is not None:
                check_disjoint(train, loader.dataset,
                               f'{name}_dataloader.dataset')

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        """Check the label values of the raw batch."""
        limit = self.label_check_iters
        if limit == 0 or (0 < limit <= self._checked):
            return
        self._checked += 1
        if not isinstance(data_batch, dict):
            return
        samples = data_batch.get('data_samples')
        student, _ = self._models(runner)
        found = head_num_classes(student)
        if not samples or found is None:
            return
        check_labels(samples, found[1], ignore_index(student),
                     f'the student ({found[0]} = {found[1]})')
