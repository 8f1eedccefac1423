"""Run a benchmark suite: choose its schedule and settings on the validation
split, then train and test every run with the repo's tools.

A suite is an mmengine config file (``tools/benchmark/suites/*.py``)::

    work_dir = 'work_dirs/suites/NAME'        # checkpoints and logs
    results_dir = 'docs/results/NAME'         # small result files (commit)
    metric = 'accuracy/top1'                  # key tools/test.py writes
    metric_label = 'top-1 (%)'
    seeds = [0, 1, 2]
    options = {'key': 'value'}                # --cfg-options of every job
    report_options = {'val_cfg': None}        # of the reported runs only
    distiller_options = {}                    # of every distiller job
    teacher = dict(checkpoint='...')          # or dict(config=..., seed=0),
                                              # dict(from_suite=..., run=...)
    schedule = dict(runs=['student alone', 'DLKD'], start=200, gain=0.3,
                    max_iters=12800, options={'train_cfg.max_iters':
                    '{iters}', 'param_scheduler.milestones':
                    ['{iters*2//3}', '{iters*5//6}']})  # or iters=N
    tune = dict(scales=[0.25, 1, 4], seed=0, groups=['methods'])
    runs = [dict(name='KD', config='...', group='methods', options={},
                 seeds=None, x=None, series=None, iters_scale=1.0,
                 tuned_as=None, probe=False, export_seeds=[]),
            dict(name='KD, 10%', same_as='KD', group='few-shot', x=10)]
    compare = dict(reference='DLKD', against=['KD', ...])
    charts = [dict(group='methods', kind='bar', title='...')]
    transfer = dict(config='...')    # probe of the runs with probe=True
    prepare = ['python', 'tools/data/...']   # optional, run if the
    prepare_check = 'data/...'               # path is missing (or lists)

The stages (schedule, tune, report) are described in ``suite_plan.py``. A
suite whose reported seeds include the seed of its schedule search or tune
stage is refused: that reported run would repeat, step for step, the run
whose validation score chose its setting. In
option values ``{seed}`` becomes the job's seed and ``{iters}`` the
schedule length; every job also gets ``randomness.seed=<seed>``. A trained
teacher (``teacher.config``) is trained and tested once, before the jobs
that need it; its last checkpoint, or ``teacher.checkpoint``, becomes
``model.teacher_ckpt`` of every distiller job. ``teacher.from_suite``
takes the checkpoint of another suite's run (``teacher.run``, default
``'teacher'``) at the length that suite's schedule search chose; the suite
stops with an error while that search is undecided.

Each job trains through ``tools/train.py`` in ``<work_dir>/<stage>/<run>/
<tag>/``; a reported job is then tested once through ``tools/test.py``
(the test set is read once per reported run), a schedule or tune job is
scored by its end-of-training validation. Its result file
``<results_dir>/<stage>/<run>/<tag>.json`` records the value and what
produced it: the config, the options, the SHA-256 of the resolved config
and of the teacher's weights, the commit. A reported run's student of each
seed in ``export_seeds`` is written beside its result as a weights-only
``.pth`` (for model-zoo entries) and scored on the validation split
(``export.val`` in its result: the zoo entry is the seed that scores best
there, not on the test set); ``probe=True`` adds the linear probe of
``transfer.config`` to its result. A job whose result file exists
with the same inputs is done; one whose inputs differ stops the suite
before anything runs, unless ``--rerun-changed`` re-runs it. So a suite
resumes where it stopped, also on another machine from the committed
result files. ``--jobs N`` runs N at once with ``cores / N`` threads
each (``--threads`` sets it: a suite sharing the machine with another);
a job the plan no longer holds (a doubling trained ahead beside a length
that settled its schedule) is stopped. At the end, ``results.md``,
``results.csv`` and one PNG per chart go to the results directory.

Example::

    python tools/benchmark/run_suite.py \
        tools/benchmark/suites/fashion_mnist_cpu.py --jobs 2
"""
import argparse
import os
import os.path as osp
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import List, Optional

from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import suite_jobs as sj  # noqa: E402
import suite_report as report  # noqa: E402
import suite_resume  # noqa: E402
from suite_plan import Plan, other_suite_choice  # noqa: E402

# the runner's tool helpers, for tools/demo.py
run_tool, last_checkpoint = sj.run_tool, sj.last_checkpoint
ROOT, Job = sj.ROOT, sj.Job


class SuiteError(RuntimeError):
    """A suite that cannot run as it is."""


