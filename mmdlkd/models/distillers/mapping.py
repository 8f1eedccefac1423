"""The mapping from recorded features through connectors to the losses."""
import inspect
from typing import Callable, Dict, List, Sequence, Tuple, Union

import torch
import torch.nn as nn

#: Sources that are not recorders: ``labels`` are the ground-truth labels of
#: all view rows (view-major), see ``Distiller``.
SPECIAL_SOURCES = ('labels', )
#: Loss arguments filled automatically when the mapping does not name them.
AUTO_ARGS = ('num_views', )

InputSpec = Union[str, Sequence[str]]


def _reraise(err: Exception, message: str):
    """Raise ``message`` as the base type of ``err``, chained to it."""
    for cls in (ValueError, IndexError):
        if isinstance(err, cls):
            raise cls(message) from err
    if isinstance(err, torch.OutOfMemoryError):
        raise err
    raise RuntimeError(message) from err


def _describe(value) -> str:
    if isinstance(value, torch.Tensor):
        return f'Tensor{tuple(value.shape)}'
    if isinstance(value, (tuple, list)):
        return (f'{type(value).__name__} of {len(value)}: [' +
                ', '.join(_describe(v) for v in value[:4]) + ']')
    return type(value).__name__


class LossInput:
    """One loss argument: a source followed by a chain of connectors.

    Args:
        loss_name (str): Name of the loss, for messages.
        arg (str): Name of the loss argument.
        spec (str | tuple): ``'student.<recorder>'``, ``'teacher.<recorder>'``
            or a special source, optionally followed by connector names, e.g.
            ``('student.feat', 'align')``.
    """

    def __init__(self, loss_name: str, arg: str, spec: InputSpec) -> None:
        if isinstance(spec, str):
            spec = (spec, )
        if (not isinstance(spec, (tuple, list)) or not spec
                or not all(isinstance(s, str) for s in spec)):
            raise ValueError(
                f"loss_inputs['{loss_name}']['{arg}'] must be a source name "
                'or a tuple (source, connector, ...) of names, got '
                f'{spec!r}')
        self.loss_name = loss_name
        self.arg = arg
        self.source = spec[0]
        self.connectors: List[str] = list(spec[1:])

    def where(self) -> str:
        return f"loss_inputs['{self.loss_name}']['{self.arg}']"


def _forward_params(
        loss: nn.Module) -> Tuple[Dict[str, inspect.Parameter], bool]:
    params = dict(inspect.signature(loss.forward).parameters)
    var_kw = any(p.kind == p.VAR_KEYWORD for p in params.values())
    params = {
        k: p
        for k, p in params.items()
        if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    }
    return params, var_kw


