"""Refuse ``--cfg-options`` keys that the runner never reads.

A config file's own variables (``teacher_ckpt = '...'``, ``max_iters =
200``, ``train_images = dict(...)``) are read only while mmengine parses
the file: they fill the keys that the runner does read (``model``,
``train_cfg``, ...). Overriding one with ``--cfg-options`` after parsing
changes nothing that is built, without a word. :func:`check_cfg_options`
turns that into an error that names the keys to set instead.
"""
from typing import Any, Iterator, List, Tuple

from mmengine.config import Config

#: Top-level keys that mmengine's ``Runner.from_cfg`` (and the runner built
#: from it) reads after the config is parsed, and those that the tools
#: set themselves or read for test-time augmentation.
RUNNER_KEYS = frozenset({
    'model', 'work_dir', 'train_dataloader', 'val_dataloader',
    'test_dataloader', 'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr',
    'optim_wrapper', 'param_scheduler', 'val_evaluator', 'test_evaluator',
    'default_hooks', 'custom_hooks', 'data_preprocessor', 'load_from',
    'resume', 'launcher', 'env_cfg', 'log_processor', 'log_level',
    'visualizer', 'default_scope', 'randomness', 'experiment_name',
    'model_wrapper_cfg', 'compile', 'activation_checkpointing',
    'efficient_conv_bn_eval', 'tta_model', 'tta_pipeline'
})
_MAX_LISTED = 8


def _paths_of(node: Any, value: Any, prefix: str) -> Iterator[str]:
    """Dotted paths below ``node`` whose value equals ``value``."""
    if isinstance(node, dict):
        items = ((f'{prefix}.{k}' if prefix else str(k), v)
                 for k, v in node.items())
    elif isinstance(node, (list, tuple)):
        items = ((f'{prefix}[{i}]', v) for i, v in enumerate(node))
    else:
        if type(node) is type(value) and node == value:
            yield prefix
        return
    for path, child in items:
        yield from _paths_of(child, value, path)


def value_paths(cfg: Config, key: str) -> List[str]:
    """Where the runner's keys hold the value of config variable ``key``.

    Args:
        cfg (Config): The parsed config.
        key (str): A top-level variable of it.

    Returns:
        list[str]: Dotted paths (below :data:`RUNNER_KEYS`) holding the
        same scalar value; empty for containers and ``None``.
    """
    value = cfg.get(key)
    if value is None or isinstance(value, (dict, list, tuple)):
        return []
    paths: List[str] = []
    for top in sorted(RUNNER_KEYS & set(cfg.keys())):
        paths += _paths_of(cfg[top], value, top)
    return paths


def _hint(name: str, paths: List[str]) -> str:
    """Which keys to set instead of variable ``name``: those holding its
    value whose last part shares a word with it first."""
    if not paths:
        return ('override the keys of model, train_dataloader, ... that it '
                'fills instead')
    words = set(name.split('_'))
    named = [
        p for p in paths
        if words & set(p.rsplit('.', 1)[-1].split('[')[0].split('_'))
    ]
    others = [p for p in paths if p not in named]

    def listed(keys: List[str]) -> str:
        more = ' ...' if len(keys) > _MAX_LISTED else ''
        return ', '.join(keys[:_MAX_LISTED]) + more

    if not named:
        return f'the keys that hold its value now are {listed(others)}'
    hint = f'set {listed(named)} instead'
    if others:
        hint += f' (other keys holding the same value: {listed(others)})'
    return hint


def check_cfg_options(cfg: Config, options: dict, config_file: str) -> None:
    """Refuse overrides of keys that nothing reads after parsing.

    Args:
        cfg (Config): The parsed config, before the overrides.
        options (dict): The ``--cfg-options`` (``{dotted_key: value}``).
        config_file (str): The config's path, for the message.

    Raises:
        ValueError: A key's first part is not a key the runner reads;
            the message names, where it can, the keys that hold the
            variable's value.
    """
    problems: List[Tuple[str, str]] = []
    for key in options:
        top = key.split('.')[0]
        if top in RUNNER_KEYS:
            continue
        if top not in cfg:
            problems.append(
                (key, f'{config_file} has no key {top!r}, and the runner '
                 f'reads only {sorted(RUNNER_KEYS)}'))
            continue
        hint = _hint(top, value_paths(cfg, top))
        problems.append(
            (key, f'{top!r} is a variable of {config_file}, read only '
             'while the file is parsed, so overriding it changes nothing '
             f'that is built; {hint}'))
    if problems:
        raise ValueError('--cfg-options: ' +
                         '; '.join(f'{key}: {why}' for key, why in problems))
