"""Compatibility shims for the pinned OpenMMLab stack."""
import os.path as osp
from typing import Any, Optional

import torch
from mmengine.runner.checkpoint import CheckpointLoader


def _load_local_checkpoint(filename: str,
                           map_location: Optional[Any] = None) -> Any:
    """Load a local checkpoint written by mmengine or by a model zoo.

    mmengine 0.10.7 calls ``torch.load`` without ``weights_only``; since
    torch 2.6 that defaults to ``True`` and refuses mmengine's own training
    checkpoints (they pickle ``HistoryBuffer`` and numpy objects in
    ``message_hub``), which breaks ``--resume``, ``load_from`` and testing a
    local checkpoint. Local files are the user's own, so they are loaded with
    ``weights_only=False``, as mmengine did before torch changed the default.

    Args:
        filename (str): Path of the checkpoint.
        map_location (Any, optional): As in :func:`torch.load`.
            Defaults to None.

    Returns:
        Any: The unpickled checkpoint.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename} does not exist')
    try:
        return torch.load(
            filename, map_location=map_location, weights_only=False)
    except Exception as err:
        raise RuntimeError(
            f'checkpoint file {filename} could not be read '
            f'({type(err).__name__}: {err}); is it a complete torch '
            'checkpoint?') from err


def register_local_checkpoint_loader() -> None:
    """Make mmengine load local checkpoints with ``_load_local_checkpoint``.

    Replaces mmengine's loader for plain paths (the scheme with the empty
    prefix); URLs and other schemes keep mmengine's loaders.
    """
    CheckpointLoader.register_scheme(
        prefixes='', loader=_load_local_checkpoint, force=True)