class DistillMapping:
    """Check the loss-input mapping at build time and evaluate it per step.

    Args:
        loss_inputs (dict): ``{loss_name: {arg: spec}}``, see
            :class:`LossInput`.
        losses (nn.ModuleDict): The built distillation losses.
        connectors (nn.ModuleDict): The built connectors.
        recorders (dict): ``{'student': names, 'teacher': names}``: the
            recorder names of each model.

    Raises:
        ValueError: A loss without a mapping, a mapping for an unknown loss,
            an argument the loss's ``forward`` does not take, a required
            argument left out, an unknown recorder or connector, or a
            connector that no loss uses.
    """

    def __init__(self, loss_inputs: dict, losses: nn.ModuleDict,
                 connectors: nn.ModuleDict,
                 recorders: Dict[str, Sequence[str]]) -> None:
        loss_inputs = dict(loss_inputs or {})
        unknown = sorted(set(loss_inputs) - set(losses))
        if unknown:
            raise ValueError(
                f'distill.loss_inputs names losses {unknown} that are not in '
                f'distill.losses ({sorted(losses)})')
        self.inputs: Dict[str, List[LossInput]] = {}
        self.auto_args: Dict[str, List[str]] = {}
        used_connectors = set()
        for loss_name, loss in losses.items():
            if loss_name not in loss_inputs:
                raise ValueError(
                    f"distill loss '{loss_name}' has no entry in "
                    'distill.loss_inputs; map each argument of its forward '
                    f'({", ".join(_forward_params(loss)[0])}) to a source')
            mapping = dict(loss_inputs[loss_name])
            params, var_kw = _forward_params(loss)
            entries = []
            for arg, spec in mapping.items():
                if arg not in params and not var_kw:
                    raise ValueError(
                        f"distill loss '{loss_name}' "
                        f'({type(loss).__name__}) has no argument '
                        f"'{arg}'; its forward takes {list(params)}")
                entry = LossInput(loss_name, arg, spec)
                self._check_source(entry, recorders)
                for conn in entry.connectors:
                    if conn not in connectors:
                        raise ValueError(
                            f"{entry.where()} uses connector '{conn}', which "
                            'is not in distill.connectors '
                            f'({sorted(connectors)})')
                    used_connectors.add(conn)
                entries.append(entry)
            required = [
                k for k, p in params.items() if p.default is p.empty
                and k not in mapping and k not in AUTO_ARGS
            ]
            if required:
                raise ValueError(
                    f"distill loss '{loss_name}' ({type(loss).__name__}): "
                    f'required argument(s) {required} are not mapped in '
                    'distill.loss_inputs')
            self.inputs[loss_name] = entries
            self.auto_args[loss_name] = [
                k for k in AUTO_ARGS if k in params and k not in mapping
            ]
        unused = sorted(set(connectors) - used_connectors)
        if unused:
            raise ValueError(
                f'distill.connectors {unused} are used by no loss input; '
                'remove them (unused parameters break DDP)')

    @staticmethod
    def _check_source(entry: LossInput,
                      recorders: Dict[str, Sequence[str]]) -> None:
        if entry.source in SPECIAL_SOURCES:
            return
        model, _, name = entry.source.partition('.')
        if model not in recorders or not name:
            raise ValueError(
                f"{entry.where()}: source '{entry.source}' must be "
                "'student.<recorder>', 'teacher.<recorder>' or one of "
                f'{list(SPECIAL_SOURCES)}')
        if name not in recorders[model]:
            raise ValueError(
                f"{entry.where()}: source '{entry.source}' names no "
                f'{model} recorder; {model} recorders are '
                f'{list(recorders[model])}')

    def compute(self, losses: nn.ModuleDict, connectors: nn.ModuleDict,
                fetch: Callable[[str], object],
                auto_values: Dict[str, object]) -> Dict[str, torch.Tensor]:
        """Run connectors and losses.

        Args:
            losses (nn.ModuleDict): The distillation losses.
            connectors (nn.ModuleDict): The connectors.
            fetch (Callable): Returns the value of a source name.
            auto_values (dict): Values of the automatic arguments, e.g.
                ``{'num_views': 4}``.

        Returns:
            dict[str, Tensor]: The (already weighted) loss of each name.
        """
        results = {}
        for loss_name, entries in self.inputs.items():
            kwargs = {}
            for entry in entries:
                value = fetch(entry.source)
                if not isinstance(value, torch.Tensor):
                    raise TypeError(
                        f"{entry.where()}: source '{entry.source}' is a "
                        f'{_describe(value)}, not a tensor; set index in '
                        'its recorder config to pick one item')
                for conn in entry.connectors:
                    value = self._connect(connectors[conn], conn, entry, value)
                kwargs[entry.arg] = value
            for arg in self.auto_args[loss_name]:
                kwargs[arg] = auto_values[arg]
            try:
                results[loss_name] = losses[loss_name](**kwargs)
            except (RuntimeError, ValueError, IndexError) as err:
                shapes = ', '.join(f'{k}={_describe(v)}'
                                   for k, v in kwargs.items())
                _reraise(
                    err, f"distill loss '{loss_name}' "
                    f'({type(losses[loss_name]).__name__}) failed on inputs '
                    f'{shapes}: {err}')
        return results

    @staticmethod
    def _connect(connector: nn.Module, name: str, entry: LossInput,
                 value: torch.Tensor) -> torch.Tensor:
        try:
            return connector(value)
        except (RuntimeError, ValueError, IndexError) as err:
            _reraise(
                err, f"connector '{name}' ({type(connector).__name__}) "
                f"cannot map {entry.where()} from '{entry.source}' with "
                f'shape {tuple(value.shape)}: {err}. Check the connector\'s '
                'in_channels/out_channels against the recorded features.')
