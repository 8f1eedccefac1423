"""Write a tiny synthetic CIFAR-100 in the on-disk formats mmpretrain reads.

Two layouts of the same images (100 classes, 32x32 RGB, each class a noisy
colour pattern of its own, so a network can learn something in a few
steps), nothing downloaded:

* ``ROOT/cifar-100-python/{train,test,meta}``: the official python pickles'
  format (keys ``data`` ``[N, 3072]`` uint8 in channel planes,
  ``fine_labels``, ``coarse_labels``, ``filenames``, ``batch_label``;
  ``meta`` with ``fine_label_names`` / ``coarse_label_names``). mmpretrain's
  ``CIFAR100`` checks every file's md5 against the official files, so it
  refuses these (no synthetic file can have those hashes); they test readers
  of the format with that check switched off.
* ``ROOT/train/<class>/<i>.png``, ``ROOT/test/<class>/<i>.png``: image folders
  read by mmpretrain's ``CustomDataset`` (classes in CIFAR-100's order,
  which is alphabetical), what the training tests use.

Example::

    python tools/data/make_synthetic_cifar.py data/cifar100_synth \\
        --train-per-class 5 --test-per-class 2
"""
import argparse
import os
import os.path as osp
import pickle

import cv2
import numpy as np
from mmpretrain.datasets.categories import CIFAR100_CATEGORIES

NUM_CLASSES = 100


def _images(labels: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
    """``[N, 32, 32, 3]`` uint8 RGB images, a colour pattern per class."""
    base = np.random.RandomState(1234).randint(40, 216, (NUM_CLASSES, 2, 3))
    yy, xx = np.mgrid[0:32, 0:32]
    imgs = []
    for label in labels:
        stripes = ((xx * (1 + label % 4) + yy * (label // 4 % 4)) // 8) % 2
        img = np.where(stripes[..., None] == 1, base[label, 0], base[label, 1])
        img = img + rng.normal(0, 12, img.shape)
        imgs.append(np.clip(img, 0, 255).astype(np.uint8))
    return np.stack(imgs)


def _split(per_class: int, rng: np.random.RandomState) -> tuple:
    labels = np.repeat(np.arange(NUM_CLASSES), per_class)
    labels = labels[rng.permutation(len(labels))]
    return labels, _images(labels, rng)


def make_dataset(root: str,
                 train_per_class: int = 5,
                 test_per_class: int = 2,
                 pickles: bool = True,
                 folders: bool = True,
                 seed: int = 0) -> dict:
    """Write the dataset and return the number of images per split.

    Args:
        root (str): Output folder (created).
        train_per_class (int): Training images per class. Defaults to 5.
        test_per_class (int): Test images per class. Defaults to 2.
        pickles (bool): Write ``cifar-100-python/``. Defaults to True.
        folders (bool): Write the ``train/`` and ``test/`` image folders.
            Defaults to True.
        seed (int): Seed of the noise and the order. Defaults to 0.

    Returns:
        dict: ``{'train': n_train, 'test': n_test}``.
    """
    rng = np.random.RandomState(seed)
    counts = {}
    splits = dict(train=train_per_class, test=test_per_class)
    for split, per_class in splits.items():
        labels, imgs = _split(per_class, rng)
        counts[split] = len(labels)
        names = [f'synthetic_{split}_{i:05d}.png' for i in range(len(labels))]
        if pickles:
            folder = osp.join(root, 'cifar-100-python')
            os.makedirs(folder, exist_ok=True)
            entry = {
                'filenames': names,
                'batch_label': f'synthetic {split} batch',
                'fine_labels': [int(x) for x in labels],
                'coarse_labels': [int(x) // 5 for x in labels],
                # CHW planes flattened per image, as the official files
                'data': imgs.transpose(0, 3, 1, 2).reshape(len(labels), -1),
            }
            with open(osp.join(folder, split), 'wb') as f:
                pickle.dump(entry, f, protocol=2)
        if folders:
            for name, label, img in zip(names, labels, imgs):
                folder = osp.join(root, split, CIFAR100_CATEGORIES[label])
                os.makedirs(folder, exist_ok=True)
                cv2.imwrite(osp.join(folder, name), img[..., ::-1])
    if pickles:
        meta = {
            'fine_label_names': list(CIFAR100_CATEGORIES),
            'coarse_label_names': [f'superclass_{i}' for i in range(20)],
        }
        with open(osp.join(root, 'cifar-100-python', 'meta'), 'wb') as f:
            pickle.dump(meta, f, protocol=2)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', help='output folder')
    parser.add_argument('--train-per-class', type=int, default=5)
    parser.add_argument('--test-per-class', type=int, default=2)
    parser.add_argument(
        '--no-pickles', action='store_true', help='skip cifar-100-python/')
    parser.add_argument(
        '--no-folders', action='store_true', help='skip train/ and test/')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    counts = make_dataset(
        args.root,
        train_per_class=args.train_per_class,
        test_per_class=args.test_per_class,
        pickles=not args.no_pickles,
        folders=not args.no_folders,
        seed=args.seed)
    print(f'wrote {counts} images to {args.root}')


if __name__ == '__main__':
    main()
