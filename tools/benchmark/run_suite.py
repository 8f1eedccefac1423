"""Run a benchmark suite: train and test every run with the repo's tools.

A suite is an mmengine config file (``tools/benchmark/suites/*.py``)::

    work_dir = 'work_dirs/suites/NAME'
    metric = 'accuracy/top1'          # key of the JSON tools/test.py writes
    metric_label = 'top-1 (%)'
    seeds = [0, 1, 2]
    options = {'key': 'value'}        # --cfg-options of every run
    teacher = dict(config='...', seed=0, options={})   # optional
    runs = [dict(name='KD', config='...', group='methods',
                 options={}, seeds=None, x=None, series=None),
            dict(name='KD, 10%', same_as='KD', group='few-shot', x=0.1,
                 series='KD'), ...]
    charts = [dict(group='methods', kind='bar', title='...')]
    prepare = ['python', 'tools/data/...']   # optional, run if the
    prepare_check = 'data/...'               # path is missing

In option values ``{seed}`` becomes the run's seed. Every run also gets
``randomness.seed=<seed>``; the suite's ``options`` are not the teacher's
(it has its own). The teacher is trained (and tested) once, before the runs
that need it; its last checkpoint becomes ``model.teacher_ckpt`` of every
run whose config's model is a distiller. A run with ``same_as`` is another
row (in another group) of an earlier run's results: nothing runs twice.

Each run trains through ``tools/train.py`` and tests its last checkpoint
once through ``tools/test.py`` (the test set is read once per run), in
``<work_dir>/<run>/seed<k>/``, and leaves ``result.json`` there: a run with
that file is skipped, so an interrupted suite resumes where it stopped.
``--jobs N`` runs N at once with ``cores / N`` threads each. At the end,
``results.md``, ``results.csv`` and one PNG per chart are written to the
work directory.

Example::

    python tools/benchmark/run_suite.py \
        tools/benchmark/suites/fashion_mnist_cpu.py --jobs 2
"""
import argparse
import json
import os
import os.path as osp
import platform
import subprocess
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import List, Optional

from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import suite_report as report  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RESULT_FILE = 'result.json'


class Job:
    """One (run, seed) of a suite.

    Args:
        name (str): The run's name.
        config (str): Its training config, relative to the repo root.
        seed (int): The seed.
        options (dict): Its ``--cfg-options`` (before ``{seed}``).
        run_dir (str): Its work directory.
        needs_teacher (bool): Whether it gets ``model.teacher_ckpt``.
    """

    def __init__(self, name: str, config: str, seed: int, options: dict,
                 run_dir: str, needs_teacher: bool) -> None:
        self.name = name
        self.config = config
        self.seed = seed
        self.options = options
        self.run_dir = run_dir
        self.needs_teacher = needs_teacher

    @property
    def done(self) -> bool:
        return osp.isfile(osp.join(self.run_dir, RESULT_FILE))

    def cfg_options(self, teacher_ckpt: Optional[str]) -> List[str]:
        """``key=value`` strings with ``{seed}`` and the teacher filled in."""
        opts = {'randomness.seed': self.seed}
        for key, value in self.options.items():
            if isinstance(value, str):
                value = value.replace('{seed}', str(self.seed))
            opts[key] = value
        if self.needs_teacher:
            if teacher_ckpt is None:
                raise RuntimeError(f'run {self.name!r} needs the suite\'s '
                                   'teacher, but the suite has none')
            opts['model.teacher_ckpt'] = teacher_ckpt
        return [f'{k}={_option_text(v)}' for k, v in opts.items()]


def _option_text(value) -> str:
    if isinstance(value, (list, tuple)):
        return '[' + ','.join(_option_text(v) for v in value) + ']'
    return str(value)


