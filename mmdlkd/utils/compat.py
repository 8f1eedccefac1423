"""mmengine's loader of local checkpoints, switched to the safe one."""
from mmengine.runner.checkpoint import CheckpointLoader

from .safe_checkpoint import load_local_checkpoint

_ORIGINAL = {}


def register_local_checkpoint_loader() -> None:
    """Make mmengine load local checkpoints with
    :func:`mmdlkd.utils.safe_checkpoint.load_local_checkpoint`.

    mmengine 0.10.7 loads local paths with a plain ``torch.load``, which
    under torch >= 2.6 refuses mmengine's own training checkpoints
    (``--resume``, ``load_from``, testing). The replacement loads them
    weights-only with a narrow allow-list. Only the scheme of plain paths
    (the empty prefix) is replaced; URLs and other schemes keep mmengine's
    loaders. Idempotent.
    """
    if 'local' not in _ORIGINAL:
        _ORIGINAL['local'] = CheckpointLoader._schemes['']
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_checkpoint, force=True)


def unregister_local_checkpoint_loader() -> None:
    """Give mmengine its own loader of local checkpoints back."""
    if 'local' in _ORIGINAL:
        CheckpointLoader.register_scheme(
            prefixes='', loader=_ORIGINAL['local'], force=True)
