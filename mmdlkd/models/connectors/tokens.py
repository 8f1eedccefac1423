"""Token sequences ``[N, L, C]`` as vectors or maps.

Transformers record token sequences: mmpretrain's ViT / DeiT blocks give
``[N, 1 + H*W, C]`` (a class token first), Swin's stage norms and mmseg's
MiT blocks ``[N, H*W, C]``. The losses take vectors ``[N, C]`` or maps
``[N, C, H, W]``; a config converts tokens where they are recorded (the
recorder option ``tokens=dict(...)``, see
:class:`~mmdlkd.models.recorders.ModuleRecorder`) or in a loss input with
the connectors :class:`TokenPool` and :class:`TokensToMap`. A token
sequence that reaches a loss or connector without ``accepts_tokens = True``
is refused by the distiller with :func:`refuse_tokens`.
"""
import math
from typing import Callable, Optional, Sequence, Tuple

import torch.nn as nn
from torch import Tensor

from mmdlkd.registry import MODELS

#: What a token sequence can become: a map, the mean of its patch tokens,
#: or its first (class) token.
TOKEN_MODES = ('map', 'mean', 'cls')


def _square_side(num: int) -> Optional[int]:
    side = math.isqrt(num) if num > 0 else 0
    return side if side > 0 and side * side == num else None


def grid_hint(num_tokens: int) -> str:
    """How ``num_tokens`` tokens split into extra tokens and a square grid.

    Args:
        num_tokens (int): ``L``.

    Returns:
        str: e.g. ``'1 + 8x8'`` (a class token and an 8x8 grid), ``'8x8'``,
        or ``''`` when neither 0, 1 nor 2 extra tokens leave a square grid
        of at least 2x2.
    """
    for extra in (0, 1, 2):
        side = _square_side(num_tokens - extra)
        if side is not None and side > 1:
            return f'{extra} + {side}x{side}' if extra else f'{side}x{side}'
    return ''


def check_token_args(mode: str, num_extra_tokens: int,
                     hw_shape: Optional[Sequence[int]]) -> None:
    """Validate the arguments of :func:`convert_tokens`.

    Raises:
        ValueError: An unknown mode, a negative ``num_extra_tokens``, ``'cls'``
            without an extra token, or a bad ``hw_shape``.
    """
    if mode not in TOKEN_MODES:
        raise ValueError(f'tokens: to must be one of {list(TOKEN_MODES)}, '
                         f'got {mode!r}')
    if not isinstance(num_extra_tokens, int) or num_extra_tokens < 0:
        raise ValueError('tokens: num_extra_tokens must be an int >= 0 (1 '
                         'for a ViT/DeiT class token, 0 for Swin or MiT), '
                         f'got {num_extra_tokens!r}')
    if mode == 'cls' and num_extra_tokens < 1:
        raise ValueError("tokens: to='cls' takes the first token, which "
                         'needs num_extra_tokens >= 1 (the class token)')
    if hw_shape is not None:
        if mode != 'map':
            raise ValueError(f"tokens: hw_shape is for to='map', not "
                             f'{mode!r}')
        if (len(hw_shape) != 2
                or not all(isinstance(s, int) and s > 0 for s in hw_shape)):
            raise ValueError('tokens: hw_shape must be (h, w) with positive '
                             f'ints, got {hw_shape!r}')


