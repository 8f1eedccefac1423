"""Peak memory growth of a piece of work (CUDA allocator or process RSS)."""
import gc
from typing import Callable

import torch


def _status_kib(key: str) -> int:
    with open('/proc/self/status') as f:
        return next(int(x.split()[1]) for x in f if x.startswith(key + ':'))


def peak_memory_growth(fn: Callable[[], object], device: str) -> float:
    """Peak memory (MiB) that ``fn()`` adds to what is allocated before it.

    Args:
        fn (callable): The work, called once.
        device (str): ``'cuda'``: growth of ``max_memory_allocated`` over
            ``memory_allocated`` (synchronised around ``fn``). ``'cpu'``:
            growth of the peak RSS (``VmHWM``, reset through
            ``/proc/self/clear_refs``, Linux) over the RSS before ``fn``;
            run the process with ``MALLOC_MMAP_THRESHOLD_=65536`` so that
            freed blocks go back to the OS and RSS follows live tensors.

    Returns:
        float: The growth in MiB.
    """
    gc.collect()
    if device == 'cuda':
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        fn()
        torch.cuda.synchronize()
        return (torch.cuda.max_memory_allocated() - base) / 2**20
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')  # reset VmHWM to the current RSS
    base = _status_kib('VmRSS')
    fn()
    return (_status_kib('VmHWM') - base) / 1024
