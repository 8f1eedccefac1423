"""A test-only hook that stops a training process at a chosen iteration so
that the test can SIGKILL it at a known point (between two checkpoints).

Imported by ``tests/data/configs/tiny_distill_digits_pause.py`` through
``custom_imports``; the test puts this folder on ``PYTHONPATH``.
"""
import os
import time

from mmengine.hooks import Hook

from mmdlkd.registry import HOOKS


@HOOKS.register_module(force=True)
class ReliabilityPauseHook(Hook):
    """After iteration ``$MMDLKD_TEST_PAUSE_AT`` (1-based) has run (and been
    logged), write ``$MMDLKD_TEST_PAUSE_FILE`` and sleep until killed."""

    priority = 'LOWEST'

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        pause_at = int(os.environ.get('MMDLKD_TEST_PAUSE_AT', '0'))
        if runner.iter + 1 != pause_at:
            return
        with open(os.environ['MMDLKD_TEST_PAUSE_FILE'], 'w') as f:
            f.write(str(runner.iter + 1))
        time.sleep(600)