def map_grid(x: Tensor, num_extra_tokens: int,
             hw_shape: Optional[Sequence[int]]) -> Tuple[int, int]:
    """The ``(h, w)`` grid of the patch tokens of ``x`` ``[N, L, C]``.

    Args:
        x (Tensor): Token sequence.
        num_extra_tokens (int): Tokens before the patch tokens.
        hw_shape (Sequence[int], optional): The grid; None infers a square
            one from ``L - num_extra_tokens``.

    Raises:
        ValueError: The patch tokens do not fill the grid, or (no
            ``hw_shape``) their number is not a square.
    """
    num = x.shape[1] - num_extra_tokens
    hint = grid_hint(x.shape[1])
    hint = f' ({x.shape[1]} = {hint})' if hint else ''
    if hw_shape is not None:
        h, w = (int(s) for s in hw_shape)
        if h * w != num:
            raise ValueError(
                f'{x.shape[1]} tokens minus num_extra_tokens='
                f'{num_extra_tokens} leave {num} patch tokens, which do not '
                f'fill hw_shape=({h}, {w}){hint}')
        return h, w
    side = _square_side(num)
    if side is None:
        raise ValueError(
            f'{x.shape[1]} tokens minus num_extra_tokens={num_extra_tokens} '
            f'leave {num} patch tokens, not a square grid{hint}: set '
            'num_extra_tokens to the number of class/distillation tokens '
            'and, for a non-square grid, hw_shape=(h, w)')
    return side, side


def convert_tokens(x: Tensor,
                   mode: str,
                   num_extra_tokens: int,
                   hw_shape: Optional[Sequence[int]] = None) -> Tensor:
    """A token sequence ``[N, L, C]`` as a map or a vector.

    Args:
        x (Tensor): ``[N, L, C]``: ``num_extra_tokens`` extra tokens (class,
            distillation) first, then the patch tokens in raster order.
        mode (str): ``'map'``: the patch tokens as ``[N, C, h, w]`` (a
            channels-last view, no copy); ``'mean'``: the mean of the patch
            tokens ``[N, C]``; ``'cls'``: the first token ``[N, C]``.
        num_extra_tokens (int): Number of extra tokens.
        hw_shape (Sequence[int], optional): ``(h, w)`` for ``'map'``; None
            infers a square grid. Defaults to None.

    Returns:
        Tensor: The map or vector.

    Raises:
        ValueError: ``x`` is not ``[N, L, C]`` or its tokens do not fit.
    """
    check_token_args(mode, num_extra_tokens, hw_shape)
    if x.dim() != 3:
        raise ValueError(
            f'expected a token sequence [N, L, C], got {tuple(x.shape)}')
    if x.shape[1] <= num_extra_tokens:
        raise ValueError(f'{x.shape[1]} tokens leave no patch token after '
                         f'num_extra_tokens={num_extra_tokens}')
    if mode == 'cls':
        return x[:, 0]
    patches = x[:, num_extra_tokens:]
    if mode == 'mean':
        return patches.mean(dim=1)
    h, w = map_grid(x, num_extra_tokens, hw_shape)
    return patches.reshape(x.shape[0], h, w, x.shape[2]).permute(0, 3, 1, 2)


def feature_kind(x) -> str:
    """``'vector [N, C]'``, ``'token sequence [N, L, C]'``,
    ``'map [N, C, H, W]'`` or the tensor's shape, for messages."""
    kinds = {
        2: 'vector [N, C]',
        3: 'token sequence [N, L, C]',
        4: 'map [N, C, H, W]'
    }
    return kinds.get(x.dim(), f'{x.dim()}-d tensor')


def refuse_tokens(value, taker: nn.Module, what: str, where: str,
                  module_path: Optional[str], inputs: Callable[[],
                                                               str]) -> None:
    """Refuse a token sequence for a loss or connector that takes none.

    A recorded 3-d tensor is read as a token sequence ``[N, L, C]``; it goes
    on only to modules whose class sets ``accepts_tokens = True``.

    Args:
        value: The tensor about to be passed.
        taker (nn.Module): The loss or connector.
        what (str): ``taker`` in messages, e.g. ``"distill loss 'loss_x'
            (AlignLoss)"``.
        where (str): The loss input and its source, for messages.
        module_path (str, optional): The recorded module's path, for the
            suggested recorder option.
        inputs (Callable[[], str]): All recorded inputs of the loss with
            their shapes and sources (called only to write the message).

    Raises:
        ValueError: ``value`` is 3-d and ``taker`` does not accept tokens;
            the message names the input, its source, the shapes and the
            options that convert it.
    """
    if (getattr(value, 'dim', None) is None or value.dim() != 3
            or getattr(taker, 'accepts_tokens', False)):
        return
    hint = grid_hint(value.shape[1])
    extra = int(hint.split(' + ')[0]) if ' + ' in hint else 0
    source = f"source='{module_path}', " if module_path else ''
    raise ValueError(
        f'{what} takes vectors [N, C] or maps [N, C, H, W], but {where} is '
        f'a token sequence [N, L, C] of shape {tuple(value.shape)}'
        f"{f' ({value.shape[1]} = {hint} tokens)' if hint else ''}; recorded "
        f'inputs: {inputs()}. Convert it where it is recorded, e.g. '
        f"dict({source}tokens=dict(to='mean', num_extra_tokens={extra})) "
        "(to='mean': mean of the patch tokens, 'cls': the class token, "
        "'map': an [N, C, H, W] map; hw_shape=(h, w) or hw_from=('input', "
        'i) for a non-square grid), or put an mmdlkd.TokenPool / '
        'mmdlkd.TokensToMap connector first in the loss input. A loss or '
        'connector of your own that takes [N, L, C] sets accepts_tokens = '
        'True.')


