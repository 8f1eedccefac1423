"""The stages of a benchmark suite: which jobs to run, given what is done.

1. ``schedule`` (optional): the named runs (seed ``schedule.seed``, the
   reference recipe) train for ``start``, ``2 start``, ... iterations and
   are scored on the validation split; the schedule is the shortest length
   after which one more doubling gains less than ``gain`` for every one of
   them (``pick='longer'``: the doubled length, already trained, e.g. for a
   teacher). ``schedule.iters`` fixes the length instead,
   ``schedule.from_suite='tools/benchmark/suites/X.py'`` takes the length
   that suite chose (its protocol, e.g. for another teacher); ``ahead=True``
   trains the next doubling beside each undecided length (fills
   ``--jobs 2`` when one run is searched; wasted if that length settles).
2. ``tune`` (optional): every run of ``tune.groups`` with distillation
   losses trains once per ``tune.scales`` factor (all its distillation
   weights times the factor, seed ``tune.seed``) at the chosen schedule,
   scored on the validation split; its best factor is its setting. A run
   with ``tuned_as='NAME'`` takes NAME's factor.
3. ``report``: every run, at its setting, once per seed, tested once
   (``report=False`` stops after the schedule and tune stages); run group
   by group, seed by seed within a group.

Options of a job, later ones overriding: the suite's ``options``, the
stage's (``report_options`` for reported runs), the schedule's ``options``
(``{iters}`` filled with the chosen length times the run's
``iters_scale``), the run's ``options``, the scaled loss weights and, for
distillers, ``distiller_options``.
"""
import copy
import functools
import os.path as osp
from typing import Dict, List, Optional, Tuple

from mmengine.config import Config
from suite_jobs import ROOT, Job, fill  # noqa: I100
from suite_report import slug


@functools.lru_cache(maxsize=None)
def _config(path: str) -> Config:
    return Config.fromfile(osp.join(ROOT, path))


def is_distiller(config: str) -> bool:
    """Whether a config's model is one of mmdlkd's distillers."""
    return 'Distiller' in str(_config(config).model.get('type', ''))


def loss_weights(config: str, options: dict) -> Dict[str, float]:
    """``{option key: weight}`` of each distillation loss a config builds
    (after ``options``); empty for a model trained alone."""
    cfg = copy.deepcopy(_config(config))
    cfg.merge_from_dict(options)
    losses = (cfg.model.get('distill') or {}).get('losses') or {}
    return {
        f'model.distill.losses.{name}.loss_weight':
        float(loss.get('loss_weight', 1.0))
        for name, loss in losses.items() if loss is not None
    }


def _other_plan(path: str) -> 'Plan':
    """The plan of another suite, read from its committed result files."""
    suite = Config.fromfile(osp.join(ROOT, path))
    if suite.get('schedule', {}).get('from_suite'):
        raise ValueError(f'{path}: a from_suite schedule names a suite '
                         'whose schedule is itself from another suite')
    return Plan(suite, osp.join(ROOT, suite.work_dir),
                osp.join(ROOT, suite.results_dir))


def other_suite_schedule(path: str) -> Optional[int]:
    """The schedule length another suite chose, None while it is
    undecided."""
    return _other_plan(path).schedule_jobs()[1]


def other_suite_choice(path: str,
                       name: str) -> Tuple[Optional[Job], Dict[int, float]]:
    """The schedule job of run ``name`` at the length another suite chose
    (e.g. its teacher search), None while undecided; and that run's
    validation curve so far, ``{iters: value}``."""
    plan = _other_plan(path)
    if name not in plan.runs:
        raise KeyError(f'{path} has no run {name!r}')
    jobs, iters = plan.schedule_jobs()
    chosen = [j for j in jobs if j.name == name and j.iters == iters]
    return (chosen[0] if chosen else None,
            plan.schedule_curves().get(name, {}))


