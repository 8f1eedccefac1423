"""A set of module recorders attached to one model."""
import difflib
from contextlib import contextmanager
from typing import Dict, Iterator, Optional, Union

import torch.nn as nn

from .module_recorder import ModuleRecorder

RecorderCfg = Union[str, dict]


def _find_module(model: nn.Module, path: str, name: str,
                 model_name: str) -> nn.Module:
    """Return the module at ``path`` or raise a message with close names."""
    modules = dict(model.named_modules())
    if path in modules and path != '':
        return modules[path]
    valid = [n for n in modules if n]
    close = difflib.get_close_matches(path, valid, n=8, cutoff=0.5)
    if not close:
        prefix = path.rsplit('.', 1)[0]
        close = [n for n in valid if n.startswith(prefix)][:8]
    hint = ', '.join(repr(c) for c in close) if close else (
        'none; top-level modules are ' +
        ', '.join(repr(n) for n in valid if '.' not in n))
    raise ValueError(
        f"recorder '{model_name}.{name}': the {model_name} has no module "
        f"'{path}'. Close valid names: {hint}")


class RecorderManager:
    """Build, attach and query the recorders of one model.

    Args:
        model (nn.Module): The model whose modules are recorded.
        cfgs (dict, optional): Mapping from recorder name to either a dotted
            module path (records the module's output) or a dict with keys
            ``source`` (dotted path), ``io`` (``'output'`` or ``'input'``),
            ``index`` and ``call_index`` (see :class:`ModuleRecorder`).
            Defaults to None (no recorders).
        model_name (str): ``'student'`` or ``'teacher'``, used in messages.
            Defaults to ``'model'``.

    Raises:
        ValueError: If a path names no module of ``model``; the message lists
            close valid names.
    """

    def __init__(self,
                 model: nn.Module,
                 cfgs: Optional[Dict[str, RecorderCfg]] = None,
                 model_name: str = 'model') -> None:
        self.model_name = model_name
        self.recorders: Dict[str, ModuleRecorder] = {}
        for name, cfg in (cfgs or {}).items():
            if isinstance(cfg, str):
                cfg = dict(source=cfg)
            elif not isinstance(cfg, dict) or 'source' not in cfg:
                raise ValueError(
                    f"recorder '{model_name}.{name}' must be a module path "
                    f"or a dict with a 'source' key, got {cfg!r}")
            recorder = ModuleRecorder(name=name, **cfg)
            module = _find_module(model, recorder.source, name, model_name)
            recorder.attach(module)
            self.recorders[name] = recorder

    def __contains__(self, name: str) -> bool:
        return name in self.recorders

    def names(self) -> list:
        """list[str]: The recorder names."""
        return list(self.recorders)

    def sources(self) -> list:
        """list[str]: The module paths that are recorded."""
        return [r.source for r in self.recorders.values()]

    @contextmanager
    def recording(self) -> Iterator['RecorderManager']:
        """Reset all recorders and record while the context is open.

        The recorded data stays available after the context closes, until
        :meth:`reset` or the next :meth:`recording`.
        """
        self.reset()
        for recorder in self.recorders.values():
            recorder.active = True
        try:
            yield self
        finally:
            for recorder in self.recorders.values():
                recorder.active = False

    def get(self, name: str):
        """Return the data recorded by the recorder ``name``."""
        return self.recorders[name].data

    def reset(self) -> None:
        """Drop the data of every recorder."""
        for recorder in self.recorders.values():
            recorder.reset()

    def detach(self) -> None:
        """Remove every hook (the recorders stop working)."""
        for recorder in self.recorders.values():
            recorder.detach()
