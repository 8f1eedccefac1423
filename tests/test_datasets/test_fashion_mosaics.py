"""tools/data/make_fashion_mosaics.py and mmdlkd.FashionMosaicDataset on a
tiny fake Fashion-MNIST (idx files written here, 60 + 20 images)."""
import filecmp
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from make_fashion_mosaics import (DEFAULT_SOURCE, FOREGROUND, IGNORE_INDEX,
                                  VISIBLE, find_source_dir, main, read_idx,
                                  source_indices, write_idx)

NUM_TRAIN_IMAGES, NUM_TEST_IMAGES, VAL_IMAGES = 60, 20, 10
COUNTS = dict(num_train=6, num_val=3, num_test=4)


def fake_split(num: int, seed: int) -> tuple:
    """28x28 items: a bright rectangle, a faint (8..31) rim, black around."""
    rng = np.random.RandomState(seed)
    images = np.zeros((num, 28, 28), np.uint8)
    for image in images:
        y0, x0 = rng.randint(2, 8, size=2)
        y1, x1 = rng.randint(18, 26, size=2)
        image[y0 - 1:y1 + 1, x0 - 1:x1 + 1] = rng.randint(8, 32)
        image[y0:y1, x0:x1] = rng.randint(64, 256)
    labels = (np.arange(num) % 10).astype(np.uint8)
    return images, labels


@pytest.fixture(scope='module')
def source(tmp_path_factory) -> str:
    """The four Fashion-MNIST idx files, tiny and fake."""
    root = tmp_path_factory.mktemp('fashion_source')
    for name, num, seed in (('train', NUM_TRAIN_IMAGES, 0),
                            ('t10k', NUM_TEST_IMAGES, 1)):
        images, labels = fake_split(num, seed)
        write_idx(str(root / f'{name}-images-idx3-ubyte.gz'), images)
        write_idx(str(root / f'{name}-labels-idx1-ubyte.gz'), labels)
    return str(root)


def generate(source: str, out: str, seed: int = 0, **kwargs) -> str:
    args = [
        '--out', out, '--source', source, '--seed',
        str(seed), '--size', '64', '--val-images',
        str(VAL_IMAGES)
    ]
    counts = {**COUNTS, **kwargs}
    for key, value in counts.items():
        args += ['--' + key.replace('_', '-'), str(value)]
    main(args)
    return out


@pytest.fixture(scope='module')
def mosaics(source, tmp_path_factory) -> str:
    return generate(source, str(tmp_path_factory.mktemp('mosaics')))


def all_files(root: str) -> list:
    return sorted(
        osp.relpath(osp.join(d, f), root) for d, _, files in os.walk(root)
        for f in files)


def test_idx_round_trip(source):
    images = read_idx(osp.join(source, 'train-images-idx3-ubyte.gz'))
    labels = read_idx(osp.join(source, 'train-labels-idx1-ubyte.gz'))
    assert images.shape == (NUM_TRAIN_IMAGES, 28, 28)
    assert images.dtype == np.uint8
    np.testing.assert_array_equal(images, fake_split(NUM_TRAIN_IMAGES, 0)[0])
    np.testing.assert_array_equal(labels, np.arange(NUM_TRAIN_IMAGES) % 10)


def test_source_dir_from_dpkg(monkeypatch):
    import make_fashion_mosaics
    listing = '/.\n/srv/fm\n/srv/fm/train-images-idx3-ubyte.gz\n'

    class Done:
        stdout = listing

    monkeypatch.setattr(make_fashion_mosaics.subprocess, 'run',
                        lambda *args, **kwargs: Done())
    assert find_source_dir() == '/srv/fm'
    Done.stdout = 'dpkg-query: package is not installed\n'
    assert find_source_dir() == DEFAULT_SOURCE


def test_missing_source_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='dataset-fashion-mnist'):
        main(['--out', str(tmp_path / 'out'), '--source', str(tmp_path)])


def test_layout(mosaics):
    files = all_files(mosaics)
    for split, key in (('train', 'num_train'), ('val', 'num_val'),
                       ('test', 'num_test')):
        names = [f'{i:05d}.png' for i in range(COUNTS[key])]
        for folder in ('img_dir', 'ann_dir'):
            assert [f for f in files if f.startswith(f'{folder}/{split}/')
                    ] == [f'{folder}/{split}/{n}' for n in names]
    assert 'sources.json' in files


def test_same_seed_same_bytes_other_seed_differs(source, mosaics, tmp_path):
    again = generate(source, str(tmp_path / 'again'))
    files = all_files(mosaics)
    assert all_files(again) == files
    match, mismatch, errors = filecmp.cmpfiles(
        mosaics, again, files, shallow=False)
    assert mismatch == [] and errors == [] and len(match) == len(files)
    other = generate(source, str(tmp_path / 'other'), seed=1)
    _, mismatch, _ = filecmp.cmpfiles(mosaics, other, files, shallow=False)
    assert len(mismatch) >= len(files) - 2  # all but a rare coincidence


def test_more_train_mosaics_keep_val_and_test(source, mosaics, tmp_path):
    bigger = generate(source, str(tmp_path / 'bigger'), num_train=9)
    for split in ('val', 'test'):
        names = [
            f'{d}/{split}/{n}' for d in ('img_dir', 'ann_dir')
            for n in os.listdir(osp.join(mosaics, d, split))
        ]
        _, mismatch, errors = filecmp.cmpfiles(
            mosaics, bigger, names, shallow=False)
        assert mismatch == [] and errors == []