def load_suite(path: str) -> Config:
    """Read a suite file and check its keys, naming the file on error."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'suite file {path} does not exist')
    suite = Config.fromfile(path)
    for key in ('metric', 'runs'):
        if key not in suite:
            raise KeyError(f'suite {path} has no {key!r}')
    names = [run.get('name') for run in suite.runs]
    for i, run in enumerate(suite.runs):
        if 'name' not in run:
            raise KeyError(f'suite {path}: runs[{i}] has no \'name\'')
        if 'same_as' in run:
            if run['same_as'] not in names[:i]:
                raise KeyError(f'suite {path}: runs[{i}] ({run["name"]}): '
                               f'same_as={run["same_as"]!r} names no '
                               'earlier run')
            continue
        if 'config' not in run:
            raise KeyError(f'suite {path}: runs[{i}] has no \'config\'')
        if not osp.isfile(osp.join(ROOT, run['config'])):
            raise FileNotFoundError(f'suite {path}: runs[{i}] '
                                    f'({run["name"]}) config {run["config"]} '
                                    'does not exist')
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f'suite {path}: run names repeat: {repeated}')
    return suite


def is_distiller(config: str) -> bool:
    """Whether a config's model is one of mmdlkd's distillers."""
    cfg = Config.fromfile(osp.join(ROOT, config))
    return 'Distiller' in str(cfg.model.get('type', ''))


def make_jobs(suite: Config,
              work_dir: str,
              seeds: Optional[List[int]] = None,
              groups: Optional[List[str]] = None) -> List[Job]:
    """The suite's (run, seed) jobs, in the suite's order.

    Args:
        suite (Config): The suite.
        work_dir (str): Its work directory.
        seeds (list[int], optional): Replace every run's seeds.
            Defaults to None.
        groups (list[str], optional): Only the runs of these groups (and
            the runs that their ``same_as`` rows name). Defaults to None.
    """
    wanted = set()
    for run in suite.runs:
        if groups is None or run.get('group', 'runs') in groups:
            wanted.add(run.get('same_as', run['name']))
    jobs = []
    for run in suite.runs:
        if 'same_as' in run or run['name'] not in wanted:
            continue
        options = dict(suite.get('options', {}))
        options.update(run.get('options', {}))
        distill = is_distiller(run['config'])
        for seed in seeds or run.get('seeds') or suite.get('seeds', [0]):
            jobs.append(
                Job(
                    run['name'], run['config'], seed, options,
                    osp.join(work_dir, report.slug(run['name']),
                             f'seed{seed}'), distill))
    return jobs


def teacher_job(suite: Config, work_dir: str) -> Optional[Job]:
    if not suite.get('teacher'):
        return None
    teacher = suite.teacher
    return Job('teacher', teacher['config'], teacher.get('seed', 0),
               dict(teacher.get('options', {})), osp.join(work_dir, 'teacher'),
               False)


def run_tool(cmd: List[str],
             log_file: str,
             threads: Optional[int] = None) -> None:
    """Run a tool from the repository root, its output in ``log_file``;
    raise with the log's tail if it fails.

    Args:
        cmd (list[str]): The command.
        log_file (str): Where its stdout and stderr go.
        threads (int, optional): OpenMP threads; None keeps torch's
            default. Defaults to None.
    """
    env = dict(os.environ)
    if threads is not None:
        env['OMP_NUM_THREADS'] = env['MKL_NUM_THREADS'] = str(threads)
    with open(log_file, 'w') as f:
        proc = subprocess.run(
            cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT, env=env)
    if proc.returncode != 0:
        with open(log_file) as f:
            tail = f.read()[-3000:]
        raise RuntimeError(f'{" ".join(cmd)} exited with {proc.returncode}; '
                           f'log {log_file}:\n{tail}')


def last_checkpoint(run_dir: str) -> str:
    path = osp.join(run_dir, 'last_checkpoint')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} is missing: did training finish?')
    with open(path) as f:
        return f.read().strip()


def execute(job: Job, metric: str, teacher_ckpt: Optional[str],
            threads: int) -> dict:
    """Train and test one job; write and return its ``result.json``."""
    os.makedirs(job.run_dir, exist_ok=True)
    opts = job.cfg_options(teacher_ckpt)
    py = sys.executable
    t0 = time.time()
    run_tool([
        py, 'tools/train.py', job.config, '--work-dir', job.run_dir,
        '--cfg-options', *opts
    ], osp.join(job.run_dir, 'train_stdout.log'), threads)
    t1 = time.time()
    out = osp.join(job.run_dir, 'test_metrics.json')
    run_tool([
        py, 'tools/test.py', job.config,
        last_checkpoint(job.run_dir), '--work-dir',
        osp.join(job.run_dir, 'test'), '--out', out, '--cfg-options', *opts
    ], osp.join(job.run_dir, 'test_stdout.log'), threads)
    with open(out) as f:
        metrics = json.load(f)
    if metric not in metrics:
        raise KeyError(f'{out} has no metric {metric!r} '
                       f'(it has {sorted(metrics)})')
    result = dict(
        value=float(metrics[metric]),
        metrics=metrics,
        train_s=round(t1 - t0, 1),
        test_s=round(time.time() - t1, 1),
        threads=threads)
    tmp = osp.join(job.run_dir, RESULT_FILE + '.part')
    with open(tmp, 'w') as f:
        json.dump(result, f, indent=1)
    os.replace(tmp, osp.join(job.run_dir, RESULT_FILE))
    return result


def read_result(job: Job) -> Optional[dict]:
    path = osp.join(job.run_dir, RESULT_FILE)
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def _fmt_s(seconds: float) -> str:
    seconds = int(round(seconds))
    return f'{seconds // 60}m{seconds % 60:02d}s'


class Progress:
    """Thread-safe progress lines with an ETA from the finished jobs."""

    def __init__(self, total: int, jobs: int) -> None:
        self.total = total
        self.jobs = jobs
        self.finished = 0
        self.durations: List[float] = []
        self.start = time.time()
        self.lock = threading.Lock()

    def say(self, msg: str) -> None:
        with self.lock:
            print(f'[suite] {msg}', flush=True)

    def finish(self, job: Job, seconds: float, text: str) -> None:
        with self.lock:
            self.finished += 1
            self.durations.append(seconds)
            left = self.total - self.finished
            mean = sum(self.durations) / len(self.durations)
            eta = mean * left / self.jobs
            print(
                f'[suite] ({self.finished}/{self.total}) {job.name}, seed '
                f'{job.seed}: {text} ({_fmt_s(seconds)}); elapsed '
                f'{_fmt_s(time.time() - self.start)}, ETA {_fmt_s(eta)}',
                flush=True)


def prepare_data(suite: Config) -> None:
    check = suite.get('prepare_check')
    if not suite.get('prepare') or (check
                                    and osp.exists(osp.join(ROOT, check))):
        return
    cmd = [sys.executable if c == 'python' else c for c in suite.prepare]
    print(f'[suite] preparing the data: {" ".join(cmd)}', flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)


def run_all(suite: Config, work_dir: str, jobs: List[Job],
            teacher: Optional[Job], num_jobs: int) -> List[str]:
    """Run the unfinished jobs, the teacher first; return the failures."""
    metric = suite.metric
    threads = max(1, (os.cpu_count() or 1) // num_jobs)
    todo = [j for j in jobs if not j.done]
    teacher_todo = teacher is not None and not teacher.done
    progress = Progress(len(todo) + int(teacher_todo), num_jobs)
    progress.say(f'{len(jobs) - len(todo)} of {len(jobs)} runs already '
                 f'done; {len(todo)} to run, {num_jobs} at a time, '
                 f'{threads} thread(s) each; logs under {work_dir}')
    failures: List[str] = []

    def work(job: Job, teacher_future: Optional[Future]) -> None:
        ckpt = None
        if job.needs_teacher:
            if teacher_future is not None:
                teacher_future.result()
            ckpt = last_checkpoint(teacher.run_dir)
        t0 = time.time()
        try:
            result = execute(job, metric, ckpt, threads)
        except Exception as err:  # report, go on with the other runs
            failures.append(f'{job.name} seed {job.seed}: {err}')
            progress.finish(job, time.time() - t0, 'FAILED')
            raise
        progress.finish(job,
                        time.time() - t0, f'{metric} {result["value"]:.2f}')

    with ThreadPoolExecutor(max_workers=num_jobs) as pool:
        teacher_future = None
        if teacher_todo:
            progress.say(f'training the teacher ({teacher.config})')
            teacher_future = pool.submit(work, teacher, None)
        # runs without a teacher first, so no worker waits idle for it
        ordered = sorted(todo, key=lambda j: j.needs_teacher)
        futures = [pool.submit(work, j, teacher_future) for j in ordered]
        for fut in futures + ([teacher_future] if teacher_future else []):
            try:
                fut.result()
            except Exception:
                pass
    return failures


def collect(suite: Config, jobs: List[Job],
            teacher: Optional[Job]) -> List[report.RunResult]:
    """The finished results, one ``RunResult`` per run (and the teacher)."""
    results = []
    if teacher is not None:
        res = read_result(teacher)
        results.append(
            report.RunResult('teacher', 'teacher',
                             [res['value']] if res else [],
                             [teacher.seed] if res else []))
    for run in suite.runs:
        values, seeds = [], []
        source = run.get('same_as', run['name'])
        for job in jobs:
            if job.name != source:
                continue
            res = read_result(job)
            if res is not None:
                values.append(res['value'])
                seeds.append(job.seed)
        results.append(
            report.RunResult(run['name'], run.get('group', 'runs'), values,
                             seeds, run.get('x'), run.get('series')))
    return results


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    return f'{os.cpu_count()} x {cpu}'


def job_seconds(jobs: List[Job]) -> float:
    total = 0.0
    for job in jobs:
        res = read_result(job)
        if res is not None:
            total += res['train_s'] + res['test_s']
    return total


def write_report(suite: Config, suite_path: str, work_dir: str,
                 jobs: List[Job], teacher: Optional[Job],
                 wall_s: Optional[float]) -> str:
    """Write results.md/.csv and the charts; return the markdown."""
    results = collect(suite, jobs, teacher)
    label = suite.get('metric_label', suite.metric)
    all_jobs = jobs + ([teacher] if teacher else [])
    header = [
        f'# Suite {osp.splitext(osp.basename(suite_path))[0]}', '',
        f'- command: `python tools/benchmark/run_suite.py '
        f'{" ".join(sys.argv[1:]) or suite_path}`',
        f'- machine: {machine()}, {time.strftime("%Y-%m-%d")}',
        f'- runs finished: {sum(j.done for j in all_jobs)} of '
        f'{len(all_jobs)}; their train + test time added up: '
        f'{_fmt_s(job_seconds(all_jobs))}'
    ]
    if wall_s is not None:
        header.append(f'- wall time of the last invocation: {_fmt_s(wall_s)}')
    text = '\n'.join(header) + '\n\n' + report.markdown_tables(results, label)
    with open(osp.join(work_dir, 'results.md'), 'w') as f:
        f.write(text)
    report.write_csv(results, osp.join(work_dir, 'results.csv'))
    report.draw_charts(results, suite.get('charts', []), label, work_dir)
    return text


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Run a benchmark suite')
    parser.add_argument('suite', help='suite file')
    parser.add_argument('--work-dir', help='overrides the suite\'s work_dir')
    parser.add_argument(
        '--jobs', type=int, default=1, help='runs at a time (default 1)')
    parser.add_argument(
        '--seeds', type=int, nargs='+', help='override the suite\'s seeds')
    parser.add_argument(
        '--groups', nargs='+', help='run only these groups of the suite')
    parser.add_argument(
        '--report-only',
        action='store_true',
        help='only rewrite the tables and charts from finished runs')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start = time.time()
    suite = load_suite(args.suite)
    work_dir = osp.abspath(
        args.work_dir or suite.get(
            'work_dir',
            osp.join('work_dirs', 'suites',
                     osp.splitext(osp.basename(args.suite))[0])))
    os.makedirs(work_dir, exist_ok=True)
    jobs = make_jobs(suite, work_dir, args.seeds, args.groups)
    teacher = teacher_job(suite, work_dir)
    failures: List[str] = []
    if not args.report_only:
        prepare_data(suite)
        failures = run_all(suite, work_dir, jobs, teacher, max(1, args.jobs))
    wall = None if args.report_only else time.time() - start
    # the tables show every group's finished runs, not only this call's
    text = write_report(suite, args.suite, work_dir,
                        make_jobs(suite, work_dir, args.seeds), teacher, wall)
    print('\n' + text, flush=True)
    print(
        f'[suite] results.md, results.csv and charts in {work_dir}',
        flush=True)
    if failures:
        print(
            '[suite] failed runs:\n  ' + '\n  '.join(failures),
            file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
