"""Write Fashion-MNIST mosaics: a segmentation dataset of real image content.

Each canvas (``--size`` pixels square, black) holds a few real Fashion-MNIST
items, each resized (bilinear) to a random side and pasted at a random
position inside the canvas; items may touch and overlap, later ones occlude
earlier ones. A pixel of a pasted item is *visible* where its (resized)
intensity is at least ``VISIBLE`` (8): there the canvas shows the item's
pixel, elsewhere what lay below stays. Labels, per pixel of the canvas:

* the item's class + 1 (1..10) where the pixel shown is at least
  ``FOREGROUND`` (32),
* 255 (ignored) where it is visible but fainter (8..31): the thin
  anti-aliased rim of an item (about 3% of an item's pixels, against 45%
  foreground), where "garment or background" is a matter of threshold,
* 0 (background) elsewhere (the canvas is 0 there).

So label and image agree exactly: label 1..10 where the image is >= 32, 255
where it is 8..31, 0 where it is 0.

Splits never share a source image: train mosaics use the first 55,000
training images (by index), val mosaics the last 5,000 (``--val-images``),
test mosaics the 10,000 test images. Within a split an image is reused only
after all images of its pool were used (a fresh permutation each pass).
``sources.json`` records, per mosaic, its items as ``[file, index, class,
x, y, side]`` (file ``'train'`` or ``'t10k'``). Each split has its own
random stream derived from ``--seed``: the same seed writes the same bytes,
and changing ``--num-train`` does not change the val or test mosaics.

Layout (read by ``mmdlkd.FashionMosaicDataset``)::

    OUT/img_dir/{train,val,test}/NNNNN.png   1-channel grey, uint8
    OUT/ann_dir/{train,val,test}/NNNNN.png   1-channel labels, uint8
    OUT/sources.json

The sources are the four original ``*-ubyte.gz`` files, e.g. from Debian's
``dataset-fashion-mnist`` package (``apt-get install -y
dataset-fashion-mnist``; the default ``--source`` is where it put them).

Example::

    python tools/data/make_fashion_mosaics.py --out data/fashion_mosaics
"""
import argparse
import gzip
import json
import os
import os.path as osp
import shutil
import subprocess
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

DEFAULT_SOURCE = '/usr/share/datasets/fashion-mnist'
SOURCE_FILES = dict(
    train=('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'),
    t10k=('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'))
SPLITS = ('train', 'val', 'test')
VISIBLE = 8
FOREGROUND = 32
IGNORE_INDEX = 255
ITEM_SIDE = 28


def read_idx(path: str) -> np.ndarray:
    """Read an idx file (gzip-compressed or not) of unsigned bytes.

    Args:
        path (str): The file, e.g. ``train-images-idx3-ubyte.gz``.

    Returns:
        np.ndarray: uint8 array of the shape the header gives.
    """
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    magic = int.from_bytes(data[:4], 'big')
    if magic >> 8 != 0x08:
        raise ValueError(f'{path}: not an idx file of unsigned bytes '
                         f'(magic {magic:#x})')
    ndim = magic & 0xff
    dims = [
        int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)
    ]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def write_idx(path: str, array: np.ndarray) -> None:
    """Write a uint8 array as a gzip-compressed idx file (for tests).

    Args:
        path (str): Output file.
        array (np.ndarray): uint8 array (1-d labels or N x H x W images).
    """
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = (0x0800 + array.ndim).to_bytes(4, 'big') + b''.join(
        int(d).to_bytes(4, 'big') for d in array.shape)
    with gzip.open(path, 'wb') as f:
        f.write(header + array.tobytes())


def find_source_dir() -> str:
    """Where ``dataset-fashion-mnist`` put the idx files (``dpkg -L``).

    Returns:
        str: That folder, or :data:`DEFAULT_SOURCE` when dpkg does not know
        the package.
    """
    try:
        listing = subprocess.run(['dpkg', '-L', 'dataset-fashion-mnist'],
                                 capture_output=True,
                                 text=True,
                                 check=False).stdout
    except OSError:
        return DEFAULT_SOURCE
    for line in listing.splitlines():
        if line.strip().endswith(SOURCE_FILES['train'][0]):
            return osp.dirname(line.strip())
    return DEFAULT_SOURCE


