"""Write a student-only checkpoint beside each distiller checkpoint."""
import os
import os.path as osp
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from mmdlkd.registry import HOOKS
from mmdlkd.utils.student_checkpoint import EMA_KEY, save_student_checkpoint


@HOOKS.register_module()
class StudentCheckpointHook(Hook):
    """Save ``<checkpoint>_student.pth`` whenever CheckpointHook saves.

    The student file holds the student weights of the checkpoint just
    saved, as :func:`save_student_checkpoint` exports them by default: under
    mmengine's ``EMAHook`` the EMA-averaged weights (those the checkpoint's
    ``state_dict`` holds), otherwise the trained ones
    (``meta['student_weights']`` says which). They are read from the
    checkpoint dict that ``Runner.save_checkpoint`` passes to
    ``before_save_checkpoint``, once every hook (``EMAHook``'s swap
    included, whatever the priorities) has handled it; the file is written
    when ``CheckpointHook`` publishes the new ``last_ckpt`` in the message
    hub (this hook runs after it: lower priority). Student files whose
    checkpoint was removed by ``max_keep_ckpts`` are removed too. Only local
    ``out_dir`` paths are supported; best checkpoints are not mirrored.

    Args:
        suffix (str): Appended to the checkpoint's stem.
            Defaults to ``'_student'``.
    """

    priority = 'LOWEST'

    def __init__(self, suffix: str = '_student') -> None:
        self.suffix = suffix
        self._seen: Optional[str] = None
        self._pending: Optional[dict] = None
        self._written = []

    def student_path(self, ckpt_path: str) -> str:
        """The student file written beside ``ckpt_path``."""
        stem, ext = osp.splitext(ckpt_path)
        return f'{stem}{self.suffix}{ext or ".pth"}'

    def before_train(self, runner) -> None:
        self._seen = runner.message_hub.get_info('last_ckpt')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        # Kept, not read: hooks after this one may still change it (EMAHook
        # swaps the averaged weights into state_dict). Its tensors are not
        # updated before the next training step.
        self._pending = checkpoint

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
        # a pending checkpoint is used now or never (e.g. a best checkpoint)
        checkpoint, self._pending = self._pending, None
        last = runner.message_hub.get_info('last_ckpt')
        if last is None or last == self._seen:
            return
        self._seen = last
        if not is_main_process() or not osp.isfile(last):
            return
        if checkpoint is None:
            runner.logger.warning(
                f'{last} was not saved through Runner.save_checkpoint; no '
                'student-only file is written for it')
            return
        meta = dict(epoch=epoch, iter=iteration, source_checkpoint=last)
        dataset_meta = getattr(
            getattr(runner.train_dataloader, 'dataset', None), 'metainfo',
            None)
        if dataset_meta is not None:
            meta['dataset_meta'] = dataset_meta
        source = {
            key: checkpoint[key]
            for key in ('state_dict', EMA_KEY) if key in checkpoint
        }
        path = save_student_checkpoint(
            source, self.student_path(last), meta=meta)
        self._written.append((last, path))
        kind = 'EMA-averaged' if EMA_KEY in source else 'trained'
        runner.logger.info(f'student-only weights ({kind}) saved to {path}')
        for ckpt, student in list(self._written):
            if not osp.exists(ckpt) and osp.exists(student):
                os.remove(student)
                self._written.remove((ckpt, student))