@MODELS.register_module()
class TokensToMap(nn.Module):
    """Patch tokens ``[N, L, C]`` as a map ``[N, C, h, w]``.

    No parameters. The first ``num_extra_tokens`` tokens (a ViT's class
    token) are dropped; the rest fill the grid in raster order, as
    mmpretrain's ``out_type='featmap'`` does. The output is a channels-last
    view of the input (no copy).

    Args:
        num_extra_tokens (int): Tokens before the patch tokens: 1 for a ViT
            or DeiT class token, 2 for DeiT-distilled, 0 for Swin and MiT.
        hw_shape (tuple[int, int], optional): The grid ``(h, w)``. Defaults
            to None: a square grid (the image, and so the grid, is square).
    """

    accepts_tokens = True

    def __init__(self,
                 num_extra_tokens: int,
                 hw_shape: Optional[Sequence[int]] = None) -> None:
        super().__init__()
        hw_shape = None if hw_shape is None else tuple(hw_shape)
        check_token_args('map', num_extra_tokens, hw_shape)
        self.num_extra_tokens = num_extra_tokens
        self.hw_shape = hw_shape

    def forward(self, x: Tensor) -> Tensor:
        """Reshape ``x`` (``[N, L, C]``) to ``[N, C, h, w]``."""
        return convert_tokens(x, 'map', self.num_extra_tokens, self.hw_shape)


@MODELS.register_module()
class TokenPool(nn.Module):
    """A token sequence ``[N, L, C]`` as a vector ``[N, C]``.

    No parameters. ``mode='mean'`` averages the patch tokens (the tokens
    after the first ``num_extra_tokens``, as mmpretrain's
    ``out_type='avg_featmap'`` does before its norm); ``mode='cls'`` takes
    the first token (a ViT's class token, what its classifier reads).

    Args:
        num_extra_tokens (int): Tokens before the patch tokens: 1 for a ViT
            or DeiT class token, 0 for Swin and MiT.
        mode (str): ``'mean'`` or ``'cls'``. Defaults to 'mean'.
    """

    accepts_tokens = True

    def __init__(self, num_extra_tokens: int, mode: str = 'mean') -> None:
        super().__init__()
        if mode not in ('mean', 'cls'):
            raise ValueError(
                f"TokenPool: mode must be 'mean' or 'cls', got {mode!r}")
        check_token_args(mode, num_extra_tokens, None)
        self.num_extra_tokens = num_extra_tokens
        self.mode = mode

    def forward(self, x: Tensor) -> Tensor:
        """Pool ``x`` (``[N, L, C]``) to ``[N, C]``."""
        return convert_tokens(x, self.mode, self.num_extra_tokens)


