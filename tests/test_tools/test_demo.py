"""``tools/demo.py`` (what ``make demo`` runs) end to end, shortened: every
stage goes through tools/train.py, the exported student through
tools/test.py, and the summary table, CSV and bar chart come from the runs
just made."""
import csv
import glob
import json
import os.path as osp

import pytest
from train_utils import ROOT, load_tool, run_tool


def load_demo():
    return load_tool('demo.py', 'demo')


def test_final_val_top1_reads_the_last_validation(tmp_path):
    demo = load_demo()
    for stamp, lines in (('20261201_000000', [
            '{"loss": 2.0, "step": 1}', '{"accuracy/top1": 50.0}'
    ]), ('20261201_000100', [
            '{"accuracy/top1": 60.0}', '{"loss": 1.0, "step": 4}',
            '{"accuracy/top1": 70.5}'
    ])):
        vis = tmp_path / stamp / 'vis_data'
        vis.mkdir(parents=True)
        (vis / 'scalars.json').write_text('\n'.join(lines) + '\n')
    assert demo.final_val_top1(str(tmp_path)) == 70.5
    with pytest.raises(RuntimeError, match='no accuracy/top1 logged under'):
        demo.final_val_top1(str(tmp_path / '20261201_000000' / 'vis_data'))


def test_demo_runs_every_stage_and_writes_results(digits_root, tmp_path):
    demo = load_demo()
    work_dir = tmp_path / 'demo'
    out = run_tool('demo.py', '--work-dir', work_dir, '--data-root',
                   digits_root, '--seeds', '0', '--iters', '2',
                   '--teacher-iters', '2')
    assert '(5/5) DLKD + KD, seed 0: top-1' in out
    # each score is the validation at the end of training, logged by
    # mmengine; the exported student scores the same with tools/test.py
    # and the plain student config
    dlkd_dir = work_dir / 'dlkd_resnet20_resnet8_digits_10pct' / 'seed0'
    in_training = demo.final_val_top1(str(dlkd_dir))
    with open(work_dir / 'dlkd_student_test' / 'test_metrics.json') as f:
        exported = json.load(f)['accuracy/top1']
    assert exported == pytest.approx(in_training, abs=1e-6)
    assert (f'top-1 {exported:.2f}% (in training: {in_training:.2f}%)' in out)
    with open(work_dir / 'results.csv') as f:
        rows = list(csv.DictReader(f))
    assert [r['model'] for r in rows] == [
        'teacher (ResNet-20, all data)', 'student alone (ResNet-8, 10%)', 'KD',
        'DLKD', 'DLKD + KD'
    ]
    for row in rows:
        assert 0.0 <= float(row['top1_mean']) <= 100.0
        assert row['runs'] == '1' and float(row['top1_std']) == 0.0
    assert (work_dir / 'results.png').stat().st_size > 1000
    table = (work_dir / 'results.md').read_text()
    assert table.count('\n') == 7  # header, rule and five rows
    # The exported student works with mmpretrain's own inference API and
    # the plain student config, as docs/usage.md shows.
    from mmpretrain import ImageClassificationInferencer
    inferencer = ImageClassificationInferencer(
        model=osp.join(ROOT, 'configs/demo/student_resnet8_digits_10pct.py'),
        pretrained=str(work_dir / 'dlkd_student.pth'),
        device='cpu')
    image = sorted(glob.glob(osp.join(digits_root, 'val', '3', '*.png')))[0]
    result = inferencer(image)[0]
    assert result['pred_label'] in range(10)
    assert abs(sum(result['pred_scores']) - 1.0) < 1e-4
