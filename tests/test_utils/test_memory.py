"""mmdlkd.utils.peak_memory_growth on CPU (process RSS).

Measured in a fresh process run as documented (``MALLOC_MMAP_THRESHOLD_``):
in the long-lived test process the allocator may reuse resident memory.
"""
import os
import subprocess
import sys

SCRIPT = """
import torch
from mmdlkd.utils import peak_memory_growth
print(peak_memory_growth(lambda: torch.ones(16 * 2**20), 'cpu'))
print(peak_memory_growth(lambda: None, 'cpu'))
"""


def test_rss_growth():
    out = subprocess.run([sys.executable, '-c', SCRIPT],
                         env=dict(os.environ, MALLOC_MMAP_THRESHOLD_='65536'),
                         stdout=subprocess.PIPE,
                         text=True,
                         timeout=300,
                         check=True).stdout.split()
    touched, nothing = map(float, out[-2:])
    # 64 MiB written once: the peak RSS grows by it (and by little else)
    assert 60 <= touched < 128
    assert nothing < 8