def load_source(source: str) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """Read the training and test images and labels.

    Args:
        source (str): Folder of the four ``*-ubyte.gz`` files.

    Returns:
        dict: ``{'train': (images, labels), 't10k': (images, labels)}``.
    """
    data = {}
    for name, (image_file, label_file) in SOURCE_FILES.items():
        paths = [osp.join(source, f) for f in (image_file, label_file)]
        for path in paths:
            if not osp.isfile(path):
                raise FileNotFoundError(
                    f'{path} does not exist: install the Debian package '
                    '(apt-get install -y dataset-fashion-mnist) or pass '
                    '--source')
        images, labels = (read_idx(p) for p in paths)
        if images.ndim != 3 or len(images) != len(labels):
            raise ValueError(f'{source}: {name} images {images.shape} do '
                             f'not match labels {labels.shape}')
        data[name] = (images, labels)
    return data


def split_pools(num_train_images: int, num_test_images: int,
                val_images: int) -> Dict[str, Tuple[str, np.ndarray]]:
    """The source images each split may use.

    Args:
        num_train_images (int): Images in the training file.
        num_test_images (int): Images in the test file.
        val_images (int): The last ``val_images`` training images (by
            index) are reserved for val mosaics.

    Returns:
        dict: split -> ``(file, indices)``.
    """
    if not 0 < val_images < num_train_images:
        raise ValueError(f'val_images must be in (0, {num_train_images}), '
                         f'got {val_images}')
    cut = num_train_images - val_images
    return dict(
        train=('train', np.arange(cut)),
        val=('train', np.arange(cut, num_train_images)),
        test=('t10k', np.arange(num_test_images)))


class IndexStream:
    """Pool indices in random order, each used once per pass.

    Args:
        pool (np.ndarray): The indices to draw from.
        rng (np.random.Generator): The split's random stream.
    """

    def __init__(self, pool: np.ndarray, rng: np.random.Generator) -> None:
        self.pool = pool
        self.rng = rng
        self.order = np.empty(0, dtype=pool.dtype)

    def next(self) -> int:
        """Return the next index (a new permutation when one runs out)."""
        if len(self.order) == 0:
            self.order = self.rng.permutation(self.pool)
        index, self.order = int(self.order[0]), self.order[1:]
        return index


def compose(items: List[np.ndarray], classes: List[int], size: int,
            rng: np.random.Generator, scale_range: Tuple[float,
                                                         float]) -> tuple:
    """Paste items into one canvas, later ones on top.

    Args:
        items (list[np.ndarray]): 28x28 uint8 images.
        classes (list[int]): Their classes (0..9).
        size (int): Canvas side.
        rng (np.random.Generator): Random stream of sides and positions.
        scale_range (tuple[float, float]): Item side = 28 x a uniform scale
            in this range (at most ``size``).

    Returns:
        tuple: ``(image, label, placements)``, the uint8 canvas, its uint8
        label map and one ``(x, y, side)`` per item.
    """
    image = np.zeros((size, size), np.uint8)
    label = np.zeros((size, size), np.uint8)
    placements = []
    for item, cls in zip(items, classes):
        scale = rng.uniform(*scale_range)
        side = int(min(size, max(1, round(ITEM_SIDE * scale))))
        x, y = (int(v) for v in rng.integers(0, size - side + 1, size=2))
        resized = cv2.resize(
            item, (side, side), interpolation=cv2.INTER_LINEAR)
        visible = resized >= VISIBLE
        item_label = np.where(resized >= FOREGROUND, cls + 1,
                              IGNORE_INDEX).astype(np.uint8)
        window = (slice(y, y + side), slice(x, x + side))
        image[window][visible] = resized[visible]
        label[window][visible] = item_label[visible]
        placements.append((x, y, side))
    return image, label, placements


def clear_output(out: str) -> None:
    """Remove an earlier output of :func:`make_mosaics` from ``out``.

    Raises:
        FileExistsError: ``out`` holds files but no ``sources.json``: it is
            not this tool's output, and nothing is removed.
    """
    if not osp.isdir(out) or not os.listdir(out):
        return
    if not osp.isfile(osp.join(out, 'sources.json')):
        raise FileExistsError(
            f'{out} is not empty and has no sources.json, so it is not an '
            'earlier output of make_fashion_mosaics.py; choose another '
            '--out or empty it')
    for name in ('img_dir', 'ann_dir'):
        shutil.rmtree(osp.join(out, name), ignore_errors=True)
    os.remove(osp.join(out, 'sources.json'))


