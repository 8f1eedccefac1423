"""RotationViews / AugmentedViews, packing, collation and preprocessing."""
import numpy as np
import pytest
import torch
from mmengine.dataset import default_collate, pseudo_collate
from mmengine.registry import DefaultScope

from mmdlkd.datasets.transforms import (AugmentedViews, RotationViews,
                                        rotate_image)
from mmdlkd.registry import TRANSFORMS


@pytest.fixture(autouse=True)
def _mmpretrain_scope():
    # the host scope of a classification config, restored afterwards
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        yield


def _pack(results):
    from mmpretrain.registry import TRANSFORMS as PRETRAIN_TRANSFORMS
    return PRETRAIN_TRANSFORMS.build(dict(type='PackInputs'))(results)


def _sample(img, label=0):
    return dict(
        img=img,
        gt_label=label,
        img_shape=img.shape[:2],
        ori_shape=img.shape[:2])


def _image(h, w, seed=0):
    return np.random.RandomState(seed).randint(0, 256,
                                               (h, w, 3)).astype(np.uint8)


def _crop_and_flip_of(view, source, pad):
    """Whether ``view`` is a (flipped) crop of ``source`` padded by 0s."""
    padded = torch.nn.functional.pad(source, (pad, pad, pad, pad))
    h, w = view.shape[-2:]
    for dy in range(padded.shape[-2] - h + 1):
        for dx in range(padded.shape[-1] - w + 1):
            crop = padded[:, dy:dy + h, dx:dx + w]
            if torch.equal(crop, view) or torch.equal(crop.flip(-1), view):
                return True
    return False


def test_registered_and_built_in_host_scope():
    from mmpretrain.registry import TRANSFORMS as PRETRAIN_TRANSFORMS
    rot = PRETRAIN_TRANSFORMS.build(
        dict(
            type='mmdlkd.RotationViews',
            transforms=[dict(type='RandomCrop', crop_size=8, padding=2)]))
    assert isinstance(rot, RotationViews)
    assert rot.angles == (0, 90, 180, 270)
    assert 'RandomCrop' in repr(rot)
    aug = TRANSFORMS.build(
        dict(type='mmdlkd.AugmentedViews', num_extra_views=2))
    assert isinstance(aug, AugmentedViews) and aug.num_extra_views == 2


def test_rotate_image_known_values():
    img = np.array([[1, 2], [3, 4]], dtype=np.uint8)
    # counter-clockwise: the right column becomes the top row
    assert rotate_image(img, 90).tolist() == [[2, 4], [1, 3]]
    assert rotate_image(img, 180).tolist() == [[4, 3], [2, 1]]
    assert rotate_image(img, 270).tolist() == [[3, 1], [4, 2]]
    assert rotate_image(img, -90).tolist() == [[3, 1], [4, 2]]
    assert rotate_image(img, 0) is img


@pytest.mark.parametrize('rotate_first', [True, False])
def test_rotations_equal_torch_rot90(rotate_first):
    img = _image(6, 10)
    out = RotationViews(rotate_first=rotate_first)(_sample(img))
    packed = _pack(out)['inputs']
    assert isinstance(packed, list) and len(packed) == 4
    view0 = packed[0]
    assert torch.equal(view0, torch.from_numpy(img).permute(2, 0, 1))
    for k, view in enumerate(packed):
        assert view.is_contiguous()
        assert torch.equal(view, torch.rot90(view0, k, dims=(1, 2)))
    assert packed[1].shape == (3, 10, 6)


def test_each_rotation_has_its_own_crop_and_flip():
    img = _image(8, 8)
    pad = 2
    rot = RotationViews(transforms=[
        dict(type='RandomCrop', crop_size=8, padding=pad),
        dict(type='RandomFlip', prob=0.5, direction='horizontal')
    ])
    source = torch.from_numpy(img).permute(2, 0, 1)
    np.random.seed(0)
    distinct = 0
    for _ in range(5):
        views = _pack(rot(_sample(img.copy())))['inputs']
        assert [tuple(v.shape) for v in views] == [(3, 8, 8)] * 4
        for k, view in enumerate(views):
            # rotate first, then crop and flip (the authors' order)
            assert _crop_and_flip_of(view, torch.rot90(source, k, dims=(1, 2)),
                                     pad)
        unrotated = [
            torch.rot90(v, -k, dims=(1, 2)) for k, v in enumerate(views)
        ]
        distinct += any(not torch.equal(unrotated[0], u)
                        for u in unrotated[1:])
    # independent draws: the views are not one crop rotated four times
    assert distinct == 5