def test_splits_use_disjoint_source_images(source, tmp_path):
    # more mosaics than pool images: images repeat within, never across
    out = generate(
        source, str(tmp_path / 'many'), num_train=20, num_val=8, num_test=12)
    used = source_indices(out)
    cut = NUM_TRAIN_IMAGES - VAL_IMAGES
    assert used['train'] == {('train', i) for i in range(cut)}
    assert used['val'] == {('train', i) for i in range(cut, NUM_TRAIN_IMAGES)}
    assert used['test'] == {('t10k', i) for i in range(NUM_TEST_IMAGES)}
    assert not used['train'] & used['val']
    assert not used['train'] & used['test']
    assert not used['val'] & used['test']
    with open(osp.join(out, 'sources.json')) as f:
        pools = json.load(f)['pools']
    assert pools == dict(
        train=['train', 0, cut],
        val=['train', cut, NUM_TRAIN_IMAGES],
        test=['t10k', 0, NUM_TEST_IMAGES])


def test_labels_follow_the_thresholds(mosaics):
    seen = set()
    for split in ('train', 'val', 'test'):
        for name in os.listdir(osp.join(mosaics, 'img_dir', split)):
            image = cv2.imread(
                osp.join(mosaics, 'img_dir', split, name),
                cv2.IMREAD_UNCHANGED)
            label = cv2.imread(
                osp.join(mosaics, 'ann_dir', split, name),
                cv2.IMREAD_UNCHANGED)
            assert image.shape == label.shape == (64, 64)
            assert image.dtype == label.dtype == np.uint8
            values = set(np.unique(label).tolist())
            assert values <= set(range(11)) | {IGNORE_INDEX}
            seen |= values
            fg = (label >= 1) & (label <= 10)
            np.testing.assert_array_equal(fg, image >= FOREGROUND)
            np.testing.assert_array_equal(label == IGNORE_INDEX,
                                          (image >= VISIBLE)
                                          & (image < FOREGROUND))
            np.testing.assert_array_equal(label == 0, image == 0)
    assert {0, IGNORE_INDEX} <= seen and len(seen - {0, IGNORE_INDEX}) >= 5


def test_top_item_is_drawn_with_its_class(source, mosaics):
    images = read_idx(osp.join(source, 'train-images-idx3-ubyte.gz'))
    with open(osp.join(mosaics, 'sources.json')) as f:
        records = json.load(f)['splits']['train']
    for name, items in records.items():
        assert 2 <= len(items) <= 4
        file, index, cls, x, y, side = items[-1]
        assert file == 'train' and 0 <= cls <= 9
        assert 21 <= side <= 42 and 0 <= x <= 64 - side and 0 <= y <= 64 - side
        item = cv2.resize(
            images[index], (side, side), interpolation=cv2.INTER_LINEAR)
        label = cv2.imread(
            osp.join(mosaics, 'ann_dir', 'train', name + '.png'),
            cv2.IMREAD_UNCHANGED)[y:y + side, x:x + side]
        image = cv2.imread(
            osp.join(mosaics, 'img_dir', 'train', name + '.png'),
            cv2.IMREAD_UNCHANGED)[y:y + side, x:x + side]
        visible = item >= VISIBLE
        np.testing.assert_array_equal(image[visible], item[visible])
        assert (label[item >= FOREGROUND] == cls + 1).all()


def test_dataset_reads_through_mmseg_pipeline(mosaics):
    from mmengine.registry import init_default_scope

    from mmdlkd.registry import DATASETS
    init_default_scope('mmseg')
    dataset = DATASETS.build(
        dict(
            type='mmdlkd.FashionMosaicDataset',
            data_root=mosaics,
            data_prefix=dict(
                img_path='img_dir/train', seg_map_path='ann_dir/train'),
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(type='LoadAnnotations'),
                dict(type='RandomFlip', prob=0.5),
                dict(type='PackSegInputs')
            ]))
    assert type(dataset).__name__ == 'FashionMosaicDataset'
    assert len(dataset) == COUNTS['num_train']
    classes = dataset.metainfo['classes']
    assert len(classes) == 11 and classes[0] == 'background'
    assert classes[1] == 'T-shirt/top' and classes[10] == 'Ankle boot'
    assert len(dataset.metainfo['palette']) == 11
    sample = dataset[0]
    inputs = sample['inputs']
    assert tuple(inputs.shape) == (3, 64, 64)
    # the grey PNG is read as 3 equal channels
    assert (inputs[0] == inputs[1]).all() and (inputs[1] == inputs[2]).all()
    seg = sample['data_samples'].gt_sem_seg.data
    assert tuple(seg.shape) == (1, 64, 64)
    assert set(seg.unique().tolist()) <= set(range(11)) | {IGNORE_INDEX}
    # the label agrees with the (possibly flipped) image pixel by pixel
    np.testing.assert_array_equal(((seg[0] >= 1) & (seg[0] <= 10)).numpy(),
                                  (inputs[0] >= FOREGROUND).numpy())


def test_a_second_run_with_fewer_mosaics_leaves_none_behind(source, tmp_path):
    out = str(tmp_path / 'out')
    generate(source, out, num_train=9)
    generate(source, out)
    listed = json.load(open(osp.join(out, 'sources.json')))['splits']
    files = all_files(out)
    for split, key in (('train', 'num_train'), ('val', 'num_val'),
                       ('test', 'num_test')):
        assert sorted(
            listed[split]) == [f'{i:05d}' for i in range(COUNTS[key])]
        for folder in ('img_dir', 'ann_dir'):
            assert [f for f in files if f.startswith(f'{folder}/{split}/')
                    ] == [f'{folder}/{split}/{n}.png' for n in listed[split]]


def test_a_foreign_non_empty_folder_is_refused_untouched(source, tmp_path):
    (tmp_path / 'notes.txt').write_text('mine')
    with pytest.raises(FileExistsError, match='has no sources.json'):
        generate(source, str(tmp_path))
    assert os.listdir(tmp_path) == ['notes.txt']
