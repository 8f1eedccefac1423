"""Write a small synthetic dataset in the Cityscapes on-disk layout.

mmseg's ``CityscapesDataset`` reads it as it reads the real one::

    ROOT/leftImg8bit/{train,val}/<city>/<city>_000000_0000NN_leftImg8bit.png
    ROOT/gtFine/{train,val}/<city>/<city>_000000_0000NN_gtFine_labelTrainIds.png

Each image is a few axis-aligned rectangles of train ids 0..18 on a
background of one class, with a strip of ignore pixels (255); pixel colours
depend on the class plus noise, so a model can learn the task.

Example::

    python tools/data/make_synthetic_cityscapes.py data/cityscapes_synth \
        --num-train 8 --num-val 4 --height 64 --width 128
"""
import argparse
import os
import os.path as osp

import cv2
import numpy as np

NUM_CLASSES = 19
IGNORE_INDEX = 255
CITIES = dict(train='aachen', val='frankfurt')


def class_colours(seed: int = 0) -> np.ndarray:
    """A fixed BGR colour per train id."""
    return np.random.RandomState(seed).randint(
        0, 256, size=(NUM_CLASSES, 3)).astype(np.uint8)


def make_sample(rng: np.random.RandomState, height: int, width: int,
                colours: np.ndarray) -> tuple:
    """Draw one image and its label map of train ids."""
    label = np.full((height, width), rng.randint(NUM_CLASSES), np.uint8)
    for _ in range(rng.randint(2, 6)):
        y0, x0 = rng.randint(0, height // 2), rng.randint(0, width // 2)
        y1 = y0 + rng.randint(height // 8, height // 2)
        x1 = x0 + rng.randint(width // 8, width // 2)
        label[y0:y1, x0:x1] = rng.randint(NUM_CLASSES)
    ignore_rows = max(1, height // 16)
    image = colours[label].astype(np.int16)
    image += rng.randint(-20, 21, size=image.shape).astype(np.int16)
    label[-ignore_rows:] = IGNORE_INDEX
    return np.clip(image, 0, 255).astype(np.uint8), label


def make_dataset(root: str,
                 num_train: int = 8,
                 num_val: int = 4,
                 height: int = 64,
                 width: int = 128,
                 seed: int = 0) -> dict:
    """Write the dataset and return the number of images per split.

    Args:
        root (str): Output folder (created).
        num_train (int): Training images. Defaults to 8.
        num_val (int): Validation images. Defaults to 4.
        height (int): Image height. Defaults to 64.
        width (int): Image width. Defaults to 128.
        seed (int): Random seed; the same seed writes the same files.
            Defaults to 0.

    Returns:
        dict: ``{'train': num_train, 'val': num_val}``.
    """
    rng = np.random.RandomState(seed)
    colours = class_colours(seed)
    counts = dict(train=num_train, val=num_val)
    for split, count in counts.items():
        city = CITIES[split]
        img_dir = osp.join(root, 'leftImg8bit', split, city)
        ann_dir = osp.join(root, 'gtFine', split, city)
        os.makedirs(img_dir, exist_ok=True)
        os.makedirs(ann_dir, exist_ok=True)
        for idx in range(count):
            stem = f'{city}_000000_{idx:06d}'
            image, label = make_sample(rng, height, width, colours)
            cv2.imwrite(osp.join(img_dir, f'{stem}_leftImg8bit.png'), image)
            cv2.imwrite(
                osp.join(ann_dir, f'{stem}_gtFine_labelTrainIds.png'), label)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='output folder')
    parser.add_argument('--num-train', type=int, default=8)
    parser.add_argument('--num-val', type=int, default=4)
    parser.add_argument('--height', type=int, default=64)
    parser.add_argument('--width', type=int, default=128)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    counts = make_dataset(args.root, args.num_train, args.num_val, args.height,
                          args.width, args.seed)
    print(f'wrote {counts} images to {args.root}')


if __name__ == '__main__':
    main()
