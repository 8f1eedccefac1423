"""Put Fashion-MNIST where mmpretrain's ``FashionMNIST`` reads it.

mmpretrain reads the four extracted idx files (``train-images-idx3-ubyte``,
``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
``t10k-labels-idx1-ubyte``) from its ``data_root``. This tool extracts them
there from Debian's ``dataset-fashion-mnist`` package (installing the package
first when run as root on Debian/Ubuntu and the files are missing), or from
any folder holding the ``.gz`` files (``--source``). Without either, it says
so and leaves the download to mmpretrain (``download=True`` in the dataset
config).

Example::

    python tools/data/prepare_fashion_mnist.py --out data/fashion_mnist
"""
import argparse
import gzip
import os
import os.path as osp
import shutil
import subprocess
import sys
from typing import List, Optional

FILES = ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte',
         't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte')
DEBIAN_PACKAGE = 'dataset-fashion-mnist'
DEBIAN_DIR = '/usr/share/datasets/fashion-mnist'


def debian_files() -> List[str]:
    """The ``.gz`` paths that Debian's package installed (may be empty)."""
    try:
        out = subprocess.run(['dpkg', '-L', DEBIAN_PACKAGE],
                             capture_output=True,
                             text=True,
                             check=False).stdout
    except FileNotFoundError:  # not a Debian system
        return []
    return [p for p in out.split() if p.endswith('-ubyte.gz')]


def install_debian_package() -> bool:
    """``apt-get install`` the package when that is possible (root, apt)."""
    if os.geteuid() != 0 or shutil.which('apt-get') is None:
        return False
    print(
        f'[fashion-mnist] installing the Debian package {DEBIAN_PACKAGE}',
        flush=True)
    for cmd in (['apt-get', 'update',
                 '-qq'], ['apt-get', 'install', '-y', '-qq', DEBIAN_PACKAGE]):
        if subprocess.run(cmd, check=False).returncode != 0:
            return False
    return True


def find_source(source: Optional[str], install: bool) -> Optional[str]:
    """The folder holding the four ``.gz`` files, or None."""
    if source is not None:
        missing = [
            f for f in FILES if not osp.isfile(osp.join(source, f + '.gz'))
        ]
        if missing:
            raise FileNotFoundError(f"--source {source} lacks "
                                    f"{', '.join(m + '.gz' for m in missing)}")
        return source
    paths = debian_files()
    if not paths and install and install_debian_package():
        paths = debian_files()
    if paths:
        return osp.dirname(paths[0])
    if all(osp.isfile(osp.join(DEBIAN_DIR, f + '.gz')) for f in FILES):
        return DEBIAN_DIR
    return None


def extract(source: str, out: str) -> None:
    """Decompress the four files of ``source`` into ``out`` (atomically)."""
    os.makedirs(out, exist_ok=True)
    for name in FILES:
        dst = osp.join(out, name)
        if osp.isfile(dst):
            continue
        tmp = dst + '.part'
        with gzip.open(osp.join(source, name + '.gz'), 'rb') as fin, \
                open(tmp, 'wb') as fout:
            shutil.copyfileobj(fin, fout)
        os.replace(tmp, dst)


def prepare(out: str,
            source: Optional[str] = None,
            install: bool = True) -> bool:
    """Make ``out`` hold the extracted idx files.

    Args:
        out (str): mmpretrain's ``data_root`` for ``FashionMNIST``.
        source (str, optional): A folder with the four ``.gz`` files.
            Defaults to None (Debian's package).
        install (bool): Install Debian's package if it is missing and this
            process may. Defaults to True.

    Returns:
        bool: True if the files are in place, False if no source was found
        (mmpretrain's own download is then the way).
    """
    if all(osp.isfile(osp.join(out, f)) for f in FILES):
        return True
    found = find_source(source, install)
    if found is None:
        return False
    extract(found, out)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='data/fashion_mnist')
    parser.add_argument(
        '--source',
        help='folder with the four *-ubyte.gz files '
        '(default: Debian\'s dataset-fashion-mnist package)')
    parser.add_argument(
        '--no-install',
        action='store_true',
        help='do not apt-get install the Debian package')
    args = parser.parse_args()
    if prepare(args.out, args.source, install=not args.no_install):
        print(f'[fashion-mnist] ready in {args.out}', flush=True)
        return
    print(
        '[fashion-mnist] no local copy found (Debian package '
        f'{DEBIAN_PACKAGE} or --source); train with '
        '--cfg-options train_dataloader.dataset.dataset.dataset.download=True '
        'to let mmpretrain download it',
        file=sys.stderr)
    sys.exit(1)


if __name__ == '__main__':
    main()