def selection_seeds(suite: Config) -> dict:
    """``{seed: 'schedule' | 'tune' | 'schedule and tune'}``: the seeds of
    the stages that choose a setting by a validation score (the tune
    stage; the schedule stage when it searches, not with ``iters`` or
    ``from_suite``)."""
    seeds: dict = {}
    sched = suite.get('schedule') or {}
    if sched and not (sched.get('iters') or sched.get('from_suite')):
        seeds[sched.get('seed', 0)] = 'schedule'
    if suite.get('tune'):
        seed = suite.tune.get('seed', 0)
        seeds[seed] = 'schedule and tune' if seed in seeds else 'tune'
    return seeds


def check_report_seeds(suite: Config,
                       path: str,
                       seeds: Optional[List[int]] = None) -> None:
    """Refuse a reported seed that a selection stage trained with: that
    reported run would repeat the run (same subset, initialisation and data
    order) whose validation score chose its setting, so its test score
    would carry that run's luck. ``seeds`` is ``--seeds``."""
    if not suite.get('report', True):
        return
    chosen_by = selection_seeds(suite)
    for run in suite.runs:
        if 'same_as' in run:
            continue
        for seed in seeds or run.get('seeds') or suite.get('seeds', [0]):
            if seed in chosen_by:
                raise ValueError(
                    f'suite {path}: run {run["name"]!r} reports seed {seed}, '
                    f"the seed the suite's {chosen_by[seed]} stage trains "
                    'with: that reported run would repeat the run whose '
                    'validation score chose its setting. Report other '
                    'seeds (seeds, runs[].seeds, --seeds)')


def load_suite(path: str, seeds: Optional[List[int]] = None) -> Config:
    """Read a suite file and check its keys and reported seeds (``seeds``:
    ``--seeds``), naming the file on error."""
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
        for ref in ('same_as', 'tuned_as'):
            if ref in run and run[ref] not in names[:i]:
                raise KeyError(f'suite {path}: runs[{i}] ({run["name"]}): '
                               f'{ref}={run[ref]!r} names no earlier run')
        if 'same_as' in run:
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
    for name in (suite.get('schedule') or {}).get('runs', []):
        if name not in names:
            raise KeyError(f'suite {path}: schedule.runs names {name!r}, '
                           'which is not a run')
    check_report_seeds(suite, path, seeds)
    return suite


def teacher_job(suite: Config, work_dir: str,
                results_dir: str) -> Optional[Job]:
    """The job that trains the suite's teacher, if it trains one."""
    teacher = suite.get('teacher') or {}
    if not teacher.get('config'):
        return None
    return Job('teacher', teacher['config'], teacher.get('seed', 0),
               dict(teacher.get('options', {})), osp.join(work_dir, 'teacher'),
               osp.join(results_dir, 'teacher.json'), False)


def searched_teacher(path: str, name: str) -> Job:
    """The run ``name`` of another suite at the length that suite's
    schedule search chose (``teacher.from_suite``)."""
    job, curve = other_suite_choice(path, name)
    if job is None:
        so_far = ', '.join(f'{k}: {v:.2f}' for k, v in sorted(curve.items()))
        raise SuiteError(
            f'teacher.from_suite {path}: that suite has not chosen the '
            f'length of its run {name!r} yet (validation so far: '
            f'{so_far or "nothing"}); run `python tools/benchmark/'
            f'run_suite.py {path}` first')
    return job


def teacher_checkpoint(suite: Config, teacher: Optional[Job]) -> str:
    """The teacher's weights: ``teacher.checkpoint`` or the trained one."""
    given = (suite.get('teacher') or {}).get('checkpoint')
    if given:
        path = osp.join(ROOT, given)
        if not osp.isfile(path):
            raise FileNotFoundError(f'teacher.checkpoint {given} does not '
                                    'exist')
        return path
    searched = (suite.get('teacher') or {}).get('from_suite')
    if searched:
        teacher = searched_teacher(searched,
                                   suite.teacher.get('run', 'teacher'))
    if teacher is None:
        raise SuiteError('the suite has distiller runs but no teacher')
    try:
        return last_checkpoint(teacher.run_dir)
    except FileNotFoundError as err:
        raise SuiteError(
            f'the teacher is done ({teacher.result_file}) but its '
            f'checkpoint is not on this machine ({err}); ship it as '
            'teacher.checkpoint or remove the result to train it again'
        ) from err


