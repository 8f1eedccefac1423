"""Student-only checkpoints from distiller checkpoints."""
import io
import time
from collections import OrderedDict
from typing import Optional

import torch

from .atomic_io import atomic_write_bytes

STUDENT_PREFIX = 'student.'


def extract_student_state_dict(state_dict: dict,
                               prefix: str = STUDENT_PREFIX) -> OrderedDict:
    """Keep the student's tensors of a distiller state dict, unprefixed.

    Args:
        state_dict (dict): A distiller state dict (``module.`` wrapper
            prefixes are dropped first).
        prefix (str): The student's prefix. Defaults to ``'student.'``.

    Returns:
        OrderedDict: The student's state dict, loadable by the plain model.

    Raises:
        KeyError: If no key starts with ``prefix`` (not a distiller
            checkpoint).
    """
    out = OrderedDict()
    for key, value in state_dict.items():
        if key.startswith('module.'):
            key = key[len('module.'):]
        if key.startswith(prefix):
            out[key[len(prefix):]] = value
    if not out:
        sample = ', '.join(list(state_dict)[:5])
        raise KeyError(f"no key starts with '{prefix}' (first keys: "
                       f'{sample}); is this a distiller checkpoint?')
    return out


def save_student_checkpoint(checkpoint: dict,
                            filename: str,
                            meta: Optional[dict] = None,
                            use_ema: bool = False) -> str:
    """Write the student-only checkpoint of a distiller checkpoint.

    The file holds ``{'state_dict': student weights, 'meta': ...}`` and is
    written with :func:`atomic_write_bytes`, so a crash never leaves a
    half-written file under ``filename``.

    Args:
        checkpoint (dict): A distiller checkpoint (with ``state_dict``) or a
            bare distiller state dict.
        filename (str): Where to write.
        meta (dict, optional): Extra meta information, merged over the
            checkpoint's ``meta``. Defaults to None.
        use_ema (bool): Export ``ema_state_dict`` (mmengine's EMA hook)
            instead of ``state_dict``. Defaults to False.

    Returns:
        str: ``filename``.
    """
    key = 'ema_state_dict' if use_ema else 'state_dict'
    if use_ema and key not in checkpoint:
        raise KeyError('the checkpoint has no ema_state_dict')
    state = checkpoint.get(key, checkpoint)
    if use_ema:
        state = {k: v for k, v in state.items() if k != 'steps'}
    student = extract_student_state_dict(state)
    out_meta = dict(checkpoint.get('meta') or {})
    out_meta.update(meta or {})
    out_meta.setdefault('student_exported_at',
                        time.strftime('%Y-%m-%d %H:%M:%S'))
    buffer = io.BytesIO()
    torch.save({'state_dict': student, 'meta': out_meta}, buffer)
    atomic_write_bytes(buffer.getvalue(), filename)
    return filename
