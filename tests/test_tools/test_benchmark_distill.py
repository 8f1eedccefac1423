"""tools/analysis/benchmark_distill.py on the digits demo configs (CPU)."""
import json
import math
import os.path as osp

import pytest
from train_utils import ROOT, load_tool

DEMO = osp.join(ROOT, 'configs', 'demo')
CONFIGS = [
    osp.join(DEMO, f'{name}_resnet20_resnet8_digits_10pct.py')
    for name in ('kd', 'dlkd', 'dlkd_kd')
]
FAST = [
    '--iters', '2', '--warmup', '1', '--repeats', '1', '--batch-size', '8',
    '--head-runs', '2'
]


def load_benchmark():
    return load_tool(
        osp.join('analysis', 'benchmark_distill.py'), 'benchmark_distill')


@pytest.fixture(scope='module')
def tool():
    return load_benchmark()


def test_table_and_json(tool, tmp_path, capsys):
    out = tmp_path / 'bench.json'
    result = tool.main(
        CONFIGS + FAST +
        ['--names', 'kd', 'dlkd', 'dlkd_kd', '--no-memory', '--out',
         str(out)])
    methods = ['student', 'floor', 'kd', 'dlkd', 'dlkd_kd']
    assert [r['method'] for r in result['rows']] == methods
    assert result['reference'] == 'floor'
    for row in result['rows']:
        for key in ('ms', 'x_floor', 'x_student'):
            for stat in ('median', 'min', 'max'):
                value = row[key][stat]
                assert math.isfinite(value) and value > 0, (row, key)
        assert row['loss_finite']
        assert isinstance(row['ops'], int) and row['ops'] > 0
        assert math.isfinite(row['extra_ms']['of_min'])
    rows = {r['method']: r for r in result['rows']}
    floor = rows['floor']
    assert floor['x_floor']['median'] == pytest.approx(1.0)
    assert floor['extra_ms']['median'] == 0 and floor['extra_ops'] == 0
    # the distillation terms launch operators of their own
    assert rows['kd']['ops'] < rows['dlkd']['ops'] < rows['dlkd_kd']['ops']
    assert rows['dlkd']['extra_ops'] == rows['dlkd']['ops'] - floor['ops']
    # the connectors and losses alone: only where there are some
    assert 'head_ms' not in floor and 'head_ms' not in rows['student']
    assert all(rows[m]['head_ms']['min'] > 0 for m in ('kd', 'dlkd'))
    # the printed markdown table: header, separator, one row per method
    lines = [
        x for x in capsys.readouterr().out.splitlines() if x.startswith('|')
    ]
    header = [c.strip() for c in lines[0].strip('|').split('|')]
    assert header == list(tool.COLUMNS)
    assert [x.split('|')[1].strip() for x in lines[2:]] == methods
    saved = json.loads(out.read_text())
    assert saved['table'].splitlines() == lines
    assert saved['batch_size'] == 8 and saved['crop'] == [32, 32]


def test_count_ops_repeatable(tool):
    args = tool.parse_args([CONFIGS[1]] + FAST)
    built, _ = tool.build_all(args)
    model, wrapper, data = built['dlkd_resnet20_resnet8_digits_10pct']
    tool.costs.run_steps(model, wrapper, data, 1, 'cpu')  # optimizer state
    counts = [
        tool.costs.count_ops(model, wrapper, data, 'cpu') for _ in range(2)
    ]
    assert counts[0] == counts[1] > 0


def test_cpu_memory_subprocess(tool):
    args = tool.parse_args([CONFIGS[1]] + FAST)
    student = tool.cpu_memory(args, 0)
    floor = tool.cpu_memory(args, 1)
    assert 0 <= student < 1024 and 0 <= floor < 1024


def test_markdown_out_and_compare(tool, tmp_path):
    out = tmp_path / 'bench.md'
    before = tmp_path / 'before.json'
    kd = 'kd_resnet20_resnet8_digits_10pct'
    before.write_text(
        json.dumps(
            dict(rows=[
                dict(method=kd, extra_ops=40, extra_ms=dict(median=2.0))
            ])))
    result = tool.main([CONFIGS[0]] + FAST + [
        '--no-memory', '--no-ops', '--clock', 'cpu', '--out',
        str(out), '--compare',
        str(before)
    ])
    rows = out.read_text().splitlines()
    assert len(rows) == 2 + 3  # student, floor, the KD config
    assert result['clock'] == 'cpu'
    assert all('ops' not in r and r['ms']['min'] > 0 for r in result['rows'])
    # the KD row against the earlier result (no ops counted now)
    (row, ) = result['compare']
    assert row['method'] == kd
    assert row['extra_ops'] == dict(before=40, after=None, ratio=None)
    ms = row['extra_ms']
    assert ms['before'] == 2.0
    assert ms['ratio'] == pytest.approx(ms['after'] / 2.0)
    # no head time in the earlier result: no head ratio
    assert row['head_ms']['before'] is None and row['head_ms']['ratio'] is None


def test_compare_ratios(tool):
    before = dict(rows=[
        dict(method='floor', extra_ops=0, extra_ms=dict(median=0.)),
        dict(
            method='dlkd',
            extra_ops=200,
            extra_ms=dict(median=10.),
            head_ms=dict(median=6.))
    ])
    after = dict(
        reference='floor',
        rows=[
            dict(method='floor', extra_ops=0, extra_ms=dict(median=0.)),
            dict(
                method='dlkd',
                extra_ops=50,
                extra_ms=dict(median=4.),
                head_ms=dict(median=1.5)),
            dict(method='new', extra_ops=9, extra_ms=dict(median=1.))
        ])
    assert tool.compare(after, before) == [
        dict(
            method='dlkd',
            extra_ops=dict(before=200, after=50, ratio=0.25),
            extra_ms=dict(before=10., after=4., ratio=0.4),
            head_ms=dict(before=6., after=1.5, ratio=0.25))
    ]
