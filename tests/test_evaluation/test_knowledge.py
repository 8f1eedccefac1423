import math
import time

import pytest
import torch
from torch import nn

from mmdlkd.evaluation import (concept_mask, consistency_iou, knowledge_scores,
                               mean_entropy, perturbation_entropy,
                               random_view_params, shift_view, view_to_image)


def _left_half_model():
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 8, 3, padding=1).eval()
    for p in conv.parameters():
        p.requires_grad_(False)

    def feature_fn(x):
        # reads only the left half (columns 0..7) of a 16x16 image
        return torch.relu(conv(x[..., :8])).flatten(1)

    return feature_fn


def test_entropy_is_lower_on_pixels_the_model_uses():
    inputs = torch.randn(
        2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    start = time.time()
    entropy = perturbation_entropy(
        _left_half_model(), inputs, num_steps=100, lr=0.05, init_sigma=0.01)
    assert time.time() - start < 20  # ~2-4 s on one core
    assert entropy.shape == (2, 16, 16)
    left = entropy[..., :6].mean()
    right = entropy[..., 8:].mean()
    assert left + 0.5 < right
    # ignored pixels rise at ~lr per Adam step from log(0.01)
    expected = math.log(0.01) + 100 * 0.05 + 0.5 * math.log(
        2 * math.pi * math.e)
    assert right == pytest.approx(expected, abs=0.1)
    # the concepts (H_i < H_bar) are all in the used half
    masks = concept_mask(entropy)
    assert not masks[..., 8:].any()
    assert masks[..., :8].float().mean() > 0.5
    assert torch.allclose(mean_entropy(entropy), entropy.mean(dim=(1, 2)))


def test_iou_of_identical_views_is_one():
    mask = torch.zeros(6, 6, dtype=torch.bool)
    mask[1:4, 2:5] = True
    assert consistency_iou(mask, mask) == 1.0
    assert consistency_iou(mask, mask, (1, -2), (1, -2), True, True) == 1.0


def test_iou_hand_computed_with_shift():
    # Image concepts: a 2x2 block at rows 2-3, cols 2-3 of a 6x6 image.
    image_mask = torch.zeros(6, 6)
    image_mask[2:4, 2:4] = 1
    # View 1: identity. View 2: shifted by dx=+1, its concept covers image
    # cols 3-4 instead (one column of disagreement on each side).
    mask1 = image_mask.bool()
    view2_image = torch.zeros(6, 6)
    view2_image[2:4, 3:5] = 1
    mask2 = shift_view(view2_image, (0, 1)).bool()
    # shared pixels: image cols 1..5 (view 2 misses col 0); in there
    # intersection = rows 2-3 x col 3 = 2, union = rows 2-3 x cols 2-4 = 6.
    assert consistency_iou(mask1, mask2, (0, 0),
                           (0, 1)) == pytest.approx(2 / 6)
    # flipped view 2 of the same content gives the same answer
    assert consistency_iou(mask1, mask2.flip(-1), (0, 0), (0, 1), False,
                           True) == pytest.approx(2 / 6)
    # no concepts in the shared pixels -> NaN
    empty = torch.zeros(6, 6, dtype=torch.bool)
    assert math.isnan(consistency_iou(empty, empty))


def test_shift_view_and_back():
    img = torch.arange(16.).reshape(1, 4, 4)
    view = shift_view(img, (1, -1))
    assert view[0, 0, 1] == img[0, 1, 0] and view[0, 0, 0] == 0
    assert view[0, 3].eq(0).all()
    back, covered = view_to_image(view[0] > 0, (1, -1))
    assert covered.sum() == 9 and not covered[0].any()
    assert not covered[:, 3].any()
    assert torch.equal(back, (img[0] > 0) & covered)
    params = random_view_params(3, max_shift=2, seed=1)
    assert params == random_view_params(3, max_shift=2, seed=1)
    assert all(abs(s) <= 2 for p in params for s in p['offset'])


def test_knowledge_scores_shapes():
    inputs = torch.randn(
        2, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    views = [dict(offset=(0, 0), flip=False), dict(offset=(0, 0), flip=False)]
    out = knowledge_scores(
        _left_half_model(), inputs, views=views, num_steps=20, lr=0.05)
    assert out['entropy'].shape == (2, 16, 16)
    assert out['view_entropy'].shape == (2, 2, 16, 16)
    assert out['h_bar'].shape == (2, )
    # identical views differ only by the noise draws: high, not 1
    assert ((out['iou'] > 0.7) & (out['iou'] <= 1)).all()