def make_mosaics(out: str,
                 data: Dict[str, Tuple[np.ndarray, np.ndarray]],
                 num_train: int = 4000,
                 num_val: int = 500,
                 num_test: int = 1000,
                 size: int = 64,
                 seed: int = 0,
                 items_range: Tuple[int, int] = (2, 4),
                 scale_range: Tuple[float, float] = (0.75, 1.5),
                 val_images: int = 5000) -> Dict[str, int]:
    """Write the three splits and ``sources.json``.

    A folder written before (it has ``sources.json``) is cleared of its
    ``img_dir``, ``ann_dir`` and ``sources.json`` first, so no image of an
    earlier run with other sizes stays behind unlisted.

    Args:
        out (str): Output folder (created; if it exists it must be empty or
            an earlier output of this tool).
        data (dict): ``{'train': (images, labels), 't10k': (images,
            labels)}``, e.g. from :func:`load_source`.
        num_train (int): Training mosaics. Defaults to 4000.
        num_val (int): Validation mosaics. Defaults to 500.
        num_test (int): Test mosaics. Defaults to 1000.
        size (int): Canvas side in pixels. Defaults to 64.
        seed (int): Seed of every random choice. Defaults to 0.
        items_range (tuple[int, int]): Items per canvas, both ends
            included. Defaults to (2, 4).
        scale_range (tuple[float, float]): Item scale range (1 = 28
            pixels). Defaults to (0.75, 1.5).
        val_images (int): Training images (the last ones by index) kept
            for val mosaics. Defaults to 5000.

    Returns:
        dict: Mosaics written per split.
    """
    clear_output(out)
    pools = split_pools(
        len(data['train'][0]), len(data['t10k'][0]), val_images)
    counts = dict(train=num_train, val=num_val, test=num_test)
    sources = dict(
        seed=seed,
        size=size,
        visible=VISIBLE,
        foreground=FOREGROUND,
        items_range=list(items_range),
        scale_range=list(scale_range),
        item_fields=['file', 'index', 'class', 'x', 'y', 'side'],
        pools={
            split: [name, int(idx[0]), int(idx[-1]) + 1]
            for split, (name, idx) in pools.items()
        },
        splits={})
    for split_id, split in enumerate(SPLITS):
        name, pool = pools[split]
        images, labels = data[name]
        rng = np.random.default_rng([seed, split_id])
        stream = IndexStream(pool, rng)
        img_dir = osp.join(out, 'img_dir', split)
        ann_dir = osp.join(out, 'ann_dir', split)
        os.makedirs(img_dir, exist_ok=True)
        os.makedirs(ann_dir, exist_ok=True)
        records = {}
        for i in range(counts[split]):
            num_items = int(rng.integers(items_range[0], items_range[1] + 1))
            indices = [stream.next() for _ in range(num_items)]
            classes = [int(labels[j]) for j in indices]
            image, label, placed = compose([images[j] for j in indices],
                                           classes, size, rng, scale_range)
            stem = f'{i:05d}'
            cv2.imwrite(osp.join(img_dir, stem + '.png'), image)
            cv2.imwrite(osp.join(ann_dir, stem + '.png'), label)
            records[stem] = [[name, j, c, *p]
                             for j, c, p in zip(indices, classes, placed)]
        sources['splits'][split] = records
    with open(osp.join(out, 'sources.json'), 'w') as f:
        json.dump(sources, f)
    return counts


def source_indices(out: str) -> Dict[str, set]:
    """The ``(file, index)`` source images each split used.

    Args:
        out (str): A folder written by :func:`make_mosaics`.

    Returns:
        dict: split -> set of ``(file, index)``.
    """
    with open(osp.join(out, 'sources.json')) as f:
        splits = json.load(f)['splits']
    return {
        split: {(item[0], item[1])
                for items in records.values()
                for item in items}
        for split, records in splits.items()
    }


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write Fashion-MNIST mosaics for segmentation')
    parser.add_argument('--out', default='data/fashion_mosaics')
    parser.add_argument(
        '--source',
        default=None,
        help='folder of the four *-ubyte.gz files (default: where the '
        f'dataset-fashion-mnist package put them, else {DEFAULT_SOURCE})')
    parser.add_argument('--num-train', type=int, default=4000)
    parser.add_argument('--num-val', type=int, default=500)
    parser.add_argument('--num-test', type=int, default=1000)
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--min-items', type=int, default=2)
    parser.add_argument('--max-items', type=int, default=4)
    parser.add_argument('--min-scale', type=float, default=0.75)
    parser.add_argument('--max-scale', type=float, default=1.5)
    parser.add_argument('--val-images', type=int, default=5000)
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    data = load_source(args.source or find_source_dir())
    counts = make_mosaics(
        args.out,
        data,
        num_train=args.num_train,
        num_val=args.num_val,
        num_test=args.num_test,
        size=args.size,
        seed=args.seed,
        items_range=(args.min_items, args.max_items),
        scale_range=(args.min_scale, args.max_scale),
        val_images=args.val_images)
    print(f'wrote {counts} mosaics of {args.size}x{args.size} to {args.out}')


if __name__ == '__main__':
    main()
