"""Load local checkpoints with torch's weights-only unpickler.

A checkpoint is a pickle, and a pickle can call any importable function
while it is read. mmengine 0.10.7 calls ``torch.load`` without
``weights_only``; since torch 2.6 that means ``weights_only=True``, which
refuses such calls but also mmengine's own training checkpoints: their
``message_hub`` pickles mmengine's ``HistoryBuffer`` (numpy arrays and
scalars inside) and, through ``HistoryBuffer.__getstate__``, its statistics
methods as ``getattr(HistoryBuffer, 'mean')``.

:func:`load_local_checkpoint` keeps ``weights_only=True`` and allow-lists,
for the duration of the call only (``torch.serialization.safe_globals``),
exactly what mmengine's training loop, its hooks and mmdlkd's hooks write:

- ``mmengine.logging.HistoryBuffer``;
- ``numpy.ndarray``, ``numpy.dtype`` and the dtype classes of numbers,
  booleans, strings and dates (not object or structured dtypes), and
  ``numpy._core.multiarray._reconstruct`` / ``scalar`` (also under numpy
  1.x's name ``numpy.core.multiarray``), which numpy's pickling uses to
  rebuild arrays and scalars from bytes. numpy (2.4) documents no
  allow-list of its own for torch;
- ``builtins.getattr``, but mapped to :func:`_history_buffer_getattr`, which
  returns ``HistoryBuffer.min``/``max``/``current``/``mean`` and refuses
  every other object or attribute. Allow-listing Python's ``getattr``
  itself would let a file reach any attribute of any allow-listed object
  (e.g. ``numpy.ndarray.__class__`` and from there further types), so it is
  never put on the list.

Anything else (a ``__reduce__`` calling ``exec``, ``os.system``, an
unknown class) makes the load fail with :class:`UnsafeCheckpointError`,
which names the file and the global. A file the user trusts (e.g. an old
checkpoint holding other Python objects) is loaded with full unpickling
only when its path is listed in the environment variable
``MMDLKD_TRUSTED_CHECKPOINTS`` (paths separated by ``os.pathsep``, ``:`` on
Linux); nothing is trusted by default.
"""
import logging
import os
import os.path as osp
import pickle
import re
import threading
from typing import Any, Callable, List, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer, print_log

try:  # numpy >= 2
    from numpy._core import multiarray as _np_multiarray
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core import multiarray as _np_multiarray

TRUSTED_CHECKPOINTS_ENV = 'MMDLKD_TRUSTED_CHECKPOINTS'

# The statistics methods HistoryBuffer registers for itself and pickles.
_HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')
# dtype kinds whose numpy arrays/scalars may appear: bool, numbers, str,
# bytes, datetime/timedelta (no 'O' object or 'V' structured dtypes).
_NUMPY_DTYPE_CODES = '?bhilqBHILQefdgFDGSUMm'

_load_lock = threading.Lock()

