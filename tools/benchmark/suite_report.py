"""Tables and charts of a benchmark suite's results (``run_suite.py``)."""
import csv
import os.path as osp
import statistics
from typing import Dict, List, Optional, Sequence


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


def markdown_tables(results: Sequence[RunResult], metric_label: str) -> str:
    """One markdown table per group: mean, standard deviation, runs."""
    parts = []
    for group in group_names(results):
        rows = [r for r in results if r.group == group]
        lines = [
            f'### {group}', '',
            f'| run | {metric_label} mean | std | seeds | per seed |',
            '|---|---|---|---|---|'
        ]
        for r in rows:
            if not r.values:
                lines.append(f'| {r.name} | not run yet | | 0 | |')
                continue
            per_seed = ', '.join(f'{v:.2f}' for v in r.values)
            lines.append(f'| {r.name} | {r.mean:.2f} | {r.std:.2f} | '
                         f'{len(r.values)} | {per_seed} |')
        parts.append('\n'.join(lines))
    return '\n\n'.join(parts) + '\n'


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
