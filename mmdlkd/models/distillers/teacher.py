"""Build the teacher from a config and load its checkpoint."""
import copy
import os.path as osp
from typing import Optional, Union

import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log

from mmdlkd.registry import MODELS
from mmdlkd.utils.safe_checkpoint import load_checkpoint_file

_MAX_LISTED = 20


def _listed(keys: list) -> str:
    shown = ', '.join(keys[:_MAX_LISTED])
    more = len(keys) - _MAX_LISTED
    return shown + (f', ... ({more} more)' if more > 0 else '')


def load_teacher_config(teacher: Union[dict, ConfigDict]) -> dict:
    """Return the model config of the teacher.

    Args:
        teacher (dict): Either an inline model config (with ``type``) or a
            dict with ``cfg_path`` (``'mmseg::...'``, ``'mmpretrain::...'`` or
            a local file) whose ``model`` is taken, with the config's
            top-level ``data_preprocessor`` where the model has none (as
            mmengine's Runner fills it in); the other keys of that
            dict are merged into the loaded model config as overrides (e.g.
            ``backbone=dict(norm_cfg=dict(type='BN'))``). A loaded config's
            ``default_scope`` becomes the model's ``_scope_`` so it builds in
            its own package's registry.

    Returns:
        ConfigDict: The teacher's model config (a copy; mmseg models read
        their sub-configs as attributes).
    """
    teacher = copy.deepcopy(dict(teacher))
    cfg_path = teacher.pop('cfg_path', None)
    if cfg_path is None:
        if 'type' not in teacher:
            raise ValueError(
                "teacher must be a model config with 'type' or a dict with "
                f"'cfg_path', got keys {sorted(teacher)}")
        return ConfigDict(teacher)
    if '::' in cfg_path:
        from mmengine.hub import get_config
        try:
            cfg = get_config(cfg_path)
        except Exception as err:
            raise FileNotFoundError(
                f'teacher cfg_path {cfg_path!r} could not be loaded '
                f'({type(err).__name__}: {err})') from err
    else:
        if not osp.isfile(cfg_path):
            raise FileNotFoundError(
                f'teacher cfg_path {cfg_path!r} does not exist')
        cfg = Config.fromfile(cfg_path)
    if 'model' not in cfg:
        raise KeyError(f'teacher cfg_path {cfg_path!r} has no model config')
    model_cfg = cfg['model'].to_dict()
    # as mmengine's Runner does: mmpretrain configs keep the normalisation
    # in the top-level data_preprocessor, which the model config lacks
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor',
                             cfg['data_preprocessor'].to_dict())
    scope = cfg.get('default_scope', None)
    if scope is not None and '_scope_' not in model_cfg:
        model_cfg['_scope_'] = scope
    return ConfigDict(Config._merge_a_into_b(teacher, model_cfg))


def clear_pretrained(cfg: Union[dict, list]) -> None:
    """Remove download-triggering init settings from a model config in place.

    Sets every ``pretrained`` key to ``None`` and drops every ``init_cfg`` of
    type ``'Pretrained'`` (at any depth), so that building the teacher and
    calling ``init_weights`` never fetches ImageNet weights when a teacher
    checkpoint is loaded anyway.

    Args:
        cfg (dict | list): A model config or a list of them.
    """
    items = cfg.values() if isinstance(cfg, dict) else cfg
    if isinstance(cfg, dict):
        if 'pretrained' in cfg:
            cfg['pretrained'] = None
        init_cfg = cfg.get('init_cfg')
        if isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained':
            cfg['init_cfg'] = None
        elif isinstance(init_cfg, list):
            cfg['init_cfg'] = [
                c for c in init_cfg
                if not (isinstance(c, dict) and c.get('type') == 'Pretrained')
            ] or None
        items = cfg.values()
    for value in list(items):
        if isinstance(value, (dict, list)):
            clear_pretrained(value)