class Progress:
    """Thread-safe progress lines with an ETA from the finished jobs."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.finished = 0
        self.durations: List[float] = []
        self.start = time.time()
        self.lock = threading.Lock()

    def say(self, msg: str) -> None:
        with self.lock:
            print(f'[suite] {msg}', flush=True)

    def finish(self, job: Job, seconds: float, text: str, left: int) -> None:
        with self.lock:
            self.finished += 1
            self.durations.append(seconds)
            mean = sum(self.durations) / len(self.durations)
            print(
                f'[suite] {job.label}, seed {job.seed}: {text} '
                f'({report.fmt_s(seconds)}); elapsed '
                f'{report.fmt_s(time.time() - self.start)}; {left} known '
                f'jobs left, about {report.fmt_s(mean * left / self.jobs)}',
                flush=True)


def pending(jobs: List[Job], teacher_ckpt: Optional[str],
            rerun_changed: bool) -> List[Job]:
    """The jobs to run: no result, or (with ``rerun_changed``) a result
    from other inputs; a changed result otherwise stops the suite."""
    todo, changed = [], []
    for job in jobs:
        result = job.read()
        if result is None:
            todo.append(job)
            continue
        keys = sj.changed_inputs(result, job.inputs(teacher_ckpt))
        if keys:
            (todo if rerun_changed else changed).append(job)
            if not rerun_changed:
                changed[-1].why = keys
    if changed:
        lines = '\n  '.join(f'{j.result_file}: {", ".join(j.why)} changed'
                            for j in changed)
        raise SuiteError(
            'finished results were produced from other inputs:\n  ' + lines +
            '\nre-run them with --rerun-changed, or restore the inputs')
    return todo


def keep_partials(jobs: List[Job], progress: Progress) -> None:
    """Copy the newest checkpoint of each running job beside its result
    file (``suite_resume.save_partial``)."""
    for job in jobs:
        kept = suite_resume.save_partial(job)
        if kept:
            progress.say(f'{job.label}: kept {osp.relpath(kept, ROOT)} '
                         '(commit it: the run resumes from it elsewhere)')


def stop_unneeded(jobs: List[Job], started: dict, stops: dict,
                  progress: Progress) -> None:
    """Stop each running job the plan no longer holds: a doubling trained
    ahead (``schedule.ahead``) beside a length that settled the search."""
    needed = {j.result_file for j in jobs}
    for key, job in started.items():
        if key not in needed and not stops[key].is_set():
            stops[key].set()
            progress.say(f'{job.label}: no longer needed (the schedule is '
                         'decided); stopping it')


def run_all(suite: Config,
            plan: Plan,
            teacher: Optional[Job],
            num_jobs: int,
            rerun_changed: bool = False,
            threads: Optional[int] = None) -> List[str]:
    """Run the stages until every decidable job is done; return the
    failures. Each job gets ``threads`` threads (default: the cores shared
    among the ``num_jobs`` jobs)."""
    metric = suite.metric
    threads = threads or max(1, (os.cpu_count() or 1) // num_jobs)
    progress = Progress(num_jobs)
    failures: List[str] = []
    failed = set()

    def work(job: Job,
             ckpt: Optional[str],
             left: int,
             stop: Optional[threading.Event] = None) -> None:
        t0 = time.time()
        try:
            result = sj.execute(job, metric,
                                ckpt if job.needs_teacher else None, threads,
                                stop)
        except sj.Stopped:
            progress.finish(job, time.time() - t0, 'stopped', left)
            return
        except Exception as err:  # report, go on with the other jobs
            failures.append(f'{job.label} seed {job.seed}: {err}')
            failed.add(job.result_file)
            progress.finish(job, time.time() - t0, f'FAILED: {err}', left)
            return
        progress.finish(job,
                        time.time() - t0,
                        f'{result["split"]} {metric} {result["value"]:.2f}',
                        left)

    if teacher is not None and pending([teacher], None, rerun_changed):
        progress.say(f'training the teacher ({teacher.config})')
        work(teacher, None, 0)
        if failures:
            return failures
    ckpt = None
    running: dict = {}  # result file -> future
    started: dict = {}  # result file -> job
    stops: dict = {}  # result file -> threading.Event
    with ThreadPoolExecutor(max_workers=num_jobs) as pool:
        while True:
            # re-planned whenever a job ends: a finished job can decide a
            # stage and free a slot for the next one at once
            jobs = plan.all_jobs()
            if ckpt is None and any(j.needs_teacher for j in jobs):
                ckpt = teacher_checkpoint(suite, teacher)
            stop_unneeded(jobs, started, stops, progress)
            todo = [
                j for j in pending(jobs, ckpt, rerun_changed)
                if j.result_file not in failed and j.result_file not in running
            ]
            if not todo and not running:
                break
            free = num_jobs - len(running)
            if todo and free:
                progress.say(f'{len(jobs) - len(todo) - len(running)} of '
                             f'{len(jobs)} known jobs done, {len(running)} '
                             f'running; starting {min(free, len(todo))}, '
                             f'{threads} thread(s) each')
            for i, job in enumerate(todo[:free]):
                started[job.result_file] = job
                stops[job.result_file] = threading.Event()
                running[job.result_file] = pool.submit(work, job, ckpt,
                                                       len(todo) - i - 1,
                                                       stops[job.result_file])
            done: set = set()
            while not done:
                done, _ = wait(
                    running.values(), timeout=60, return_when=FIRST_COMPLETED)
                keep_partials([started[k] for k in running], progress)
            for key in [k for k, f in running.items() if f in done]:
                running.pop(key).result()
                # here, not in the job's thread: keep_partials (this thread)
                # may have copied a checkpoint as the result was written;
                # a stopped job's copy is not needed elsewhere either
                if started[key].read() is not None or stops[key].is_set():
                    shutil.rmtree(
                        suite_resume.partial_dir(started[key]),
                        ignore_errors=True)
                del started[key], stops[key]
    return failures


def prepare_data(suite: Config) -> None:
    """Run each ``prepare`` command whose ``prepare_check`` path is missing
    (one command and path, or lists of both)."""
    commands = suite.get('prepare') or []
    checks = suite.get('prepare_check') or []
    if commands and isinstance(commands[0], str):
        commands, checks = [commands], [checks]
    for cmd, check in zip(commands, checks):
        if check and osp.exists(osp.join(ROOT, check)):
            continue
        cmd = [sys.executable if c == 'python' else c for c in cmd]
        print(f'[suite] preparing the data: {" ".join(cmd)}', flush=True)
        subprocess.run(cmd, cwd=ROOT, check=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Run a benchmark suite')
    parser.add_argument('suite', help='suite file')
    parser.add_argument('--work-dir', help='overrides the suite\'s work_dir')
    parser.add_argument(
        '--results-dir', help='overrides the suite\'s results_dir')
    parser.add_argument(
        '--jobs', type=int, default=1, help='runs at a time (default 1)')
    parser.add_argument(
        '--threads',
        type=int,
        help='threads of each run (default: the cores divided by --jobs)')
    parser.add_argument(
        '--seeds', type=int, nargs='+', help='override the suite\'s seeds')
    parser.add_argument(
        '--groups', nargs='+', help='run only these groups of the suite')
    parser.add_argument(
        '--rerun-changed',
        action='store_true',
        help='re-run finished jobs whose inputs changed')
    parser.add_argument(
        '--report-only',
        action='store_true',
        help='only rewrite the tables and charts from finished runs')
    args = parser.parse_args()
    if args.threads is not None and args.threads < 1:
        parser.error(f'--threads {args.threads}: give 1 or more')
    return args


def main() -> None:
    args = parse_args()
    start = time.time()
    suite = load_suite(args.suite, args.seeds)
    name = osp.splitext(osp.basename(args.suite))[0]
    work_dir = osp.abspath(
        args.work_dir or suite.get('work_dir', f'work_dirs/suites/{name}'))
    results_dir = osp.abspath(
        args.results_dir or osp.join(
            ROOT, suite.get('results_dir', osp.join(work_dir, 'results'))))
    os.makedirs(results_dir, exist_ok=True)
    plan = Plan(suite, work_dir, results_dir, args.seeds, args.groups)
    teacher = teacher_job(suite, work_dir, results_dir)
    failures: List[str] = []
    if not args.report_only:
        prepare_data(suite)
        try:
            failures = run_all(suite, plan, teacher, max(1, args.jobs),
                               args.rerun_changed, args.threads)
        except SuiteError as err:
            sys.exit(f'[suite] {err}')
    text = report.write_report(
        suite, args.suite, Plan(suite, work_dir, results_dir,
                                args.seeds), teacher,
        None if args.report_only else time.time() - start, sj.machine())
    print('\n' + text, flush=True)
    print(
        f'[suite] results.md, results.csv and charts in {results_dir}',
        flush=True)
    if failures:
        print(
            '[suite] failed runs:\n  ' + '\n  '.join(failures),
            file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
