"""Fashion-MNIST: data preparation and the splits of the shipped configs.

Synthetic idx files of a few hundred images stand in for the real ones; the
last test reads the real 70,000 images where Debian's package is installed.
"""
import gzip
import os.path as osp
import re
import struct
import subprocess
import sys

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from prepare_fashion_mnist import DEBIAN_DIR, FILES, prepare

from mmdlkd.datasets.split_check import check_disjoint, source_indices
from mmdlkd.registry import DATASETS

CONFIG = 'configs/fashion_mnist/resnet20_resnet8_dlkd_fashion-mnist.py'
TEACHER = 'configs/fashion_mnist/teachers/resnet20_fashion-mnist.py'
NUM_TRAIN, NUM_TEST = 240, 60


def write_idx(path: str, array: np.ndarray) -> None:
    """Write ``array`` (uint8) as a gzipped idx file."""
    header = struct.pack('>HBB', 0, 0x08, array.ndim)
    header += b''.join(struct.pack('>I', n) for n in array.shape)
    with gzip.open(path, 'wb') as f:
        f.write(header + array.astype(np.uint8).tobytes())


def make_source(folder) -> dict:
    """Tiny Fashion-MNIST ``.gz`` files; each image's first pixel is its
    index (mod 256) and its second the split, so tests can tell them apart.
    """
    rng = np.random.RandomState(0)
    arrays = {}
    for split, n, tag in (('train', NUM_TRAIN, 1), ('t10k', NUM_TEST, 2)):
        images = rng.randint(0, 256, size=(n, 28, 28)).astype(np.uint8)
        images[:, 0, 0] = np.arange(n) % 256
        images[:, 0, 1] = tag
        labels = np.arange(n) % 10
        write_idx(osp.join(folder, f'{split}-images-idx3-ubyte.gz'), images)
        write_idx(osp.join(folder, f'{split}-labels-idx1-ubyte.gz'), labels)
        arrays[split] = (images, labels)
    return arrays


@pytest.fixture(scope='module')
def fashion_root(tmp_path_factory):
    src = tmp_path_factory.mktemp('fmnist_src')
    make_source(str(src))
    out = tmp_path_factory.mktemp('fmnist')
    assert prepare(str(out), source=str(src), install=False)
    return str(out)


def test_prepare_extracts_the_four_files(tmp_path):
    arrays = make_source(str(tmp_path))
    out = tmp_path / 'out'
    assert prepare(str(out), source=str(tmp_path), install=False)
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    raw = (out / 'train-labels-idx1-ubyte').read_bytes()
    assert np.array_equal(np.frombuffer(raw[8:], np.uint8), arrays['train'][1])
    # a second call with the files in place needs no source
    assert prepare(str(out), source=None, install=False)


def test_prepare_names_missing_source_files(tmp_path):
    make_source(str(tmp_path))
    (tmp_path / 't10k-labels-idx1-ubyte.gz').unlink()
    with pytest.raises(FileNotFoundError, match='t10k-labels-idx1-ubyte.gz'):
        prepare(str(tmp_path / 'out'), source=str(tmp_path), install=False)


def build_split(cfg: Config, key: str, root: str, images=None):
    """Build ``<key>_dataloader.dataset`` with every data_root at ``root``,
    or with the innermost dataset replaced by ``images`` (already loaded).
    """
    init_default_scope('mmpretrain')
    dataset = cfg[f'{key}_dataloader']['dataset']
    node = dataset
    while 'dataset' in node and images is None:
        node = node['dataset']
    while images is not None and 'dataset' in node['dataset']:
        node = node['dataset']
    if images is None:
        node['data_root'] = root
    else:
        node['dataset'] = images
    return DATASETS.build(dataset)


def first_pixels(dataset) -> set:
    """(index tag, split tag) of every sample, read through the pipeline's
    data list, not the images after augmentation."""
    out = set()
    for i in range(len(dataset)):
        img = dataset.get_data_info(i)['img']
        out.add((int(img[0, 0]), int(img[0, 1])))
    return out


def test_student_splits_are_disjoint_and_test_is_the_test_set(
        fashion_root, repo_root):
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    train = build_split(cfg, 'train', fashion_root)
    val = build_split(cfg, 'val', fashion_root)
    test = build_split(cfg, 'test', fashion_root)
    # val: a stratified 1/12 of the training images, 2 of each class here
    assert len(val) == 20
    assert sorted(val.get_cat_ids(i)[0]
                  for i in range(len(val))) == sorted(list(range(10)) * 2)
    # train: all the other training images (fraction 1.0 by default)
    assert len(train) == NUM_TRAIN - 20
    train_px, val_px, test_px = (first_pixels(d) for d in (train, val, test))
    assert not train_px & val_px
    assert train_px | val_px == {(i, 1) for i in range(NUM_TRAIN)}
    # test: exactly the t10k images (test_mode=True, not split='test' alone)
    assert test_px == {(i, 2) for i in range(NUM_TEST)}


