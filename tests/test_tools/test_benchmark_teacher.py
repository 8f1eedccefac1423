"""tools/analysis/benchmark_teacher.py on the digits demo config (CPU)."""
import json
import os.path as osp

import pytest
import torch
from train_utils import ROOT, load_tool

CONFIG = osp.join(ROOT, 'configs', 'demo',
                  'dlkd_resnet20_resnet8_digits_10pct.py')


@pytest.fixture(scope='module')
def tool():
    return load_tool(
        osp.join('analysis', 'benchmark_teacher.py'), 'benchmark_teacher')


def test_variants_against_float32(tool, tmp_path, capsys):
    out = tmp_path / 'teacher.json'
    result = tool.main([
        CONFIG, '--variants', 'fused', 'bf16', 'bf16_cl_fused', '--crop', '16',
        '16', '--iters', '1', '--warmup', '1', '--repeats', '2', '--out',
        str(out)
    ])
    rows = {r['variant']: r for r in result['rows']}
    assert list(rows) == ['fp32', 'fused', 'bf16', 'bf16_cl_fused']
    assert rows['fp32']['x_fp32'] == 1.0
    assert rows['fp32']['feature_error'] == 0.0
    # folding the batch norms is exact up to float32 rounding; bf16 keeps
    # about 3 significant digits
    assert 0 < rows['fused']['feature_error'] < 1e-5
    for name in ('bf16', 'bf16_cl_fused'):
        assert 1e-4 < rows[name]['feature_error'] < 2e-2
    for row in rows.values():
        assert 0 < row['ms']['min'] <= row['ms']['median'] <= row['ms']['max']
        assert row['x_fp32'] > 0
    assert json.loads(out.read_text())['rows'] == result['rows']
    table = capsys.readouterr().out
    assert '| bf16_cl_fused |' in table and 'crop [16, 16]' in table


def test_teacher_run_records_what_a_step_records(tool):
    """``teacher_run`` gives the tensors the recorders hold after the
    teacher's part of a training step, in the variant's precision."""
    models, crop = tool.build_teachers(
        tool.parse_args([CONFIG, '--variants', 'bf16', '--crop', '16', '16']))
    batch = torch.randn(2, 3, *crop)
    feats = {k: tool.costs.teacher_run(m, batch) for k, m in models.items()}
    assert set(feats) == {'fp32', 'bf16'}
    (name, ref), = feats['fp32'].items()
    assert ref.dtype == torch.float32 and ref.shape[0] == 2
    assert feats['bf16'][name].dtype == torch.bfloat16
    assert torch.equal(
        tool.costs.teacher_run(models['fp32'], batch)[name], ref)


def test_grey_teacher_gets_grey_input(tool):
    """A teacher with a 1-channel stem (the Fashion-MNIST pair) is timed
    on 1-channel images, and the students' synthetic batches of
    benchmark_distill.py have the channels of their stem too."""
    config = osp.join(ROOT, 'configs', 'fashion_mnist',
                      'resnet20_resnet8_dlkd_fashion-mnist.py')
    result = tool.main([
        config, '--variants', 'fused', '--batch-size', '2', '--iters', '1',
        '--warmup', '1', '--repeats', '1'
    ])
    rows = {r['variant']: r for r in result['rows']}
    assert result['crop'] == [32, 32]
    assert 0 < rows['fused']['feature_error'] < 1e-5
    models, _ = tool.build_teachers(
        tool.parse_args([config, '--variants', 'fused']))
    assert tool.bench.input_channels(models['fp32'].teacher) == 1
    data = tool.bench.make_data(models['fp32'], 3, 2, (8, 8), 0)
    assert len(data['inputs']) == 2  # views, each of 3 images
    assert [img.shape for img in data['inputs'][1]] == [(1, 8, 8)] * 3
    demo = tool.build_teachers(
        tool.parse_args([CONFIG, '--variants', 'fused']))[0]['fp32']
    assert tool.bench.input_channels(demo.teacher) == 3