def test_angles_option_and_validation():
    img = _image(4, 4)
    views = _pack(RotationViews(angles=(0, 180))(_sample(img)))['inputs']
    assert len(views) == 2
    assert torch.equal(views[1], torch.rot90(views[0], 2, dims=(1, 2)))
    with pytest.raises(ValueError, match='multiples of 90'):
        RotationViews(angles=(0, 45))
    with pytest.raises(ValueError, match='first angle must be 0'):
        RotationViews(angles=(90, 0))
    with pytest.raises(ValueError, match='empty'):
        RotationViews(angles=())


def test_meta_keys_are_view_zero_and_dropped_views():
    img = _image(6, 4)
    out = RotationViews()(_sample(img))
    assert out['img_shape'] == (6, 4) and out['gt_label'] == 0
    rot = RotationViews(transforms=[lambda results: None])
    assert rot(_sample(img)) is None


def test_augmented_views():
    img = _image(5, 7)
    aug = AugmentedViews(
        extra_transforms=[
            dict(type='RandomFlip', prob=1., direction='horizontal')
        ],
        num_extra_views=2)
    views = _pack(aug(_sample(img)))['inputs']
    assert len(views) == 3
    original = torch.from_numpy(img).permute(2, 0, 1)
    assert torch.equal(views[0], original)
    assert torch.equal(views[1], original.flip(-1))
    assert torch.equal(views[2], original.flip(-1))
    # default: the extra views use the original view's pipeline
    same = AugmentedViews(
        transforms=[dict(type='RandomFlip', prob=1., direction='vertical')])
    views = _pack(same(_sample(img)))['inputs']
    assert len(views) == 2
    assert all(torch.equal(v, original.flip(-2)) for v in views)
    with pytest.raises(ValueError, match='num_extra_views'):
        AugmentedViews(num_extra_views=0)


def _batch(num=3, size=8):
    rot = RotationViews(transforms=[
        dict(type='RandomCrop', crop_size=size, padding=2),
        dict(type='RandomFlip', prob=0.5)
    ])
    return [
        _pack(rot(_sample(_image(size, size, seed=i), label=i)))
        for i in range(num)
    ]


def test_collation_gives_views_of_the_batch():
    samples = _batch()
    # default_collate (mmpretrain's self-supervised configs): V batches
    batch = default_collate(samples)
    assert isinstance(batch['inputs'], list) and len(batch['inputs']) == 4
    for v, view in enumerate(batch['inputs']):
        assert view.shape == (3, 3, 8, 8)
        for i in range(3):
            assert torch.equal(view[i], samples[i]['inputs'][v])
    # pseudo_collate (mmengine's default): V sequences of N images
    batch = pseudo_collate(samples)
    assert len(batch['inputs']) == 4
    for v, view in enumerate(batch['inputs']):
        assert len(view) == 3
        for i in range(3):
            assert view[i] is samples[i]['inputs'][v]
    # one data sample (one label) per image, not per view
    labels = [s.gt_label.item() for s in batch['data_samples']]
    assert labels == [0, 1, 2]


def test_mmpretrain_preprocessors_on_view_batches():
    from mmpretrain.models import ClsDataPreprocessor, SelfSupDataPreprocessor
    samples = _batch()
    batch = default_collate(samples)
    mean, std = [10., 20., 30.], [2., 4., 8.]
    out = SelfSupDataPreprocessor(mean=mean, std=std)(batch)
    assert isinstance(out['inputs'], list) and len(out['inputs']) == 4
    m = torch.tensor(mean).view(1, 3, 1, 1)
    s = torch.tensor(std).view(1, 3, 1, 1)
    for raw, view in zip(batch['inputs'], out['inputs']):
        assert view.dtype == torch.float32 and view.shape == (3, 3, 8, 8)
        assert torch.allclose(view, (raw.float() - m) / s)
    # ClsDataPreprocessor takes the list of view batches for a list of
    # images and stacks it into one [V, N, C, H, W] tensor: not usable
    # as views, hence mmdlkd.MultiViewDataPreprocessor.
    out = ClsDataPreprocessor()(default_collate(samples))
    assert torch.is_tensor(out['inputs'])
    assert out['inputs'].shape == (4, 3, 3, 8, 8)


def test_dataset_pipeline(digits_root):
    from mmpretrain.registry import DATASETS
    dataset = DATASETS.build(
        dict(
            type='CustomDataset',
            data_root=digits_root,
            data_prefix='val',
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(
                    type='mmdlkd.RotationViews',
                    transforms=[
                        dict(type='RandomCrop', crop_size=32, padding=4),
                        dict(type='RandomFlip', prob=0.5)
                    ]),
                dict(type='PackInputs')
            ]))
    item = dataset[0]
    assert len(item['inputs']) == 4
    assert all(v.shape == (3, 32, 32) for v in item['inputs'])
    assert item['data_samples'].gt_label.numel() == 1
