"""mmdlkd.utils.peak_memory_growth on CPU (process RSS)."""
import torch

from mmdlkd.utils import peak_memory_growth


def test_rss_growth_of_a_touched_tensor():
    # 64 MiB written once: large enough to be its own mapping, so the
    # peak RSS grows by it (and by little else)
    mib = peak_memory_growth(lambda: torch.ones(16 * 2**20), 'cpu')
    assert 60 <= mib < 128


def test_nothing_allocated_grows_little():
    assert peak_memory_growth(lambda: None, 'cpu') < 8
