"""Carrying an unfinished suite run across sittings and machines: its
newest checkpoint and inputs kept beside its result file, restored into a
fresh run directory, and resumed only when the inputs are the same."""
import glob
import json
import os
import os.path as osp
import shutil
from typing import TYPE_CHECKING, List, Optional

import torch

if TYPE_CHECKING:
    from suite_jobs import Job


def partial_dir(job: 'Job') -> str:
    """Where an unfinished run's latest checkpoint is kept beside its
    result file (committed with the results, so that a run longer than one
    sitting resumes on another machine)."""
    return osp.splitext(job.result_file)[0] + '.partial'


def checkpoint_pointer(run_dir: str) -> Optional[str]:
    """The path in mmengine's ``last_checkpoint`` file of a run directory,
    or None when there is no such file."""
    pointer = osp.join(run_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        return f.read().strip()


def _pointed_checkpoint(run_dir: str) -> Optional[str]:
    path = checkpoint_pointer(run_dir)
    return path if path and osp.isfile(path) else None


def copy_for_resume(src: str, dst: str, log_tail: int = 100) -> None:
    """Write the checkpoint ``src`` to ``dst`` without what a resumed run
    does not need: a distiller's frozen teacher (its ``teacher.*``
    weights) and all but the last ``log_tail`` values of each logged
    scalar's history.

    A resumed distiller rebuilds the teacher from ``model.teacher_ckpt``,
    whose SHA-256 is one of the run's inputs (a partial resumes only with
    the same inputs), and mmengine's resume loads the rest (it logs the
    teacher's keys as missing). mmengine's message hub keeps every
    iteration's value of every logged scalar, a history that grows with
    the run; the logger smooths over the last few (a window of 10 by
    default), and training never reads them.

    Args:
        src (str): The checkpoint to copy.
        dst (str): Where to write the copy.
        log_tail (int): How many of the newest values of each logged
            scalar to keep. Defaults to 100.
    """
    from mmengine.logging import HistoryBuffer

    from mmdlkd.utils import load_local_checkpoint
    ckpt = load_local_checkpoint(src, map_location='cpu')
    state = ckpt.get('state_dict', {})
    for key in [key for key in state if key.startswith('teacher.')]:
        del state[key]
    scalars = ckpt.get('message_hub', {}).get('log_scalars', {})
    for key, buffer in scalars.items():
        values, counts = buffer.data
        scalars[key] = HistoryBuffer(values[-log_tail:], counts[-log_tail:],
                                     buffer.max_length)
    torch.save(ckpt, dst)


def save_partial(job: 'Job') -> Optional[str]:
    """Copy an unfinished run's newest checkpoint (without a distiller's
    teacher and old log history: ``copy_for_resume``) and its inputs to
    ``partial_dir(job)`` (replacing an older one); return the copy's path,
    or None when there is nothing new to keep."""
    ckpt = _pointed_checkpoint(job.run_dir)
    inputs = osp.join(job.run_dir, 'inputs.json')
    out = partial_dir(job)
    if ckpt is None or not osp.isfile(inputs) or job.read() is not None:
        return None
    dst = osp.join(out, osp.basename(ckpt))
    if osp.isfile(dst):
        return None
    os.makedirs(out, exist_ok=True)
    shutil.copyfile(inputs, osp.join(out, 'inputs.json'))
    copy_for_resume(ckpt, dst + '.part')
    os.replace(dst + '.part', dst)
    for old in glob.glob(osp.join(out, '*.pth')):
        if old != dst:
            os.remove(old)
    return dst


def restore_partial(job: 'Job') -> None:
    """Give a run directory without a checkpoint the kept partial one (its
    inputs are checked by ``resume_args``)."""
    out = partial_dir(job)
    kept = glob.glob(osp.join(out, '*.pth'))
    if _pointed_checkpoint(job.run_dir) or len(kept) != 1:
        return
    os.makedirs(job.run_dir, exist_ok=True)
    dst = osp.join(job.run_dir, osp.basename(kept[0]))
    shutil.copyfile(kept[0], dst)
    shutil.copyfile(
        osp.join(out, 'inputs.json'), osp.join(job.run_dir, 'inputs.json'))
    with open(osp.join(job.run_dir, 'last_checkpoint'), 'w') as f:
        f.write(osp.abspath(dst))


def resume_args(run_dir: str, inputs: dict) -> List[str]:
    """``['--resume']`` when ``run_dir`` holds a checkpoint of an
    interrupted run with the same inputs (a run with a checkpoint interval
    shorter than its length picks up where it stopped); otherwise none, and
    ``inputs`` are recorded for the next try."""
    path = osp.join(run_dir, 'inputs.json')
    same = False
    if osp.isfile(path):
        with open(path) as f:
            same = json.load(f) == json.loads(json.dumps(inputs))
    if same and osp.isfile(osp.join(run_dir, 'last_checkpoint')):
        return ['--resume']
    with open(path, 'w') as f:
        json.dump(inputs, f, indent=1)
    return []
