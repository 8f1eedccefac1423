"""Tables and charts of a benchmark suite's results (``run_suite.py``)."""
import csv
import math
import os.path as osp
import statistics
import time
from typing import Dict, List, Optional, Sequence, Tuple


class RunResult:
    """The per-seed results of one named run of a suite.

    Args:
        name (str): The run's name (a table row).
        group (str): The table / chart it belongs to.
        values (list[float]): The metric of each finished seed.
        seeds (list[int]): The seeds of ``values``, in the same order.
        x (float, optional): Its position on a line chart. Defaults to None.
        series (str, optional): Its line on a line chart. Defaults to None.
    """

    def __init__(self,
                 name: str,
                 group: str,
                 values: List[float],
                 seeds: List[int],
                 x: Optional[float] = None,
                 series: Optional[str] = None) -> None:
        self.name = name
        self.group = group
        self.values = values
        self.seeds = seeds
        self.x = x
        self.series = series

    @property
    def mean(self) -> float:
        return statistics.fmean(self.values) if self.values else float('nan')

    @property
    def std(self) -> float:
        """Sample standard deviation (0 for a single run)."""
        return statistics.stdev(self.values) if len(self.values) > 1 else 0.0


def group_names(results: Sequence[RunResult]) -> List[str]:
    """Groups in the order of their first run."""
    names: List[str] = []
    for res in results:
        if res.group not in names:
            names.append(res.group)
    return names


def markdown_tables(results: Sequence[RunResult],
                    metric_label: str,
                    scales: Optional[Dict[str, float]] = None) -> str:
    """One markdown table per group: mean, sample standard deviation over
    the finished seeds, their number and values (and, with ``scales``, the
    distillation-weight factor each run was trained with)."""
    parts = []
    scale_col = scales is not None
    for group in group_names(results):
        rows = [r for r in results if r.group == group]
        head = f'| run | {metric_label} mean | std | seeds | per seed |'
        rule = '|---|---|---|---|---|'
        if scale_col:
            head, rule = head + ' weight scale |', rule + '---|'
        lines = [f'### {group}', '', head, rule]
        for r in rows:
            extra = ''
            if scale_col:
                scale = scales.get(r.name)
                extra = f' {scale:g} |' if scale is not None else ' |'
            if not r.values:
                lines.append(f'| {r.name} | not run yet | | 0 | |' + extra)
                continue
            per_seed = ', '.join(f'{v:.2f}' for v in r.values)
            lines.append(f'| {r.name} | {r.mean:.2f} | {r.std:.2f} | '
                         f'{len(r.values)} | {per_seed} |' + extra)
        parts.append('\n'.join(lines))
    return '\n\n'.join(parts) + '\n'


def t_quantile(df: int, level: float = 0.95) -> float:
    """The two-sided Student-t quantile for ``df`` degrees of freedom."""
    from scipy import stats
    return float(stats.t.ppf(0.5 + level / 2, df))


def paired_difference(a: RunResult,
                      b: RunResult) -> Optional[Tuple[float, float, int]]:
    """Mean and 95% half-width (Student t) of ``a - b`` over the seeds both
    finished, and their number; None with fewer than two."""
    va = dict(zip(a.seeds, a.values))
    vb = dict(zip(b.seeds, b.values))
    common = sorted(set(va) & set(vb))
    if len(common) < 2:
        return None
    diffs = [va[s] - vb[s] for s in common]
    half = t_quantile(len(diffs) - 1) * statistics.stdev(diffs) / math.sqrt(
        len(diffs))
    return statistics.fmean(diffs), half, len(diffs)


def paired_table(results: Sequence[RunResult], reference: str,
                 against: Sequence[str], metric_label: str) -> str:
    """Markdown: ``reference - other`` per seed pair, mean and 95% CI."""
    by_name = {r.name: r for r in results}
    lines = [
        f'### {reference} against each run, paired by seed', '',
        f'| {reference} minus | mean difference ({metric_label}) | 95% CI '
        '| seed pairs |', '|---|---|---|---|'
    ]
    for name in against:
        if reference not in by_name or name not in by_name:
            continue
        found = paired_difference(by_name[reference], by_name[name])
        if found is None:
            lines.append(f'| {name} | fewer than 2 seed pairs | | |')
            continue
        mean, half, n = found
        lines.append(f'| {name} | {mean:+.2f} | [{mean - half:+.2f}, '
                     f'{mean + half:+.2f}] | {n} |')
    return '\n'.join(lines) + '\n'