class RecordedTokens:
    """The ``tokens`` option of a recorder: checked once, applied per call.

    Args:
        cfg (dict): ``to`` (``'map'``, ``'mean'`` or ``'cls'``) and
            ``num_extra_tokens`` (1 for a ViT / DeiT class token, 0 for Swin
            and MiT) are required, see :func:`convert_tokens`. For ``'map'``
            the grid is ``hw_shape=(h, w)``, or ``hw_from=('input', i)`` /
            ``('output', i)``: item ``i`` of the module's positional inputs
            / tuple output in that call (mmseg's MiT blocks take
            ``hw_shape`` as input 1, mmpretrain's Swin stages return it as
            output 1), or a square grid when neither is given.
        where (str): The recorder, for messages.
    """

    KEYS = ('to', 'num_extra_tokens', 'hw_shape', 'hw_from')

    def __init__(self, cfg: dict, where: str) -> None:
        if not isinstance(cfg, dict) or not {'to', 'num_extra_tokens'
                                             } <= set(cfg):
            raise ValueError(f"{where}: tokens must be a dict with 'to' and "
                             "'num_extra_tokens' (e.g. dict(to='mean', "
                             f'num_extra_tokens=1)), got {cfg!r}')
        unknown = sorted(set(cfg) - set(self.KEYS))
        if unknown:
            raise ValueError(f'{where}: tokens has unknown keys {unknown}; '
                             f'allowed are {list(self.KEYS)}')
        self.mode = cfg['to']
        self.num_extra_tokens = cfg['num_extra_tokens']
        hw_shape, hw_from = cfg.get('hw_shape'), cfg.get('hw_from')
        self.hw_shape = None if hw_shape is None else tuple(hw_shape)
        try:
            check_token_args(self.mode, self.num_extra_tokens, self.hw_shape)
        except ValueError as err:
            raise ValueError(f'{where}: {err}') from None
        if hw_from is not None and (self.mode != 'map' or hw_shape is not None
                                    or not isinstance(hw_from, (tuple, list))
                                    or len(hw_from) != 2
                                    or hw_from[0] not in ('input', 'output')
                                    or not isinstance(hw_from[1], int)):
            raise ValueError(
                f"{where}: tokens.hw_from must be ('input', i) or "
                "('output', i), with to='map' and no hw_shape, got "
                f'{hw_from!r}')
        self.hw_from = None if hw_from is None else tuple(hw_from)

    def __repr__(self) -> str:
        extra = ''.join(f', {k}={getattr(self, k)!r}'
                        for k in ('hw_shape', 'hw_from')
                        if getattr(self, k) is not None)
        return (f"dict(to='{self.mode}', num_extra_tokens="
                f'{self.num_extra_tokens}{extra})')

    def _grid_from_call(self, args: tuple, output, where: str) -> tuple:
        io, idx = self.hw_from
        try:
            hw = (args if io == 'input' else output)[idx]
            hw = hw.tolist() if isinstance(hw, Tensor) else hw
            h, w = (int(s) for s in hw)
        except (TypeError, ValueError, IndexError, KeyError):
            raise ValueError(
                f"{where}: tokens.hw_from=('{io}', {idx}) names no (h, w) "
                f'pair in the module {io} of this call') from None
        return h, w

    def __call__(self, value, args: tuple, output, where: str) -> Tensor:
        """Convert the recorded ``value`` of one call.

        Args:
            value: The recorded value (after the recorder's ``index``).
            args (tuple): The module's positional inputs in this call.
            output: The module's output in this call.
            where (str): The recorder and its module, for messages.

        Raises:
            ValueError: ``value`` is not ``[N, L, C]`` or does not fit the
                grid; the message names the recorder.
        """
        if not isinstance(value, Tensor) or value.dim() != 3:
            shape = (
                tuple(value.shape)
                if isinstance(value, Tensor) else type(value).__name__)
            raise ValueError(
                f'{where} has tokens={self!r} but records {shape}, not a '
                'token sequence [N, L, C]; remove tokens or record another '
                'module')
        hw_shape = self.hw_shape
        if self.hw_from is not None:
            hw_shape = self._grid_from_call(args, output, where)
        try:
            return convert_tokens(value, self.mode, self.num_extra_tokens,
                                  hw_shape)
        except ValueError as err:
            raise ValueError(f'{where}: {err}') from None