def load_teacher_checkpoint(teacher: nn.Module,
                            filename: str,
                            strict: bool = True) -> None:
    """Load a checkpoint (local path or URL) into the teacher on the CPU.

    Args:
        teacher (nn.Module): The built teacher.
        filename (str): Local path or URL of the checkpoint.
        strict (bool): Raise if keys are missing or unexpected or shapes
            differ. With ``False`` the matching tensors are loaded and the
            others are reported in the log. Defaults to True.

    Raises:
        FileNotFoundError: The file does not exist.
        UnsafeCheckpointError: A local file holds pickled code (see
            :func:`mmdlkd.utils.load_local_checkpoint`).
        RuntimeError: The file is not a readable checkpoint, or (strict) its
            keys or shapes do not match the teacher; the message names the
            keys and the file.
    """
    checkpoint = load_checkpoint_file(filename, map_location='cpu')
    if not isinstance(checkpoint, dict):
        raise RuntimeError(f'teacher checkpoint {filename} holds a '
                           f'{type(checkpoint).__name__}, not a state dict')
    state = checkpoint.get('state_dict', checkpoint)
    state = {
        (k[7:] if k.startswith('module.') else k): v
        for k, v in state.items()
    }
    own = teacher.state_dict()
    # As mmengine's load_state_dict: BN's num_batches_tracked may be absent.
    missing = [
        k for k in own if k not in state and 'num_batches_tracked' not in k
    ]
    unexpected = [k for k in state if k not in own]
    mismatched = [
        f'{k}: checkpoint {tuple(v.shape)} vs model {tuple(own[k].shape)}'
        for k, v in state.items()
        if k in own and hasattr(v, 'shape') and v.shape != own[k].shape
    ]
    problems = []
    if missing:
        problems.append(f'missing keys ({len(missing)}): {_listed(missing)}')
    if unexpected:
        problems.append(
            f'unexpected keys ({len(unexpected)}): {_listed(unexpected)}')
    if mismatched:
        problems.append(f'shape mismatches ({len(mismatched)}): '
                        f'{_listed(mismatched)}')
    if problems and strict:
        raise RuntimeError(
            f'teacher checkpoint {filename} does not match the teacher '
            f'model ({type(teacher).__name__}): ' + '; '.join(problems) +
            '. Check the teacher config, or set teacher_strict=False to '
            'load the matching tensors only.')
    if problems:
        print_log(
            f'teacher checkpoint {filename}: ' + '; '.join(problems),
            logger='current',
            level=30)
    bad = {k.split(':')[0] for k in mismatched}
    loadable = {k: v for k, v in state.items() if k in own and k not in bad}
    teacher.load_state_dict(loadable, strict=False)


def check_teacher_weights(checkpoint: Optional[str],
                          random_teacher: bool) -> None:
    """Refuse a distiller without teacher weights unless it opts in.

    Without a checkpoint the teacher keeps its config's initialisation: an
    mmseg ``cfg_path`` teacher, for one, gets an ImageNet backbone and a
    random decode head, and distillation from it trains a wrong model
    without any other sign.

    Args:
        checkpoint (str, optional): ``model.teacher_ckpt``.
        random_teacher (bool): ``model.random_teacher``; a checkpoint,
            when given, is loaded whatever it says.

    Raises:
        ValueError: No checkpoint and no ``random_teacher``.
    """
    if checkpoint is None and not random_teacher:
        raise ValueError(
            'Distiller: model.teacher_ckpt is not set, so the teacher would '
            'have no trained weights. Set model.teacher_ckpt to its '
            'checkpoint (local path or URL), e.g. --cfg-options '
            'model.teacher_ckpt=PATH (a top-level teacher_ckpt variable '
            'is read only when the config file is parsed). Speed '
            'benchmarks and tests that want a random teacher set '
            'model.random_teacher=True.')


def build_teacher(teacher: Union[dict, ConfigDict],
                  checkpoint: Optional[str] = None,
                  strict: bool = True) -> nn.Module:
    """Build the teacher, load its checkpoint and freeze it.

    Args:
        teacher (dict): See :func:`load_teacher_config`.
        checkpoint (str, optional): Local path or URL of the teacher's
            weights. When given, the teacher is marked initialised, so
            ``init_weights`` keeps the loaded weights. The config's
            pretrained/``init_cfg`` downloads are cleared in any case.
            Defaults to None.
        strict (bool): See :func:`load_teacher_checkpoint`. Defaults to True.

    Returns:
        nn.Module: The frozen teacher in ``eval()`` mode.
    """
    cfg = load_teacher_config(teacher)
    # with a checkpoint the downloads are overwritten anyway; without one
    # (random_teacher) nothing downloads either
    clear_pretrained(cfg)
    model = MODELS.build(cfg)
    if checkpoint is not None:
        load_teacher_checkpoint(model, checkpoint, strict=strict)
        # mmengine's BaseModule.init_weights skips children already
        # initialised, so the runner's init_weights keeps these weights.
        model._is_init = True
    model.requires_grad_(False)
    model.eval()
    return model
