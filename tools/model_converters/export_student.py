"""Export the student of a distiller checkpoint as a plain checkpoint.

Usage::

    python tools/model_converters/export_student.py SRC DST [--ema]

``DST`` holds ``{'state_dict': ..., 'meta': ...}`` with the student's
weights without the ``student.`` prefix, loadable by mmseg / mmpretrain with
the student's own config (``init_model``, inferencers, ``tools/test.py``).
"""
import argparse
import sys

from mmengine.runner.checkpoint import _load_checkpoint

from mmdlkd.utils import setup_runtime
from mmdlkd.utils.student_checkpoint import save_student_checkpoint


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export the student of a distiller checkpoint')
    parser.add_argument('src', help='distiller checkpoint (path or URL)')
    parser.add_argument('dst', help='student-only checkpoint to write')
    parser.add_argument(
        '--ema',
        action='store_true',
        help='export the EMA weights (ema_state_dict) instead')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    setup_runtime()
    args = parse_args(argv)
    checkpoint = _load_checkpoint(args.src, map_location='cpu')
    save_student_checkpoint(
        checkpoint,
        args.dst,
        meta=dict(exported_from=args.src),
        use_ema=args.ema)
    print(f'student weights of {args.src} written to {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
