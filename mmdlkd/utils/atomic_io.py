"""Atomic local file writes for mmengine (checkpoints, ``last_checkpoint``).

mmengine writes every local checkpoint through
``LocalBackend.put(bytes, path)`` (``mmengine.runner.save_checkpoint``
serialises the checkpoint into memory first), and the ``last_checkpoint``
pointer that ``--resume`` follows through ``LocalBackend.put_text``. Both
open the final path with mode ``'w'``, which truncates it first: a crash,
a full disk or a kill while writing leaves a torn file under the final
name, and overwriting a name (``last_checkpoint``, a re-run into the same
work dir) destroys the previous good copy.

:func:`register_atomic_local_writes` makes these two methods write to a
temporary file in the same directory, flush and ``fsync`` it, and rename
it over the final name with :func:`os.replace` (atomic on POSIX and on
Windows for the same volume). Readers therefore see the old file or the
new one, never a part; after a failure the temporary file is removed (a
process killed mid-write leaves a hidden ``.<name>.tmp-*`` file, never a
partial file under the final name).
"""
import os
import os.path as osp
import stat
import uuid
from pathlib import Path
from typing import Union

from mmengine.fileio.backends import LocalBackend

_ORIGINAL = {}


def _fsync_dir(dirname: str) -> None:
    """Persist a rename in ``dirname`` (best effort: not on every OS)."""
    try:
        fd = os.open(dirname or '.', os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(data: bytes, filepath: Union[str, Path]) -> None:
    """Write ``data`` to ``filepath`` atomically.

    The bytes go to a temporary file beside ``filepath``, which is flushed,
    ``fsync``-ed and renamed over ``filepath``. An existing file keeps its
    permission bits; a symbolic link is written through (its target is
    replaced). Missing parent directories are created.

    Args:
        data (bytes): The content.
        filepath (str | Path): The final path.

    Raises:
        OSError: The write failed; ``filepath`` is unchanged and the
            temporary file is removed.
    """
    filepath = osp.realpath(osp.expanduser(str(filepath)))
    dirname = osp.dirname(filepath)
    os.makedirs(dirname, exist_ok=True)
    tmp = osp.join(
        dirname, f'.{osp.basename(filepath)}.tmp-{os.getpid()}-'
        f'{uuid.uuid4().hex[:8]}')
    try:
        # 0o666 & ~umask, as open(path, 'wb') would create the file
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with open(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if osp.exists(filepath):
            os.chmod(tmp, stat.S_IMODE(os.stat(filepath).st_mode))
        os.replace(tmp, filepath)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    _fsync_dir(dirname)


def _atomic_put(self, obj: bytes, filepath: Union[str, Path]) -> None:
    """``LocalBackend.put``, written atomically."""
    atomic_write_bytes(obj, filepath)


def _atomic_put_text(self,
                     obj: str,
                     filepath: Union[str, Path],
                     encoding: str = 'utf-8') -> None:
    """``LocalBackend.put_text``, written atomically."""
    atomic_write_bytes(obj.encode(encoding), filepath)


def register_atomic_local_writes() -> None:
    """Make mmengine's local file backend write files atomically.

    Replaces ``LocalBackend.put`` and ``LocalBackend.put_text`` (also used
    by the deprecated ``HardDiskBackend`` subclass) with
    :func:`atomic_write_bytes`-based versions. Idempotent; other backends
    (``petrel``, ``http``, ...) are untouched.
    """
    if not _ORIGINAL:
        _ORIGINAL['put'] = LocalBackend.put
        _ORIGINAL['put_text'] = LocalBackend.put_text
    LocalBackend.put = _atomic_put
    LocalBackend.put_text = _atomic_put_text


def unregister_atomic_local_writes() -> None:
    """Restore mmengine's own ``LocalBackend.put`` / ``put_text``."""
    if _ORIGINAL:
        LocalBackend.put = _ORIGINAL['put']
        LocalBackend.put_text = _ORIGINAL['put_text']
