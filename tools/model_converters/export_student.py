"""Export the student of a distiller checkpoint as a plain checkpoint.

Usage::

    python tools/model_converters/export_student.py SRC DST [--ema | --no-ema]

``DST`` holds ``{'state_dict': ..., 'meta': ...}`` with the student's
weights without the ``student.`` prefix, loadable by mmseg / mmpretrain with
the student's own config (``init_model``, inferencers, ``tools/test.py``).

Which weights: by default those of the checkpoint's ``state_dict``, i.e.
the ones ``tools/test.py`` evaluates. When the run used mmengine's
``EMAHook`` these are the EMA-averaged weights (the hook swaps them into
``state_dict`` and keeps the raw ones in ``ema_state_dict``). ``--ema``
insists on the averaged weights (an error if the checkpoint has none);
``--no-ema`` exports the raw, not averaged weights. ``meta.student_weights``
of ``DST`` records which (``'ema'`` or ``'raw'``).
"""
import argparse
import sys

from mmengine.runner.checkpoint import _load_checkpoint

from mmdlkd.utils import setup_runtime
from mmdlkd.utils.student_checkpoint import (save_student_checkpoint,
                                             select_weights)

DESCRIPTIONS = dict(ema='EMA-averaged', raw='raw (not averaged)')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export the student of a distiller checkpoint')
    parser.add_argument('src', help='distiller checkpoint (path or URL)')
    parser.add_argument('dst', help='student-only checkpoint to write')
    parser.add_argument(
        '--ema',
        action=argparse.BooleanOptionalAction,
        default=None,
        help='--ema: the EMA-averaged weights (error if the checkpoint was '
        'not saved under EMAHook); --no-ema: the raw, not averaged weights; '
        'default: those of state_dict (averaged when EMAHook was used)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    setup_runtime()
    args = parse_args(argv)
    checkpoint = _load_checkpoint(args.src, map_location='cpu')
    try:
        kind = select_weights(checkpoint, args.ema)[1]
        save_student_checkpoint(
            checkpoint,
            args.dst,
            meta=dict(exported_from=args.src),
            use_ema=args.ema)
    except KeyError as err:
        raise KeyError(f'{args.src}: {err.args[0]}') from err
    print(f'{DESCRIPTIONS[kind]} student weights of {args.src} written to '
          f'{args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
