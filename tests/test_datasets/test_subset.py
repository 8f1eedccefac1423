import numpy as np
import pytest
from mmengine.registry import init_default_scope

from mmdlkd.datasets import RandomSubset


def _digits(root):
    from mmpretrain.registry import DATASETS
    init_default_scope('mmpretrain')
    return DATASETS.build(
        dict(type='CustomDataset', data_root=root, data_prefix='train'))


def test_stratified_fraction_is_reproducible(digits_root):
    full = _digits(digits_root)
    labels = np.array([full.get_cat_ids(i)[0] for i in range(len(full))])
    a = RandomSubset(full, fraction=0.1, seed=3)
    b = RandomSubset(full, fraction=0.1, seed=3)
    c = RandomSubset(full, fraction=0.1, seed=4)
    assert np.array_equal(a.indices, b.indices)
    assert not np.array_equal(a.indices, c.indices)
    for cat in range(10):
        n_class = int((labels == cat).sum())
        kept = int((labels[a.indices] == cat).sum())
        assert kept == round(0.1 * n_class)
    assert a[0]['gt_label'] == labels[a.indices[0]]


def test_unstratified_fallback_and_bad_fraction():
    data = list(range(10))
    subset = RandomSubset(data, fraction=0.35, seed=0)
    assert len(subset) == 4 and len(set(subset.indices)) == 4
    assert [subset[i] for i in range(4)] == sorted(subset.indices.tolist())
    with pytest.raises(ValueError, match='fraction'):
        RandomSubset(data, fraction=0)
