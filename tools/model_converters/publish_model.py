"""Write a model-zoo checkpoint: the weights of a training checkpoint
without its optimizer and runtime state, and print its SHA-256.

Usage::

    python tools/model_converters/publish_model.py SRC DST [--hash-name]

``DST`` holds ``{'state_dict': ..., 'meta': ...}`` (``meta`` keeps the
source's epoch, iteration and mmengine version), loadable with torch's
weights-only unpickler, by ``tools/test.py`` and by a distiller's
``teacher_ckpt``. The metafile entry records the printed SHA-256.
"""
import argparse
import hashlib
import io
import os
import sys

import torch

from mmdlkd.utils import (atomic_write_bytes, load_checkpoint_file,
                          setup_runtime)

#: Entries of a training checkpoint's ``meta`` that a zoo file keeps.
KEPT_META = ('epoch', 'iter', 'mmengine_version', 'dataset_meta')


def publish(src: str, dst: str) -> str:
    """Write the weights of ``src`` to ``dst``; return its SHA-256.

    Args:
        src (str): A training checkpoint (path or URL).
        dst (str): The zoo checkpoint to write.

    Raises:
        KeyError: ``src`` has no ``state_dict``.
    """
    checkpoint = load_checkpoint_file(src, map_location='cpu')
    if not isinstance(checkpoint, dict) or 'state_dict' not in checkpoint:
        raise KeyError(f'{src} has no state_dict: not an mmengine '
                       'checkpoint')
    meta = {
        k: v
        for k, v in (checkpoint.get('meta') or {}).items() if k in KEPT_META
    }
    state = {k: v.contiguous() for k, v in checkpoint['state_dict'].items()}
    buffer = io.BytesIO()
    torch.save(dict(state_dict=state, meta=meta), buffer)
    data = buffer.getvalue()
    atomic_write_bytes(data, dst)
    return hashlib.sha256(data).hexdigest()


def main(argv=None) -> int:
    setup_runtime()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='training checkpoint (path or URL)')
    parser.add_argument('dst', help='zoo checkpoint to write')
    parser.add_argument(
        '--hash-name',
        action='store_true',
        help='name the file as OpenMMLab\'s zoo does: DST without .pth, '
        'then -<first 8 hex digits of the SHA-256>.pth')
    args = parser.parse_args(argv)
    sha = publish(args.src, args.dst)
    dst = args.dst
    if args.hash_name:
        stem = dst[:-len('.pth')] if dst.endswith('.pth') else dst
        dst = f'{stem}-{sha[:8]}.pth'
        os.replace(args.dst, dst)
    print(f'{dst}: sha256 {sha}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
