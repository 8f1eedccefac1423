"""``_base_ = 'mmdlkd::...'``: inherit mmdlkd's configs from any folder.

mmengine resolves ``'pkg::path'`` in ``_base_`` through a fixed table of
OpenMMLab packages (``mmengine.config.utils.MODULE2PACKAGE``) and the
package's installed ``.mim/configs`` folder, so it refuses ``mmdlkd::``
("mmengine does not support to load mmdlkd config"). Adding mmdlkd to that
table would not be enough: an editable install or a checkout on
``PYTHONPATH`` has no ``.mim`` folder beside the distribution mmengine
looks up, and mmengine would give every inherited ``type`` dict
``_scope_='mmdlkd'``, while mmdlkd's configs build mmseg/mmpretrain types
in their own ``default_scope``.

:func:`register_config_prefix` wraps ``Config._get_cfg_path`` (the one
place where mmengine reads a ``_base_`` entry) so that ``mmdlkd::X`` names
``X`` under mmdlkd's own config folder, inherited like a local file; every
other entry goes to mmengine unchanged.
"""
import os.path as osp
from typing import Optional, Tuple

from mmengine.config import Config

PREFIX = 'mmdlkd::'

_ORIGINAL = {}


def configs_root() -> str:
    """Return mmdlkd's config folder.

    Returns:
        str: ``mmdlkd/.mim/configs`` of an installed package, or the
        ``configs`` folder beside the ``mmdlkd`` package in a source
        checkout (editable install, ``PYTHONPATH``).

    Raises:
        FileNotFoundError: Neither exists.
    """
    package = osp.dirname(osp.dirname(osp.abspath(__file__)))
    candidates = [
        osp.join(package, '.mim', 'configs'),
        osp.join(osp.dirname(package), 'configs')
    ]
    for path in candidates:
        if osp.isdir(path):
            return osp.realpath(path)
    raise FileNotFoundError('mmdlkd has no config folder: looked for ' +
                            ' and '.join(candidates))


def package_config_path(name: str) -> str:
    """Return the file of an ``mmdlkd::`` config name.

    Args:
        name (str): ``'mmdlkd::dlkd/x.py'`` or ``'dlkd/x.py'``, relative to
            :func:`configs_root`.

    Returns:
        str: The absolute path of the config file.

    Raises:
        FileNotFoundError: The file does not exist, or the name leaves the
            config folder.
    """
    if name.startswith(PREFIX):
        name = name[len(PREFIX):]
    root = configs_root()
    path = osp.realpath(osp.join(root, name))
    if not path.startswith(root + osp.sep) or not osp.isfile(path):
        raise FileNotFoundError(
            f'config {PREFIX}{name} not found: {path} is not a file in '
            f"mmdlkd's config folder {root}")
    return path


def _get_cfg_path(cfg_path: str, filename: str) -> Tuple[str, Optional[str]]:
    """``Config._get_cfg_path`` that also resolves ``mmdlkd::`` names."""
    if isinstance(cfg_path, str) and cfg_path.startswith(PREFIX):
        return package_config_path(cfg_path), None
    return _ORIGINAL['get_cfg_path'].__func__(cfg_path, filename)


def register_config_prefix() -> None:
    """Let ``_base_`` entries name mmdlkd's configs as ``'mmdlkd::X'``.

    Idempotent; :func:`unregister_config_prefix` restores mmengine's own
    resolution.
    """
    if 'get_cfg_path' not in _ORIGINAL:
        _ORIGINAL['get_cfg_path'] = Config.__dict__['_get_cfg_path']
    Config._get_cfg_path = staticmethod(_get_cfg_path)


def unregister_config_prefix() -> None:
    """Restore mmengine's ``Config._get_cfg_path``."""
    if 'get_cfg_path' in _ORIGINAL:
        Config._get_cfg_path = _ORIGINAL['get_cfg_path']
