"""One training run of a benchmark suite: its options, what produced its
result (provenance) and how it is trained and scored."""
import csv
import glob
import hashlib
import json
import os
import os.path as osp
import platform
import re
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional

from mmengine.config import Config
from suite_resume import checkpoint_pointer, restore_partial, resume_args

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: ``{seed}``, ``{iters}``, ``{iters*2//3}`` in option values.
_TEMPLATE = re.compile(r'\{(seed|iters)(?:\*(\d+)//(\d+))?\}')
#: Keys of a result's ``inputs`` that must match for it to count as done.
INPUT_KEYS = ('config', 'options', 'config_sha256', 'teacher_sha256')


def fill(value, seed: int, iters: Optional[int]):
    """``value`` with ``{seed}``, ``{iters}`` and ``{iters*a//b}`` filled in
    (lists item by item); a string that is one template becomes an int."""
    if isinstance(value, (list, tuple)):
        return [fill(v, seed, iters) for v in value]
    if not isinstance(value, str):
        return value

    def one(match) -> str:
        name, num, den = match.groups()
        base = seed if name == 'seed' else iters
        if base is None:
            raise ValueError(f'option value {value!r} needs the schedule '
                             'length, which is not chosen yet')
        return str(base * int(num) // int(den) if num else base)

    filled = _TEMPLATE.sub(one, value)
    return int(filled) if _TEMPLATE.fullmatch(value) else filled


def option_text(value) -> str:
    if isinstance(value, (list, tuple)):
        return '[' + ','.join(option_text(v) for v in value) + ']'
    return str(value)


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def commit() -> str:
    """The checkout's commit, with ``+dirty`` for uncommitted changes to
    tracked files."""
    try:
        head = subprocess.run(['git', 'rev-parse', 'HEAD'],
                              cwd=ROOT,
                              capture_output=True,
                              text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(['git', 'status', '--porcelain', '-uno'],
                               cwd=ROOT,
                               capture_output=True,
                               text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'
    return head + ('+dirty' if dirty else '')


def machine() -> str:
    """``'<cores> x <CPU model> (<widest vector unit>)'``: machines of one
    model name differ (AVX2, or AVX-512 with bf16)."""
    cpu, flags = platform.processor() or platform.machine(), set()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                key, _, value = line.partition(':')
                if key.strip() == 'model name':
                    cpu = value.strip()
                elif key.strip() == 'flags':
                    flags = set(value.split())
                    break
    except OSError:
        pass
    for flag, name in (('avx512_bf16', 'AVX-512, bf16'),
                       ('avx512f', 'AVX-512'), ('avx2', 'AVX2')):
        if flag in flags:
            cpu += f' ({name})'
            break
    return f'{os.cpu_count()} x {cpu}'


# the suite runs jobs from threads; reading configs is serialised
_CONFIG_LOCK = threading.Lock()


class Job:
    """One (run, seed) of a suite, at one stage.

    Args:
        name (str): The run's name.
        config (str): Its training config, relative to the repo root.
        seed (int): The seed.
        options (dict): Its ``--cfg-options``, templates filled in.
        run_dir (str): Its work directory (checkpoints, logs).
        result_file (str): Where its result JSON goes.
        needs_teacher (bool): Whether it gets ``model.teacher_ckpt``.
        stage (str): ``'report'`` (trained, then tested once on the test
            set), ``'tune'`` or ``'schedule'`` (scored on the validation
            split at the end of training). Defaults to 'report'.
        label (str): What the job is, for progress lines. Defaults to
            ``name``.
    """

    def __init__(self,
                 name: str,
                 config: str,
                 seed: int,
                 options: dict,
                 run_dir: str,
                 result_file: str,
                 needs_teacher: bool,
                 stage: str = 'report',
                 label: Optional[str] = None) -> None:
        self.name = name
        self.config = config
        self.seed = seed
        self.options = options
        self.run_dir = run_dir
        self.result_file = result_file
        self.needs_teacher = needs_teacher
        self.stage = stage
        self.label = label or name
        # set by the plan: the schedule length, the weight factor and the
        # transfer probe's config (reported runs with ``probe=True``)
        self.iters: Optional[int] = None
        self.scale: Optional[float] = None
        self.probe: Optional[str] = None
        # where a reported run's student is exported to (model-zoo entries),
        # and the run's options without the reported runs' ones (for its
        # score on the validation split)
        self.export: Optional[str] = None
        self.val_options: Optional[dict] = None

    def cfg_options(self,
                    teacher_ckpt: Optional[str],
                    options: Optional[dict] = None) -> List[str]:
        """``key=value`` strings of ``options`` (default: the job's), the
        seed and the teacher's checkpoint included."""
        opts = {
            'randomness.seed': self.seed,
            **(self.options if options is None else options)
        }
        if self.needs_teacher:
            if teacher_ckpt is None:
                raise RuntimeError(f'run {self.name!r} needs the suite\'s '
                                   'teacher, but the suite has none')
            opts['model.teacher_ckpt'] = teacher_ckpt
        return [f'{k}={option_text(v)}' for k, v in opts.items()]

    def inputs(self, teacher_ckpt: Optional[str]) -> dict:
        """What produces this job's result: the config, the options, the
        SHA-256 of the resolved config (with the teacher's file named by
        its SHA-256, so the same weights anywhere give the same hash) and
        of the teacher's weights."""
        teacher_sha = None
        if self.needs_teacher and teacher_ckpt and osp.isfile(teacher_ckpt):
            teacher_sha = sha256_file(teacher_ckpt)
        opts = {'randomness.seed': self.seed, **self.options}
        with _CONFIG_LOCK:  # mmengine's config parsing is not thread-safe
            cfg = Config.fromfile(osp.join(ROOT, self.config))
            cfg.merge_from_dict(opts)
            if self.needs_teacher:
                cfg.model.teacher_ckpt = teacher_sha
            text = cfg.pretty_text
        return dict(
            config=self.config,
            options={
                k: option_text(v)
                for k, v in opts.items()
            },
            config_sha256=hashlib.sha256(text.encode()).hexdigest(),
            teacher_sha256=teacher_sha)

    def read(self) -> Optional[dict]:
        """The result file, or None."""
        if not osp.isfile(self.result_file):
            return None
        with open(self.result_file) as f:
            return json.load(f)


def changed_inputs(result: dict, inputs: dict) -> List[str]:
    """The input keys on which a finished result differs from ``inputs``."""
    old = result.get('inputs') or {}
    return [k for k in INPUT_KEYS if old.get(k) != inputs.get(k)]


class Stopped(RuntimeError):
    """A run the runner stopped: its result is no longer needed."""


def run_tool(cmd: List[str],
             log_file: str,
             threads: Optional[int] = None,
             stop: Optional[threading.Event] = None) -> None:
    """Run a tool from the repository root, its output in ``log_file``;
    raise with the log's tail if it fails.

    Args:
        cmd (list[str]): The command.
        log_file (str): Where its stdout and stderr go.
        threads (int, optional): OpenMP threads; None keeps torch's
            default. Defaults to None.
        stop (threading.Event, optional): Once set, the tool is terminated
            and :class:`Stopped` raised. Defaults to None.
    """
    env = dict(os.environ)
    if threads is not None:
        env['OMP_NUM_THREADS'] = env['MKL_NUM_THREADS'] = str(threads)
    with open(log_file, 'w') as f:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT, env=env)
        if stop is None:
            proc.wait()
        while proc.poll() is None:
            if stop.wait(1):
                proc.terminate()
                proc.wait()
                raise Stopped(f'{" ".join(cmd)}: stopped; log {log_file}')
    if proc.returncode != 0:
        with open(log_file) as f:
            tail = f.read()[-3000:]
        raise RuntimeError(f'{" ".join(cmd)} exited with {proc.returncode}; '
                           f'log {log_file}:\n{tail}')


def last_checkpoint(run_dir: str) -> str:
    path = checkpoint_pointer(run_dir)
    if path is None:
        raise FileNotFoundError(f'{osp.join(run_dir, "last_checkpoint")} is '
                                'missing: did training finish?')
    return path


def validation_metrics(run_dir: str, metric: str) -> Dict[str, float]:
    """The metrics of the last validation the training run in ``run_dir``
    logged (mmengine's ``<timestamp>/vis_data/scalars.json``)."""
    logs = sorted(
        glob.glob(osp.join(run_dir, '*', 'vis_data', 'scalars.json')))
    found = None
    for path in logs[-1:]:
        with open(path) as f:
            for line in f:
                entry = json.loads(line)
                if metric in entry:
                    found = entry
    if found is None:
        raise KeyError(f'no validation with {metric!r} in {logs[-1:]}: '
                       'does the config validate at the end of training?')
    return {k: v for k, v in found.items() if isinstance(v, (int, float))}


def student_weights(job: Job, threads: int) -> str:
    """A finished run's student as a plain checkpoint: a distiller's is
    exported (``tools/model_converters/export_student.py``), a model
    trained alone is its last checkpoint."""
    ckpt = last_checkpoint(job.run_dir)
    if not job.needs_teacher:
        return ckpt
    student = osp.join(job.run_dir, 'student.pth')
    if not osp.isfile(student):
        run_tool([
            sys.executable, 'tools/model_converters/export_student.py', ckpt,
            student
        ], osp.join(job.run_dir, 'export_stdout.log'), threads)
    return student


def probe_student(job: Job, threads: int) -> float:
    """The linear-probe top-1 of a finished run's student on the probe
    config's data (``tools/analysis/linear_probe.py`` with the paper's SGD
    schedule on standardised features: at lr 30 raw pooled features
    diverge)."""
    ckpt = student_weights(job, threads)
    out = osp.join(job.run_dir, 'probe')
    run_tool([
        sys.executable, 'tools/analysis/linear_probe.py', job.probe, ckpt,
        '--out-dir', out, '--normalize', 'standardize'
    ], osp.join(job.run_dir, 'probe_stdout.log'), threads)
    with open(osp.join(out, 'linear_probe.csv')) as f:
        rows = list(csv.DictReader(f))
    return float(rows[0]['top1'])


def validation_score(job: Job, metric: str, teacher_ckpt: Optional[str],
                     threads: int) -> float:
    """A finished reported run's ``metric`` on the validation split
    (``tools/test.py --split val`` on its last checkpoint, with the run's
    options without the reported runs' ones): what picks the model-zoo
    student among a run's seeds, the test set left out of that choice."""
    out = osp.join(job.run_dir, 'val_metrics.json')
    run_tool([
        sys.executable, 'tools/test.py', job.config,
        last_checkpoint(job.run_dir), '--split', 'val', '--work-dir',
        osp.join(job.run_dir, 'val'), '--out', out, '--cfg-options',
        *job.cfg_options(teacher_ckpt, job.val_options)
    ], osp.join(job.run_dir, 'val_stdout.log'), threads)
    with open(out) as f:
        return float(json.load(f)[metric])


def execute(job: Job,
            metric: str,
            teacher_ckpt: Optional[str],
            threads: int,
            stop: Optional[threading.Event] = None) -> dict:
    """Train one job, score it, write and return its result.

    A ``'report'`` job is tested once on the test set through
    ``tools/test.py`` on its last checkpoint; a ``'tune'`` or
    ``'schedule'`` job is scored by the validation at the end of its
    training (the test set is not read). Setting ``stop`` ends the
    training with :class:`Stopped` (its checkpoints stay in the run
    directory).
    """
    os.makedirs(job.run_dir, exist_ok=True)
    restore_partial(job)
    inputs = job.inputs(teacher_ckpt)
    opts = job.cfg_options(teacher_ckpt)
    py = sys.executable
    t0 = time.time()
    run_tool([
        py, 'tools/train.py', job.config, '--work-dir', job.run_dir,
        *resume_args(job.run_dir, inputs), '--cfg-options', *opts
    ], osp.join(job.run_dir, 'train_stdout.log'), threads, stop)
    t1 = time.time()
    if job.stage == 'report':
        out = osp.join(job.run_dir, 'test_metrics.json')
        run_tool([
            py, 'tools/test.py', job.config,
            last_checkpoint(job.run_dir), '--work-dir',
            osp.join(job.run_dir, 'test'), '--out', out, '--cfg-options', *opts
        ], osp.join(job.run_dir, 'test_stdout.log'), threads)
        with open(out) as f:
            metrics = json.load(f)
    else:
        metrics = validation_metrics(job.run_dir, metric)
    if metric not in metrics:
        raise KeyError(f'{job.run_dir}: no metric {metric!r} '
                       f'(found {sorted(metrics)})')
    probe = None
    if job.probe:
        probe = dict(config=job.probe, value=probe_student(job, threads))
    export = None
    if job.export:
        os.makedirs(osp.dirname(job.export), exist_ok=True)
        run_tool([
            sys.executable, 'tools/model_converters/publish_model.py',
            student_weights(job, threads), job.export
        ], osp.join(job.run_dir, 'publish_stdout.log'), threads)
        export = dict(
            path=osp.relpath(job.export, ROOT),
            val=validation_score(job, metric, teacher_ckpt, threads))
    result = dict(
        value=float(metrics[metric]),
        probe=probe,
        export=export,
        split='test' if job.stage == 'report' else 'val',
        stage=job.stage,
        metrics=metrics,
        train_s=round(t1 - t0, 1),
        test_s=round(time.time() - t1, 1),
        threads=threads,
        inputs=inputs,
        commit=commit(),
        machine=machine(),
        date=time.strftime('%Y-%m-%d'))
    os.makedirs(osp.dirname(job.result_file), exist_ok=True)
    tmp = job.result_file + '.part'
    with open(tmp, 'w') as f:
        json.dump(result, f, indent=1)
    os.replace(tmp, job.result_file)
    return result
