"""Write scikit-learn's handwritten digits as a CIFAR-sized image folder.

The 1,797 8x8 grey images (16 levels) ship inside scikit-learn, so nothing
is downloaded. Each is upsampled to ``--size`` pixels (bicubic), written as
a 3-channel PNG, and split into train/val with a fixed, class-stratified
split. The layout is the one mmpretrain's ``CustomDataset`` reads::

    ROOT/train/<digit>/<index>.png
    ROOT/val/<digit>/<index>.png

Example::

    python tools/data/make_digits_dataset.py data/digits --size 32
"""
import argparse
import os
import os.path as osp

import cv2
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


def make_dataset(root: str,
                 size: int = 32,
                 val_fraction: float = 0.3,
                 seed: int = 0) -> dict:
    """Write the dataset and return the number of images per split.

    Args:
        root (str): Output folder (created).
        size (int): Side of the written square images. Defaults to 32.
        val_fraction (float): Share of each class held out for validation.
            Defaults to 0.3.
        seed (int): Seed of the split. Defaults to 0.

    Returns:
        dict: ``{'train': n_train, 'val': n_val}``.
    """
    digits = load_digits()
    images = (digits.images * (255.0 / 16.0)).astype(np.uint8)
    indices = np.arange(len(images))
    train_idx, val_idx = train_test_split(
        indices,
        test_size=val_fraction,
        stratify=digits.target,
        random_state=seed)
    counts = {}
    for split, split_idx in (('train', train_idx), ('val', val_idx)):
        for idx in sorted(split_idx):
            label = int(digits.target[idx])
            folder = osp.join(root, split, str(label))
            os.makedirs(folder, exist_ok=True)
            big = cv2.resize(
                images[idx], (size, size), interpolation=cv2.INTER_CUBIC)
            cv2.imwrite(
                osp.join(folder, f'{idx:04d}.png'),
                cv2.cvtColor(big, cv2.COLOR_GRAY2BGR))
        counts[split] = len(split_idx)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='output folder')
    parser.add_argument('--size', type=int, default=32)
    parser.add_argument('--val-fraction', type=float, default=0.3)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    counts = make_dataset(args.root, args.size, args.val_fraction, args.seed)
    print(f'wrote {counts} images to {args.root}')


if __name__ == '__main__':
    main()