SafeGlobal = Union[Callable, Tuple[Callable, str]]


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint holds pickled objects a weights-only load refuses."""


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """``builtins.getattr`` as the weights-only unpickler sees it.

    Args:
        obj (Any): The object the pickle asks an attribute of.
        name (str): The attribute name.

    Returns:
        Callable: ``getattr(HistoryBuffer, name)`` for one of its statistics
        methods.

    Raises:
        pickle.UnpicklingError: Any other object or attribute.
    """
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_STATISTICS:
        return getattr(HistoryBuffer, name)
    what = obj.__qualname__ if isinstance(obj, type) else type(obj).__name__
    raise pickle.UnpicklingError(
        f'refused builtins.getattr({what}, {name!r}): only the statistics '
        f'methods of HistoryBuffer ({", ".join(_HISTORY_BUFFER_STATISTICS)}) '
        'are allowed')


def checkpoint_safe_globals() -> List[SafeGlobal]:
    """Return the allow-list for mmengine training checkpoints.

    Returns:
        list: Entries for ``torch.serialization.safe_globals``: types, and
        ``(callable, 'module.name')`` pairs where the name in the file
        differs from the callable's own (numpy 1.x names, the restricted
        ``getattr``).
    """
    dtype_classes = sorted({type(np.dtype(c))
                            for c in _NUMPY_DTYPE_CODES},
                           key=lambda t: t.__name__)
    entries: List[SafeGlobal] = [HistoryBuffer, np.ndarray, np.dtype]
    entries += dtype_classes
    for name in ('_reconstruct', 'scalar'):
        func = getattr(_np_multiarray, name)
        entries += [(func, f'numpy._core.multiarray.{name}'),
                    (func, f'numpy.core.multiarray.{name}')]
    entries.append((_history_buffer_getattr, 'builtins.getattr'))
    return entries


def _global_name(entry: SafeGlobal) -> str:
    if isinstance(entry, tuple):
        return entry[1]
    return f'{entry.__module__}.{entry.__qualname__}'


def trusted_checkpoints() -> List[str]:
    """Return the real paths listed in ``MMDLKD_TRUSTED_CHECKPOINTS``.

    Returns:
        list[str]: Absolute, symlink-resolved paths (empty by default).
    """
    value = os.environ.get(TRUSTED_CHECKPOINTS_ENV, '')
    return [
        osp.realpath(osp.expanduser(p)) for p in value.split(os.pathsep)
        if p.strip()
    ]


def is_trusted_checkpoint(filename: str) -> bool:
    """Whether ``filename`` is listed in ``MMDLKD_TRUSTED_CHECKPOINTS``.

    Args:
        filename (str): A local path.

    Returns:
        bool: True if the file (after resolving symlinks) is listed.
    """
    return osp.realpath(osp.expanduser(filename)) in trusted_checkpoints()


_REFUSAL_PATTERNS = (
    re.compile(r'GLOBAL (\S+) was not an allowed global'),
    re.compile(r'GLOBAL (\S+) whose module \S+ is blocked'),
    re.compile(r'refused (builtins\.getattr\([^)]*\))'),
)


def _refused_globals(filename: str, message: str) -> List[str]:
    """Name the globals that made a weights-only load fail.

    Args:
        filename (str): The checkpoint.
        message (str): The ``UnpicklingError`` text from ``torch.load``.

    Returns:
        list[str]: The global that stopped the load first, then the other
        non-allow-listed globals of the file (scanned without unpickling;
        only for torch's zip format).
    """
    names = []
    for pattern in _REFUSAL_PATTERNS:
        for name in pattern.findall(message):
            # torch's message writes builtins without their module
            name = name if '.' in name else f'builtins.{name}'
            if name not in names:
                names.append(name)
    allowed = {_global_name(e) for e in checkpoint_safe_globals()}
    try:
        found = torch.serialization.get_unsafe_globals_in_checkpoint(filename)
    except Exception:
        found = []
    names += sorted(n for n in found if n not in allowed and n not in names)
    return names


def _load_weights_only(filename: str, map_location: Optional[Any]) -> Any:
    """``torch.load(weights_only=True)`` with :func:`checkpoint_safe_globals`
    allowed for this call only (entries the user allow-listed already are
    left as they are)."""
    with _load_lock:
        present = set(torch.serialization.get_safe_globals())
        extra = [e for e in checkpoint_safe_globals() if e not in present]
        with torch.serialization.safe_globals(extra):
            return torch.load(
                filename, map_location=map_location, weights_only=True)


def load_local_checkpoint(filename: str,
                          map_location: Optional[Any] = None) -> Any:
    """Load a local checkpoint written by mmengine, mmdlkd or a model zoo.

    Uses ``torch.load(weights_only=True)`` with the allow-list of
    :func:`checkpoint_safe_globals` (see the module docstring). A file
    listed in ``MMDLKD_TRUSTED_CHECKPOINTS`` is unpickled in full
    (``weights_only=False``), with a warning in the log.

    Args:
        filename (str): Path of the checkpoint (``~`` is expanded).
        map_location (Any, optional): As in :func:`torch.load`.
            Defaults to None.

    Returns:
        Any: The loaded checkpoint.

    Raises:
        FileNotFoundError: The file does not exist.
        UnsafeCheckpointError: The file holds pickled code or objects that
            are not allow-listed; the message names the file, the globals
            and the opt-in.
        RuntimeError: The file is not a readable torch checkpoint.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename} does not exist')
    if is_trusted_checkpoint(filename):
        print_log(
            f'loading checkpoint {filename} with full unpickling '
            f'(weights_only=False): it is listed in {TRUSTED_CHECKPOINTS_ENV}',
            logger='current',
            level=logging.WARNING)
        return _read(filename, map_location, weights_only=False)
    return _read(filename, map_location, weights_only=True)


def _read(filename: str, map_location: Optional[Any],
          weights_only: bool) -> Any:
    """``torch.load`` with mmdlkd's error messages (see
    :func:`load_local_checkpoint`)."""
    trust_hint = (f'{TRUSTED_CHECKPOINTS_ENV}={osp.realpath(filename)} '
                  f'(paths separated by {os.pathsep!r})')
    try:
        if weights_only:
            return _load_weights_only(filename, map_location)
        return torch.load(
            filename, map_location=map_location, weights_only=False)
    except pickle.UnpicklingError as err:
        if not weights_only:
            raise RuntimeError(f'checkpoint file {filename} could not be '
                               f'read ({err})') from err
        reason = str(err)
        refused = _refused_globals(filename, reason)
        if refused:
            raise UnsafeCheckpointError(
                f'refusing to load checkpoint {filename}: it holds pickled '
                f'objects outside the allow-list for mmengine checkpoints: '
                f'{", ".join(refused)}. Unpickling them can run arbitrary '
                'code. If you wrote the file or trust its source, allow this '
                f'file alone with the environment variable {trust_hint}.'
            ) from None
        detail = reason.rsplit('WeightsUnpickler error:', 1)[-1].strip()
        detail = (detail.splitlines() or ['UnpicklingError'])[0]
        raise RuntimeError(
            f'checkpoint file {filename} could not be read with a '
            f'weights-only load ({detail}); is it a complete '
            'torch checkpoint? A file from a source you trust in another '
            f'pickle format loads with {trust_hint}.') from None
    except Exception as err:
        raise RuntimeError(
            f'checkpoint file {filename} could not be read '
            f'({type(err).__name__}: {err}); is it a complete torch '
            'checkpoint?') from err


def load_checkpoint_file(filename: str,
                         map_location: Optional[Any] = None) -> Any:
    """Load a checkpoint from a local path (safely) or from a URL.

    Local paths go through :func:`load_local_checkpoint` whether or not
    :func:`mmdlkd.utils.setup_runtime` was called; other schemes
    (``http://``, ``open-mmlab://``, ...) through mmengine's loaders.

    Args:
        filename (str): Local path or URL.
        map_location (Any, optional): As in :func:`torch.load`.
            Defaults to None.

    Returns:
        Any: The loaded checkpoint.
    """
    if '://' not in filename:
        return load_local_checkpoint(filename, map_location)
    from mmengine.runner.checkpoint import _load_checkpoint
    return _load_checkpoint(filename, map_location=map_location)
