"""Student-only checkpoints from distiller checkpoints.

Under mmengine's ``EMAHook`` (mmengine >= 0.3), ``before_save_checkpoint``
writes the averaged model's ``state_dict()`` to ``ema_state_dict`` (its
``steps`` buffer plus every entry of the model as ``module.<key>``) and then
swaps the values of each ``module.<key>`` with ``state_dict[<key>]``. A saved
checkpoint therefore holds the *averaged* weights in ``state_dict`` (what
``load_checkpoint``, ``tools/test.py`` and the inferencers read) and the
*raw* trained weights in ``ema_state_dict`` (to resume from).
"""
import io
import time
from collections import OrderedDict
from typing import Optional, Tuple

import torch

from .atomic_io import atomic_write_bytes

STUDENT_PREFIX = 'student.'
EMA_KEY = 'ema_state_dict'
EMA_PREFIX = 'module.'


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


def select_weights(checkpoint: dict,
                   use_ema: Optional[bool] = None) -> Tuple[dict, str]:
    """The distiller state dict to export and what it holds.

    Args:
        checkpoint (dict): A distiller checkpoint (with ``state_dict``) or a
            bare distiller state dict.
        use_ema (bool, optional): None: ``state_dict`` as saved (the
            averaged weights when the checkpoint was saved under
            ``EMAHook``, else the trained ones). True: the averaged weights,
            an error without ``ema_state_dict``. False: the raw weights (the
            ``module.`` entries of ``ema_state_dict`` where there is one).
            Defaults to None.

    Returns:
        tuple[dict, str]: The state dict and ``'ema'`` (EMA-averaged) or
        ``'raw'`` (not averaged).

    Raises:
        KeyError: If ``use_ema`` is True and the checkpoint has no
            ``ema_state_dict``.
    """
    state = checkpoint.get('state_dict', checkpoint)
    has_ema = EMA_KEY in checkpoint
    if use_ema and not has_ema:
        raise KeyError(f'the checkpoint has no {EMA_KEY}: it was not saved '
                       "under mmengine's EMAHook and holds no averaged "
                       'weights')
    if not has_ema:
        return state, 'raw'
    if use_ema is False:
        # EMAHook swapped the raw weights into ema_state_dict['module.<k>']
        state = dict(state)
        for key, value in checkpoint[EMA_KEY].items():
            if key.startswith(EMA_PREFIX):
                state[key[len(EMA_PREFIX):]] = value
        return state, 'raw'
    return state, 'ema'


def save_student_checkpoint(checkpoint: dict,
                            filename: str,
                            meta: Optional[dict] = None,
                            use_ema: Optional[bool] = None) -> str:
    """Write the student-only checkpoint of a distiller checkpoint.

    The file holds ``{'state_dict': student weights, 'meta': ...}`` and is
    written with :func:`atomic_write_bytes`, so a crash never leaves a
    half-written file under ``filename``. ``meta['student_weights']`` says
    whether the weights are EMA-averaged (``'ema'``) or not (``'raw'``).

    Args:
        checkpoint (dict): A distiller checkpoint (with ``state_dict``) or a
            bare distiller state dict.
        filename (str): Where to write.
        meta (dict, optional): Extra meta information, merged over the
            checkpoint's ``meta``. Defaults to None.
        use_ema (bool, optional): Which weights; see :func:`select_weights`.
            Defaults to None (those of ``state_dict``: the averaged ones
            when the checkpoint was saved under ``EMAHook``).

    Returns:
        str: ``filename``.
    """
    state, kind = select_weights(checkpoint, use_ema)
    student = extract_student_state_dict(state)
    out_meta = dict(checkpoint.get('meta') or {})
    out_meta.update(meta or {})
    out_meta['student_weights'] = kind
    out_meta.setdefault('student_exported_at',
                        time.strftime('%Y-%m-%d %H:%M:%S'))
    buffer = io.BytesIO()
    torch.save({'state_dict': student, 'meta': out_meta}, buffer)
    atomic_write_bytes(buffer.getvalue(), filename)
    return filename
