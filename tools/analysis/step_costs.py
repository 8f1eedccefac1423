"""Per-step costs of a built model: time, host operators, head time, memory.

Shared by ``benchmark_distill.py`` (see its docstring and
docs/benchmarks.md): ``run_steps`` times real mmengine ``train_step`` calls,
``count_ops`` counts the top-level aten operators of one step,
``head_times`` times a distiller's connectors and losses alone,
``step_memory`` measures the memory growth of one step and
``teacher_times`` times the frozen teacher's forward alone
(``benchmark_teacher.py``).
"""
import re
import time

import torch

from mmdlkd.utils import peak_memory_growth

CLOCKS = dict(wall=time.perf_counter, cpu=time.process_time)


def device_name(device: str) -> str:
    """The GPU's name, or the CPU's model name from ``/proc/cpuinfo``."""
    if device == 'cuda':
        return torch.cuda.get_device_name()
    with open('/proc/cpuinfo') as f:
        return re.search(r'model name\s*:\s*(.*)', f.read()).group(1)


def timed(fn, device: str, clock: str = 'wall') -> tuple:
    """Seconds that ``fn()`` takes on ``clock`` (CUDA work included: the
    device is synchronised before and after), and its result."""
    timer = CLOCKS[clock]
    if device == 'cuda':
        torch.cuda.synchronize()
    start = timer()
    result = fn()
    if device == 'cuda':
        torch.cuda.synchronize()
    return timer() - start, result


def run_steps(model,
              wrapper,
              data: dict,
              num: int,
              device: str,
              clock: str = 'wall') -> tuple:
    """Seconds per step over ``num`` steps, and the last total loss.

    ``clock`` is ``'wall'`` or ``'cpu'`` (the process's CPU time, which
    other processes on the machine do not add to; on the CPU with one
    thread it is the step's own compute and host time).
    """

    def steps():
        for _ in range(num):
            log = model.train_step(dict(data), wrapper)
        return log

    seconds, log = timed(steps, device, clock)
    loss = log['loss']
    loss = float(loss.detach() if isinstance(loss, torch.Tensor) else loss)
    return seconds / max(num, 1), loss


def count_ops(model, wrapper, data: dict, device: str) -> int:
    """Top-level aten operators launched by one step (forward, backward,
    optimizer), counted with ``torch.profiler`` on the host.

    An operator called inside another (``aten::linear`` calling
    ``aten::addmm``) counts once; backward operators count under their
    autograd nodes. The count does not depend on timing.
    """
    activities = [torch.profiler.ProfilerActivity.CPU]
    with torch.profiler.profile(activities=activities) as prof:
        run_steps(model, wrapper, data, 1, device)
    count = 0
    for event in prof.events():
        parent = event.cpu_parent
        while parent is not None and not parent.name.startswith('aten::'):
            parent = parent.cpu_parent
        count += event.name.startswith('aten::') and parent is None
    return count


def head_times(model, wrapper, data: dict, num: int, device: str,
               clock: str) -> list:
    """Seconds of each of ``num`` runs of a distiller's connectors and
    losses alone (forward and backward of their sum), on the sources that
    one training step recorded; ``[]`` for a model without them.

    Student sources are detached leaves that require grad, so backward
    stops where the student's graph would continue. One untimed run comes
    first; gradients that the runs leave are zeroed.
    """
    mapping = getattr(model, 'mapping', None)
    if mapping is None or not mapping.inputs or num < 1:
        return []
    head, seen = mapping._head, {}

    def record(sources: dict, num_views: int) -> dict:
        seen.update(sources=sources, num_views=num_views)
        return head(sources, num_views)

    mapping._head = record
    try:
        run_steps(model, wrapper, data, 1, device)
    finally:
        mapping._head = head
    sources = {
        key:
        value.detach().requires_grad_(
            key.startswith('student.') and value.is_floating_point())
        for key, value in seen['sources'].items()
    }
    times = []
    for run in range(num + 1):  # run 0 (untimed) may compile
        seconds, _ = timed(
            lambda: sum(head(sources, seen['num_views']).values()).backward(),
            device, clock)
        if run:
            times.append(seconds)
    wrapper.zero_grad()
    return times


def step_memory(model, wrapper, data: dict, device: str) -> float:
    """Peak memory growth (MiB) over one step (CUDA allocator or RSS)."""
    return peak_memory_growth(
        lambda: run_steps(model, wrapper, data, 1, device), device)


def teacher_run(model, batch: torch.Tensor) -> dict:
    """One teacher forward of a distiller as its training step runs it
    (:meth:`~mmdlkd.models.distillers.Distiller.run_teacher`); returns the
    recorded tensors."""
    model.run_teacher(batch)
    recorders = model.teacher_recorders
    return {name: recorders.get(name) for name in recorders.names()}


def teacher_times(model, batch: torch.Tensor, num: int, device: str) -> list:
    """Wall-clock seconds of each of ``num`` :func:`teacher_run` calls."""
    return [
        timed(lambda: teacher_run(model, batch), device)[0] for _ in range(num)
    ]
