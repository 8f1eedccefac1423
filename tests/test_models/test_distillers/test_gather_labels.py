"""The 'labels' source: one hard class per image, repeated per view."""
import pytest
import torch
from mmpretrain.structures import DataSample

from mmdlkd.models.distillers.host_models import gather_labels


def samples(*labels):
    return [DataSample().set_gt_label(label) for label in labels]


def test_class_labels_repeat_per_view():
    got = gather_labels(samples(3, 255, 0), num_views=2, n=3)
    assert got.tolist() == [3, 255, 0, 3, 255, 0]


def test_mixed_scores_are_refused():
    mixed = samples(1, 2)
    mixed[1].set_gt_score(torch.tensor([0., 0.3, 0.7]))
    with pytest.raises(ValueError, match=r'data sample 1 carries mixed'):
        gather_labels(mixed, num_views=1, n=2)


def test_multi_label_samples_are_refused():
    with pytest.raises(ValueError, match=r'gt_label \[1, 4\]'):
        gather_labels(samples(0, [1, 4]), num_views=1, n=2)
