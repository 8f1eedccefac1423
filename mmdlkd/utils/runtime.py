"""The one switch for mmdlkd's changes to mmengine's behaviour.

``import mmdlkd`` only registers mmdlkd's modules (its registries, models,
datasets, hooks). The three changes below alter how mmengine itself reads
and writes files, so they are made only by an explicit
:func:`setup_runtime` call: mmdlkd's tools (``tools/train.py``,
``tools/test.py``, ``tools/model_converters/`` and the analysis tools that
load checkpoints) call it first; a Python script calls it before building
its ``Config`` or ``Runner``.
"""
from .atomic_io import (register_atomic_local_writes,
                        unregister_atomic_local_writes)
from .compat import (register_local_checkpoint_loader,
                     unregister_local_checkpoint_loader)
from .package_configs import register_config_prefix, unregister_config_prefix


def setup_runtime() -> None:
    """Switch on mmdlkd's runtime changes to mmengine (idempotent).

    - Local checkpoints (``--resume``, ``load_from``, ``tools/test.py``,
      mmengine's ``load_checkpoint``) load with torch's weights-only
      unpickler and a narrow allow-list of what mmengine's training
      checkpoints hold, so those load under torch >= 2.6 and a file with
      pickled code is refused (:mod:`mmdlkd.utils.safe_checkpoint`;
      ``MMDLKD_TRUSTED_CHECKPOINTS`` lists trusted exceptions).
    - mmengine's local file backend writes checkpoints and
      ``last_checkpoint`` atomically (:mod:`mmdlkd.utils.atomic_io`).
    - ``_base_ = 'mmdlkd::dlkd/x.py'`` in any config inherits mmdlkd's
      config ``configs/dlkd/x.py`` (:mod:`mmdlkd.utils.package_configs`).

    Other packages' behaviour is unchanged: other checkpoint schemes, file
    backends and ``_base_`` entries go to mmengine's own code.
    """
    register_local_checkpoint_loader()
    register_atomic_local_writes()
    register_config_prefix()


def reset_runtime() -> None:
    """Undo :func:`setup_runtime`: mmengine's own loader, writes and
    ``_base_`` resolution come back."""
    unregister_local_checkpoint_loader()
    unregister_atomic_local_writes()
    unregister_config_prefix()
