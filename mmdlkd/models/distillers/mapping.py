"""The mapping from recorded features through connectors to the losses."""
import inspect
from typing import Dict, List, Sequence, Tuple, Union

import torch
import torch.nn as nn

from mmdlkd.models.connectors.tokens import refuse_tokens
from mmdlkd.models.recorders import RecorderManager
from .host_models import gather_labels, gather_sample_idx

#: Sources that are not recorders: ``labels`` are the ground-truth labels of
#: all view rows (view-major), see :func:`gather_labels`; ``sample_idx``
#: their dataset indices, see :func:`gather_sample_idx`.
SPECIAL_SOURCES = ('labels', 'sample_idx')
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


def _loss_name(name: str, loss: nn.Module) -> str:
    return f"distill loss '{name}' ({type(loss).__name__})"


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
        if self.source in SPECIAL_SOURCES:
            self.model, self.name = self.source, ''
        else:
            self.model, _, self.name = self.source.partition('.')

    def where(self) -> str:
        return f"loss_inputs['{self.loss_name}']['{self.arg}']"

    def chain(self) -> str:
        """The source and connectors, e.g. ``'student.feat' -> 'align'``."""
        return ' -> '.join(f"'{s}'" for s in (self.source, *self.connectors))


def drop_disabled_losses(connectors: dict, losses: dict,
                         loss_inputs: dict) -> Tuple[dict, dict, dict]:
    """Leave out the losses set to ``None`` and what only they use.

    An ablation config turns a term of its base off with
    ``losses=dict(loss_x=None)``: the loss, its ``loss_inputs`` entry and
    the connectors that no remaining loss input uses are not built.
    Connectors that no loss input names at all are kept (and refused by
    :class:`DistillMapping`, as before).

    Args:
        connectors (dict): ``distill.connectors``.
        losses (dict): ``distill.losses``; ``None`` values are off.
        loss_inputs (dict): ``distill.loss_inputs``.

    Returns:
        tuple[dict, dict, dict]: The connectors, losses and loss inputs to
        build.
    """
    off = {name for name, cfg in losses.items() if cfg is None}
    if not off:
        return connectors, losses, loss_inputs

    def named_connectors(inputs: dict) -> set:
        return {
            conn
            for loss_name, mapping in inputs.items()
            for arg, spec in (mapping or {}).items()
            for conn in LossInput(loss_name, arg, spec).connectors
        }

    kept_inputs = {k: v for k, v in loss_inputs.items() if k not in off}
    off_inputs = {k: v for k, v in loss_inputs.items() if k in off}
    orphans = named_connectors(off_inputs) - named_connectors(kept_inputs)
    kept_connectors = {k: v for k, v in connectors.items() if k not in orphans}
    kept_losses = {k: v for k, v in losses.items() if k not in off}
    return kept_connectors, kept_losses, kept_inputs


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
        recorders (dict): ``{'student': RecorderManager, 'teacher':
            RecorderManager}``: the recorders the sources name.
        cast_teacher (bool): Give recorded teacher tensors to the losses as
            contiguous float32 (for a teacher run in half precision or
            channels-last). Defaults to False.
        compile (bool | dict): Run :meth:`head` (connectors and losses,
            forward and backward) through ``torch.compile``, with these
            keyword arguments if a dict. Defaults to False (eager).

    Raises:
        ValueError: A loss without a mapping, a mapping for an unknown loss,
            an argument the loss's ``forward`` does not take, a required
            argument left out, an unknown recorder or connector, or a
            connector that no loss uses.
    """

    def __init__(self,
                 loss_inputs: dict,
                 losses: nn.ModuleDict,
                 connectors: nn.ModuleDict,
                 recorders: Dict[str, RecorderManager],
                 cast_teacher: bool = False,
                 compile: Union[bool, dict] = False) -> None:
        self.losses = losses
        self.connectors = connectors
        self.recorders = recorders
        self.cast_teacher = cast_teacher
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
        if not isinstance(compile, (bool, dict)):
            raise TypeError('distill.compile must be a bool or a dict of '
                            f'torch.compile arguments, got {compile!r}')
        self._head = self.head
        if compile:
            self._head = torch.compile(
                self.head, **(compile if isinstance(compile, dict) else {}))

    @staticmethod
    def _check_source(entry: LossInput,
                      recorders: Dict[str, RecorderManager]) -> None:
        if entry.model in SPECIAL_SOURCES:
            return
        if entry.model not in recorders or not entry.name:
            raise ValueError(
                f"{entry.where()}: source '{entry.source}' must be "
                "'student.<recorder>', 'teacher.<recorder>' or one of "
                f'{list(SPECIAL_SOURCES)}')
        if entry.name not in recorders[entry.model]:
            raise ValueError(
                f"{entry.where()}: source '{entry.source}' names no "
                f'{entry.model} recorder; {entry.model} recorders are '
                f'{recorders[entry.model].names()}')

    def compute(self, data_samples: list, num_views: int, num_images: int,
                device: torch.device) -> Dict[str, torch.Tensor]:
        """Read the sources of a step and run connectors and losses.

        Args:
            data_samples (list): The step's data samples, for the
                ``labels`` and ``sample_idx`` sources.
            num_views (int): ``V``, also given to losses taking
                ``num_views``.
            num_images (int): ``N``, the original images of the batch.
            device (torch.device): Where the labels and indices go.

        Returns:
            dict[str, Tensor]: The (already weighted) loss of each name.
        """
        sources = {}
        for entries in self.inputs.values():
            for entry in entries:
                if entry.source in sources:
                    continue
                if entry.model == 'labels':
                    sources[entry.source] = gather_labels(
                        data_samples, num_views, num_images).to(device)
                elif entry.model == 'sample_idx':
                    sources[entry.source] = gather_sample_idx(
                        data_samples, num_views, num_images).to(device)
                else:
                    sources[entry.source] = self._recorded(entry)
        return self._head(sources, num_views)

    def head(self, sources: Dict[str, torch.Tensor],
             num_views: int) -> Dict[str, torch.Tensor]:
        """Connectors and losses on the step's source tensors.

        Args:
            sources (dict[str, Tensor]): The tensor of each source name.
            num_views (int): ``V``, given to losses taking ``num_views``.

        Returns:
            dict[str, Tensor]: The (already weighted) loss of each name.
        """
        auto_values = dict(num_views=num_views)
        results = {}
        for loss_name, entries in self.inputs.items():
            loss = self.losses[loss_name]

            def recorded(entries=entries) -> str:
                return ', '.join(f'{e.arg}={_describe(sources[e.source])} '
                                 f"from '{e.source}'" for e in entries)

            kwargs = {}
            for entry in entries:
                value = sources[entry.source]
                for conn in entry.connectors:
                    value = self._connect(self.connectors[conn], conn, entry,
                                          value, recorded)
                self._refuse_tokens(loss, _loss_name(loss_name, loss), entry,
                                    value, recorded)
                kwargs[entry.arg] = value
            for arg in self.auto_args[loss_name]:
                kwargs[arg] = auto_values[arg]
            try:
                results[loss_name] = loss(**kwargs)
            except (RuntimeError, ValueError, IndexError) as err:
                chains = {e.arg: f' ({e.chain()})' for e in entries}
                shapes = ', '.join(f'{k}={_describe(v)}{chains.get(k, "")}'
                                   for k, v in kwargs.items())
                _reraise(
                    err, f'{_loss_name(loss_name, loss)} failed on inputs '
                    f'{shapes}: {err}')
        return results

    def _refuse_tokens(self, taker: nn.Module, what: str, entry: LossInput,
                       value: torch.Tensor, recorded) -> None:
        """A recorded token sequence goes only to modules that take one
        (:func:`~mmdlkd.models.connectors.tokens.refuse_tokens`)."""
        if value.dim() == 3 and entry.model in self.recorders:
            refuse_tokens(
                value, taker, what, f'{entry.where()} ({entry.chain()})',
                self.recorders[entry.model].recorders[entry.name].source,
                recorded)

    def _recorded(self, entry: LossInput) -> torch.Tensor:
        """The tensor the recorder of ``entry`` recorded in this step."""
        value = self.recorders[entry.model].get(entry.name)
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{entry.where()}: source '{entry.source}' is a "
                            f'{_describe(value)}, not a tensor; set index in '
                            'its recorder config to pick one item')
        if entry.model == 'teacher' and self.cast_teacher:
            dtype = torch.float32 if value.is_floating_point() else \
                value.dtype
            value = value.to(dtype, memory_format=torch.contiguous_format)
        return value

    def _connect(self, connector: nn.Module, name: str, entry: LossInput,
                 value: torch.Tensor, recorded) -> torch.Tensor:
        self._refuse_tokens(
            connector, f"connector '{name}' ({type(connector).__name__})",
            entry, value, recorded)
        try:
            return connector(value)
        except (RuntimeError, ValueError, IndexError) as err:
            _reraise(
                err, f"connector '{name}' ({type(connector).__name__}) "
                f"cannot map {entry.where()} from '{entry.source}' with "
                f'shape {tuple(value.shape)}: {err}. Check the connector\'s '
                'in_channels/out_channels against the recorded features.')
