"""A forward hook that captures what one named module produces."""
from typing import Any, List, Optional

import torch.nn as nn

from mmdlkd.models.connectors.tokens import RecordedTokens


class ModuleRecorder:
    """Record the output (or input) of one module with a forward hook.

    The recorder only stores data while it is active (see
    :meth:`RecorderManager.recording`), so validation and inference passes
    keep nothing. Every call of the module while active is kept, in call
    order; :attr:`data` returns the call chosen by ``call_index``.

    Args:
        name (str): Name of the recorder in the config, used in messages.
        source (str): Dotted path of the module inside the model, as in
            ``model.named_modules()``, e.g. ``'decode_head.bottleneck'``.
        io (str): ``'output'`` to record the module's output, ``'input'`` to
            record its positional inputs. Defaults to ``'output'``.
        index (int, optional): Item to take when the recorded value is a
            tuple or list (e.g. ``-1`` for the last stage of a backbone).
            ``None`` keeps the value as it is, except that for ``io='input'``
            it defaults to ``0`` (the first positional input).
            Defaults to None.
        call_index (int): Which call to return when the module runs several
            times in one forward pass. Defaults to -1 (the last call).
        tokens (dict, optional): Record a token sequence ``[N, L, C]`` (the
            value after ``index``) as a map or a vector, e.g.
            ``dict(to='mean', num_extra_tokens=1)``; keys in
            :class:`~mmdlkd.models.connectors.tokens.RecordedTokens`.
            Defaults to None (record the value as it is).
    """

    def __init__(self,
                 name: str,
                 source: str,
                 io: str = 'output',
                 index: Optional[int] = None,
                 call_index: int = -1,
                 tokens: Optional[dict] = None) -> None:
        if io not in ('output', 'input'):
            raise ValueError(f"recorder '{name}': io must be 'output' or "
                             f"'input', got {io!r}")
        if index is not None and not isinstance(index, int):
            raise TypeError(f"recorder '{name}': index must be an int or "
                            f'None, got {index!r}')
        self.name = name
        self.source = source
        self.io = io
        self.index = 0 if (index is None and io == 'input') else index
        self.call_index = call_index
        self.tokens = None if tokens is None else RecordedTokens(
            tokens, f"recorder '{name}'")
        self.active = False
        self._calls: List[Any] = []
        self._handle = None

    def _where(self) -> str:
        return f"recorder '{self.name}' ({self.io} of module '{self.source}')"

    def attach(self, module: nn.Module) -> None:
        """Register the forward hook on ``module``.

        Args:
            module (nn.Module): The module found at :attr:`source`.
        """
        self.detach()
        self._handle = module.register_forward_hook(self._hook)

    def detach(self) -> None:
        """Remove the forward hook if one is registered."""
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    def _hook(self, module: nn.Module, args: tuple, output: Any) -> None:
        if not self.active:
            return
        value = args if self.io == 'input' else output
        if self.index is not None:
            if not isinstance(value, (tuple, list)):
                raise TypeError(
                    f'{self._where()} got a {type(value).__name__}, which '
                    f'cannot be indexed with index={self.index}')
            try:
                value = value[self.index]
            except IndexError:
                raise IndexError(
                    f'{self._where()} has {len(value)} items; '
                    f'index={self.index} is out of range') from None
        if self.tokens is not None:
            value = self.tokens(value, args, output, self._where())
        self._calls.append(value)

    def reset(self) -> None:
        """Drop everything recorded so far."""
        self._calls = []

    @property
    def num_calls(self) -> int:
        """int: How many calls were recorded since the last reset."""
        return len(self._calls)

    @property
    def data(self) -> Any:
        """The recorded value of the selected call.

        Raises:
            RuntimeError: If the module did not run while recording.
        """
        if not self._calls:
            raise RuntimeError(
                f"recorder '{self.name}' captured nothing: module "
                f"'{self.source}' did not run in this forward pass (for the "
                'teacher only extract_feat and the head forward run; for a '
                'multi-view student, heads other than the main and '
                'auxiliary heads do not run)')
        try:
            return self._calls[self.call_index]
        except IndexError:
            raise IndexError(
                f"recorder '{self.name}': module '{self.source}' ran "
                f'{len(self._calls)} time(s); call_index={self.call_index} '
                'is out of range') from None