def curve_table(curves: Dict[str, Dict[int, float]], metric_label: str,
                chosen: Optional[int]) -> str:
    """Markdown: the validation value of each schedule run per length."""
    lengths = sorted({n for c in curves.values() for n in c})
    lines = [
        '### schedule (validation split, one seed)', '',
        '| run | ' + ' | '.join(f'{n} it' for n in lengths) + ' |',
        '|---|' + '---|' * len(lengths)
    ]
    for name, curve in curves.items():
        cells = [f'{curve[n]:.2f}' if n in curve else '' for n in lengths]
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    lines.append('')
    lines.append(f'chosen length: {chosen} iterations'
                 if chosen else 'chosen length: not decided yet')
    return '\n'.join(lines) + '\n'


def tune_table(scores: Dict[str, dict], chosen: Dict[str, float],
               metric_label: str) -> str:
    """Markdown: each tuned run's validation value per weight scale."""
    scales = sorted({s for v in scores.values() for s in v})
    lines = [
        f'### tuning (validation split, one seed): {metric_label} per '
        'scale of the reference weights', '',
        '| run | ' + ' | '.join(f'x{s:g}' for s in scales) + ' | chosen |',
        '|---|' + '---|' * (len(scales) + 1)
    ]
    for name, values in scores.items():
        cells = [f'{values[s]:.2f}' if s in values else '' for s in scales]
        pick = chosen.get(name)
        lines.append(f'| {name} | ' + ' | '.join(cells) +
                     f' | {"" if pick is None else f"x{pick:g}"} |')
    return '\n'.join(lines) + '\n'


def fmt_s(seconds: float) -> str:
    seconds = int(round(seconds))
    return f'{seconds // 60}m{seconds % 60:02d}s'


def collect(suite, plan, teacher) -> Tuple[List[RunResult], float, int, int]:
    """The reported results (one ``RunResult`` per run, and the teacher),
    the train + test seconds of all finished jobs, and how many of the
    known jobs finished."""
    iters, chosen = plan.settings()
    jobs = plan.all_jobs() + ([teacher] if teacher else [])
    finished = [j for j in jobs if j.read() is not None]
    seconds = sum(j.read()['train_s'] + j.read()['test_s'] for j in finished)
    results = []
    if teacher is not None:
        res = teacher.read()
        results.append(
            RunResult('teacher', 'teacher', [res['value']] if res else [],
                      [teacher.seed] if res else []))
    report_jobs = plan.report_jobs(iters, chosen)
    for run in suite.runs:
        source = run.get('same_as', run['name'])
        values, seeds = [], []
        for job in report_jobs:
            res = job.read() if job.name == source else None
            if res is not None:
                values.append(res['value'])
                seeds.append(job.seed)
        results.append(
            RunResult(run['name'], run.get('group', 'runs'), values, seeds,
                      run.get('x'), run.get('series')))
    return results, seconds, len(finished), len(jobs)


def transfer_results(suite, plan) -> List[RunResult]:
    """The transfer-probe value of every reported run with ``probe=True``
    (group ``'transfer'``)."""
    iters, chosen = plan.settings()
    results = []
    for run in suite.runs:
        if not run.get('probe'):
            continue
        values, seeds = [], []
        for job in plan.report_jobs(iters, chosen):
            res = job.read() if job.name == run['name'] else None
            if res is not None and res.get('probe'):
                values.append(res['probe']['value'])
                seeds.append(job.seed)
        results.append(RunResult(run['name'], 'transfer', values, seeds))
    return results