class Plan:
    """The jobs of a suite and the settings its stages chose.

    Args:
        suite (Config): The suite (see ``run_suite.py``).
        work_dir (str): Where runs write checkpoints and logs.
        results_dir (str): Where result files go.
        seeds (list[int], optional): Replace every run's seeds.
        groups (list[str], optional): Only these groups' runs (and the
            runs their ``same_as`` / ``tuned_as`` name).
    """

    def __init__(self,
                 suite: Config,
                 work_dir: str,
                 results_dir: str,
                 seeds: Optional[List[int]] = None,
                 groups: Optional[List[str]] = None) -> None:
        self.suite = suite
        self.work_dir = work_dir
        self.results_dir = results_dir
        self.seeds = seeds
        self.runs = {run['name']: run for run in suite.runs}
        wanted = set()
        for run in suite.runs:
            if groups is None or run.get('group', 'runs') in groups:
                wanted.add(run.get('same_as', run['name']))
        for name in list(wanted):
            if self.runs[name].get('tuned_as'):
                wanted.add(self.runs[name]['tuned_as'])
        self.wanted = [
            r['name'] for r in suite.runs
            if r['name'] in wanted and 'same_as' not in r
        ]

    # ------------------------------------------------------------ options
    def _job(self, run: dict, stage: str, seed: int, tag: str,
             iters: Optional[int], scale: float) -> Job:
        name = run['name']
        sched = self.suite.get('schedule') or {}
        if (stage == 'tune' and scale == 1 and iters is not None
                and name in sched.get('runs',
                                      ()) and seed == sched.get('seed', 0)):
            # the schedule stage trained this already
            return self._job(run, 'schedule', seed, f'iters{iters}', iters,
                             1.0)
        length = None
        if iters is not None:
            length = int(round(iters * run.get('iters_scale', 1.0)))
        opts = self._options(run, stage, seed, length, scale)
        distill = is_distiller(run['config'])
        path = osp.join(stage, slug(name), tag)
        job = Job(
            name,
            run['config'],
            seed,
            opts,
            osp.join(self.work_dir, path),
            osp.join(self.results_dir, path + '.json'),
            distill,
            stage=stage,
            label=f'{name} [{stage} {tag}]')
        job.iters, job.scale = length, scale
        if stage == 'report' and run.get('probe'):
            job.probe = self.suite.transfer['config']
        if stage == 'report' and seed in run.get('export_seeds', ()):
            job.export = osp.splitext(job.result_file)[0] + '.pth'
            # the same run without the reported runs' options, to score
            # the exported student on the validation split
            job.val_options = self._options(run, 'val', seed, length, scale)
        return job

    def _options(self, run: dict, stage: str, seed: int, length: Optional[int],
                 scale: float) -> dict:
        """A job's ``--cfg-options`` (see the module's docstring)."""
        opts = dict(self.suite.get('options', {}))
        if stage == 'report':
            opts.update(self.suite.get('report_options', {}))
        if length is not None:
            opts.update((self.suite.get('schedule') or {}).get('options', {}))
        opts.update(run.get('options', {}))
        opts = {k: fill(v, seed, length) for k, v in opts.items()}
        if scale != 1:
            for key, weight in loss_weights(run['config'], opts).items():
                opts[key] = weight * scale
        if is_distiller(run['config']):
            opts.update(self.suite.get('distiller_options', {}))
        return opts

    # ----------------------------------------------------------- schedule
    def schedule_jobs(self) -> Tuple[List[Job], Optional[int]]:
        """The schedule stage's jobs so far and the chosen length (None
        while undecided)."""
        sched = self.suite.get('schedule') or {}
        if not sched:
            return [], None
        if sched.get('iters'):
            return [], int(sched['iters'])
        if sched.get('from_suite'):
            return [], other_suite_schedule(sched['from_suite'])
        jobs, curves = [], {}
        seed = sched.get('seed', 0)
        length = int(sched['start'])
        while True:
            done = True
            for name in sched['runs']:
                job = self._job(self.runs[name], 'schedule', seed,
                                f'iters{length}', length, 1.0)
                jobs.append(job)
                result = job.read()
                if result is None:
                    done = False
                else:
                    curves.setdefault(name, {})[length] = result['value']
            if not done:
                nxt = length * 2
                if sched.get('ahead') and nxt <= sched.get(
                        'max_iters', 1 << 30):
                    # trained at once beside this length: the next
                    # doubling, needed unless this one settles it
                    jobs += [
                        self._job(self.runs[name], 'schedule', seed,
                                  f'iters{nxt}', nxt, 1.0)
                        for name in sched['runs']
                    ]
                return jobs, None
            half = length // 2
            if half >= sched['start'] and all(
                    curves[n][length] - curves[n][half] < sched['gain']
                    for n in sched['runs']):
                return jobs, (
                    length if sched.get('pick') == 'longer' else half)
            if length * 2 > sched.get('max_iters', 1 << 30):
                return jobs, length
            length *= 2

    def schedule_curves(self) -> Dict[str, Dict[int, float]]:
        """``{run: {iters: validation value}}`` of the finished schedule
        jobs."""
        curves: Dict[str, Dict[int, float]] = {}
        for job in self.schedule_jobs()[0]:
            result = job.read()
            if result is not None:
                curves.setdefault(job.name, {})[job.iters] = result['value']
        return curves

    # --------------------------------------------------------------- tune
    def tunable(self, name: str) -> bool:
        tune = self.suite.get('tune') or {}
        run = self.runs[name]
        return bool(tune) and run.get('group', 'runs') in tune.get(
            'groups', []) and not run.get('tuned_as') and bool(
                loss_weights(run['config'], {}))

    def tune_jobs(self, iters: Optional[int]) -> Tuple[List[Job], dict]:
        """The tune stage's jobs and ``{run: chosen scale}`` of the runs
        whose jobs are all done."""
        tune = self.suite.get('tune') or {}
        jobs, chosen = [], {}
        for name in self.wanted:
            if not self.tunable(name):
                continue
            scores = {}
            for scale in tune['scales']:
                job = self._job(self.runs[name], 'tune', tune.get('seed', 0),
                                f'scale{scale:g}', iters, scale)
                jobs.append(job)
                result = job.read()
                if result is not None:
                    scores[scale] = result['value']
            if len(scores) == len(tune['scales']):
                best = max(scores.values())
                chosen[name] = min((s for s, v in scores.items() if v == best),
                                   key=lambda s: abs(s - 1))
        return jobs, chosen

    def tune_scores(self, iters: Optional[int]) -> Dict[str, dict]:
        """``{run: {scale: validation value}}`` of the finished tune jobs."""
        scores: Dict[str, dict] = {}
        for job in self.tune_jobs(iters)[0]:
            result = job.read()
            if result is not None:
                scores.setdefault(job.name, {})[job.scale] = result['value']
        return scores

    # ------------------------------------------------------------- report
    def scale_of(self, name: str, chosen: dict) -> Optional[float]:
        """The run's distillation-weight factor, None while undecided."""
        run = self.runs[name]
        if not self.suite.get('tune'):
            return 1.0
        if run.get('tuned_as'):
            return chosen.get(run['tuned_as'])
        if self.tunable(name):
            return chosen.get(name)
        return 1.0

    def report_jobs(self, iters: Optional[int], chosen: dict) -> List[Job]:
        """The reported runs whose settings are decided (none when the
        suite sets ``report=False``: a schedule search alone), group by
        group in the suite's order and, within a group, seed by seed: a
        suite stopped part-way leaves whole tables with fewer seeds rather
        than some rows with all seeds and others with none."""
        if not self.suite.get('report', True):
            return []
        keyed = []
        groups: List[str] = []
        for index, name in enumerate(self.wanted):
            run = self.runs[name]
            group = run.get('group', 'runs')
            if group not in groups:
                groups.append(group)
            scale = self.scale_of(name, chosen)
            if scale is None:
                continue
            seeds = self.seeds or run.get('seeds') or self.suite.get(
                'seeds', [0])
            keyed += [((groups.index(group), rank, index),
                       self._job(run, 'report', seed, f'seed{seed}', iters,
                                 scale)) for rank, seed in enumerate(seeds)]
        return [job for _, job in sorted(keyed, key=lambda kj: kj[0])]

    def all_jobs(self) -> List[Job]:
        """Every job whose options are decided by what is done."""
        jobs, iters = self.schedule_jobs()
        if iters is None and self.suite.get('schedule'):
            return jobs
        tune_jobs, chosen = self.tune_jobs(iters)
        return jobs + tune_jobs + self.report_jobs(iters, chosen)

    def settings(self) -> Tuple[Optional[int], dict]:
        """The chosen schedule length and ``{run: scale}``."""
        iters = self.schedule_jobs()[1]
        return iters, self.tune_jobs(iters)[1]