def test_training_fraction_is_stratified_and_follows_the_seed(
        fashion_root, repo_root):
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    subsets = []
    for seed in (0, 0, 1):
        cfg.train_dataloader.dataset.fraction = 0.25
        cfg.train_dataloader.dataset.seed = seed
        subsets.append(build_split(cfg, 'train', fashion_root))
    a, b, c = subsets
    assert len(a) == 60  # 22 per class left after val, 25% -> 6 (x10)
    assert np.array_equal(a.indices, b.indices)
    assert not np.array_equal(a.indices, c.indices)
    assert sorted(a.get_cat_ids(i)[0]
                  for i in range(len(a))) == sorted(list(range(10)) * 6)
    val = build_split(cfg, 'val', fashion_root)
    assert not first_pixels(a) & first_pixels(val)


def test_teacher_never_sees_the_validation_split(fashion_root, repo_root):
    cfg = Config.fromfile(osp.join(repo_root, TEACHER))
    train = build_split(cfg, 'train', fashion_root)
    val = build_split(cfg, 'val', fashion_root)
    student_val = build_split(
        Config.fromfile(osp.join(repo_root, CONFIG)), 'val', fashion_root)
    assert first_pixels(val) == first_pixels(student_val)
    assert len(train) == NUM_TRAIN - 20
    assert not first_pixels(train) & first_pixels(val)


def test_pipeline_pads_grey_images_to_32(fashion_root, repo_root):
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    test = build_split(cfg, 'test', fashion_root)
    packed = test[0]
    assert tuple(packed['inputs'].shape) == (1, 32, 32)
    # centred: two rows and columns of padding on each side
    assert packed['inputs'][0, :2].abs().sum() == 0
    assert packed['inputs'][0, 2, 2] == 0 and packed['inputs'][0, 2, 3] == 2
    train = build_split(cfg, 'train', fashion_root)
    views = train[0]['inputs']
    assert len(views) == 2
    assert all(tuple(v.shape) == (1, 32, 32) for v in views)


@pytest.mark.skipif(
    not all(osp.isfile(osp.join(DEBIAN_DIR, f + '.gz')) for f in FILES),
    reason='Debian\'s dataset-fashion-mnist is not installed')
def test_real_fashion_mnist_sizes(tmp_path, repo_root):
    out = tmp_path / 'fashion_mnist'
    assert prepare(str(out), install=False)
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    # the 60,000 training images, loaded once for the two splits
    init_default_scope('mmpretrain')
    images = DATASETS.build(
        dict(type='FashionMNIST', data_root=str(out), split='train'))
    train = build_split(cfg, 'train', str(out), images)
    val = build_split(cfg, 'val', str(out), images)
    test = build_split(cfg, 'test', str(out))
    assert (len(train), len(val), len(test)) == (55000, 5000, 10000)
    # indices into the 60,000 training images
    train_idx = train.dataset.indices[train.indices]
    assert not set(train_idx.tolist()) & set(val.indices.tolist())
    assert len(train_idx) + len(val.indices) == len(train.dataset.dataset)
    assert len(train.dataset.dataset) == 60000
    labels = [test.get_cat_ids(i)[0] for i in range(len(test))]
    assert np.bincount(labels).tolist() == [1000] * 10


def test_one_seed_override_of_the_split_is_refused_before_training(
        fashion_root, tmp_path):
    roots = [
        f'train_dataloader.dataset.dataset.dataset.data_root={fashion_root}',
        f'val_dataloader.dataset.dataset.data_root={fashion_root}',
        f'test_dataloader.dataset.data_root={fashion_root}',
    ]
    proc = subprocess.run([
        sys.executable, 'tools/train.py', CONFIG, '--work-dir',
        str(tmp_path), '--cfg-options', 'model.random_teacher=True',
        'model.teacher_ckpt=None', 'train_dataloader.dataset.dataset.seed=1',
        *roots
    ],
                          cwd=osp.dirname(
                              osp.dirname(osp.dirname(osp.abspath(__file__)))),
                          stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT,
                          text=True,
                          timeout=300)
    assert proc.returncode != 0
    # 20 validation images, 2 per class; with another seed most of them
    # would be trained on
    found = re.search(
        r'(\d+) of the 20 samples of val_dataloader.dataset '
        r'are also in train_dataloader.dataset', proc.stdout)
    assert found and int(found.group(1)) > 0, proc.stdout[-3000:]
    assert not osp.exists(tmp_path / 'last_checkpoint')


def test_disjoint_splits_pass_and_overlaps_are_counted(fashion_root,
                                                       repo_root):
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    train = build_split(cfg, 'train', fashion_root)
    val = build_split(cfg, 'val', fashion_root)
    check_disjoint(train, val, 'val')
    key, indices = source_indices(train)
    assert key[0] == 'FashionMNIST' and len(indices) == NUM_TRAIN - 20
    cfg.val_dataloader.dataset.seed = 1
    moved = build_split(cfg, 'val', fashion_root)
    expected = len(
        set(source_indices(moved)[1]) & set(source_indices(train)[1]))
    assert expected > 0
    with pytest.raises(ValueError, match=f'^{expected} of the 20 samples'):
        check_disjoint(train, moved, 'val_dataloader.dataset')
    # the test set reads other files: nothing to compare
    check_disjoint(train, build_split(cfg, 'test', fashion_root), 'test')