def write_report(suite, suite_path: str, plan, teacher,
                 wall_s: Optional[float], machine: str) -> str:
    """Write results.md/.csv and the charts to the results directory;
    return the markdown."""
    results, seconds, done, known = collect(suite, plan, teacher)
    iters, chosen = plan.settings()
    label = suite.get('metric_label', suite.metric)
    header = [
        f'# Suite {osp.splitext(osp.basename(suite_path))[0]}', '',
        f'- command: `python tools/benchmark/run_suite.py {suite_path}`',
        f'- report written on {machine}, {time.strftime("%Y-%m-%d")}',
        f'- jobs finished: {done} of the {known} known so far; their train '
        f'+ test time added up: {fmt_s(seconds)}',
        '- std: sample standard deviation over the finished seeds'
    ]
    if wall_s is not None:
        header.append(f'- wall time of the last invocation: {fmt_s(wall_s)}')
    parts = ['\n'.join(header)]
    sched = suite.get('schedule') or {}
    if sched.get('from_suite'):
        parts.append(f'schedule: {iters} iterations, the length '
                     f'{sched.from_suite} chose' if iters else
                     f'schedule: not decided yet ({sched.from_suite} '
                     'chooses it)')
    elif sched and not sched.get('iters'):
        parts.append(curve_table(plan.schedule_curves(), label, iters))
    if suite.get('tune'):
        parts.append(tune_table(plan.tune_scores(iters), chosen, label))
    if not suite.get('report', True):  # a schedule search alone
        results = []
    scales = {
        r['name']: plan.scale_of(r.get('same_as', r['name']), chosen)
        for r in suite.runs
    } if suite.get('tune') else None
    if results:
        parts.append(markdown_tables(results, label, scales))
    if suite.get('transfer') and results:
        parts.append(
            markdown_tables(
                transfer_results(suite, plan),
                suite.transfer.get('metric_label', 'probe top-1 (%)')))
    compare = suite.get('compare')
    if compare and results:
        parts.append(
            paired_table(results, compare['reference'], compare['against'],
                         label))
    text = '\n\n'.join(parts)
    out = plan.results_dir
    with open(osp.join(out, 'results.md'), 'w') as f:
        f.write(text)
    write_csv(results, osp.join(out, 'results.csv'))
    draw_charts(results, suite.get('charts', []), label, out)
    return text


def write_csv(results: Sequence[RunResult], path: str) -> None:
    """One row per run and seed, then nothing else (easy to re-read)."""
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['group', 'run', 'series', 'x', 'seed', 'value'])
        for r in results:
            for seed, value in zip(r.seeds, r.values):
                writer.writerow([
                    r.group, r.name, r.series or '',
                    '' if r.x is None else r.x, seed, f'{value:.4f}'
                ])


def _bar_chart(ax, rows: Sequence[RunResult], metric_label: str) -> None:
    rows = [r for r in rows if r.values]
    names = [r.name for r in rows]
    ax.bar(
        range(len(rows)), [r.mean for r in rows],
        yerr=[r.std for r in rows],
        capsize=4,
        color='tab:blue')
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels(names, rotation=25, ha='right')
    if rows:
        low = min(min(r.values) for r in rows)
        high = max(max(r.values) for r in rows)
        pad = max(1.0, 0.15 * (high - low))
        ax.set_ylim(low - pad, high + pad)
    ax.set_ylabel(metric_label)


def _line_chart(ax, rows: Sequence[RunResult], metric_label: str,
                xlabel: str) -> None:
    series: Dict[str, List[RunResult]] = {}
    for r in rows:
        if r.values and r.x is not None:
            series.setdefault(r.series or r.name, []).append(r)
    for name, points in series.items():
        points = sorted(points, key=lambda r: r.x)
        ax.errorbar([p.x for p in points], [p.mean for p in points],
                    yerr=[p.std for p in points],
                    marker='o',
                    capsize=3,
                    label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(metric_label)
    ax.legend()


def draw_charts(results: Sequence[RunResult], charts: Sequence[dict],
                metric_label: str, out_dir: str) -> List[str]:
    """Draw each chart of the suite as ``<group>.png`` in ``out_dir``.

    Args:
        results (Sequence[RunResult]): All runs.
        charts (Sequence[dict]): ``dict(group=..., kind='bar' | 'line',
            title=..., xlabel=..., xscale='linear' | 'log')``.
        metric_label (str): The y axis label.
        out_dir (str): Where the PNG files go.

    Returns:
        list[str]: The files written.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    written = []
    for chart in charts:
        group = chart['group']
        rows = [r for r in results if r.group == group]
        if not any(r.values for r in rows):
            continue
        fig, ax = plt.subplots(figsize=(8, 4.5))
        if chart.get('kind', 'bar') == 'bar':
            _bar_chart(ax, rows, metric_label)
        else:
            _line_chart(ax, rows, metric_label, chart.get('xlabel', 'x'))
            ax.set_xscale(chart.get('xscale', 'linear'))
        ax.set_title(chart.get('title', group))
        ax.grid(axis='y', alpha=0.3)
        fig.tight_layout()
        path = osp.join(out_dir, f'{slug(group)}.png')
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    return written


def slug(name: str) -> str:
    """A file-name-safe form of a run or group name."""
    out = ''.join(c.lower() if c.isalnum() else '_' for c in name)
    return '_'.join(p for p in out.split('_') if p)
