"""Write a student-only checkpoint beside each distiller checkpoint."""
import os
import os.path as osp
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import get_state_dict, weights_to_cpu

from mmdlkd.registry import HOOKS
from mmdlkd.utils.student_checkpoint import save_student_checkpoint


@HOOKS.register_module()
class StudentCheckpointHook(Hook):
    """Save ``<checkpoint>_student.pth`` whenever CheckpointHook saves.

    Runs after mmengine's ``CheckpointHook`` (lower priority) and watches
    the ``last_ckpt`` it publishes in the message hub; when that changes, the
    current student weights (those just saved) are written beside it with
    :func:`save_student_checkpoint`. Student files whose checkpoint was
    removed by ``max_keep_ckpts`` are removed too. Only local ``out_dir``
    paths are supported; best checkpoints are not mirrored.

    Args:
        suffix (str): Appended to the checkpoint's stem.
            Defaults to ``'_student'``.
    """

    priority = 'LOWEST'

    def __init__(self, suffix: str = '_student') -> None:
        self.suffix = suffix
        self._seen: Optional[str] = None
        self._written = []

    def student_path(self, ckpt_path: str) -> str:
        """The student file written beside ``ckpt_path``."""
        stem, ext = osp.splitext(ckpt_path)
        return f'{stem}{self.suffix}{ext or ".pth"}'

    def before_train(self, runner) -> None:
        self._seen = runner.message_hub.get_info('last_ckpt')

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        # like Runner.save_checkpoint: the loop counters are not yet advanced
        self._maybe_save(runner, runner.epoch, runner.iter + 1)

    def after_train_epoch(self, runner) -> None:
        self._maybe_save(runner, runner.epoch + 1, runner.iter)

    def after_train(self, runner) -> None:
        self._maybe_save(runner, runner.epoch, runner.iter)

    def _maybe_save(self, runner, epoch: int, iteration: int) -> None:
        last = runner.message_hub.get_info('last_ckpt')
        if last is None or last == self._seen:
            return
        self._seen = last
        if not is_main_process() or not osp.isfile(last):
            return
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        state = weights_to_cpu(get_state_dict(model))
        meta = dict(epoch=epoch, iter=iteration, source_checkpoint=last)
        dataset_meta = getattr(
            getattr(runner.train_dataloader, 'dataset', None), 'metainfo',
            None)
        if dataset_meta is not None:
            meta['dataset_meta'] = dataset_meta
        path = save_student_checkpoint(
            dict(state_dict=state), self.student_path(last), meta=meta)
        self._written.append((last, path))
        runner.logger.info(f'student-only weights saved to {path}')
        for ckpt, student in list(self._written):
            if not osp.exists(ckpt) and osp.exists(student):
                os.remove(student)
                self._written.remove((ckpt, student))
