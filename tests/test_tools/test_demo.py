"""``tools/demo.py`` (what ``make demo`` runs) end to end, shortened: every
stage goes through tools/train.py and tools/test.py and the summary table,
CSV and bar chart come from the runs just made."""
import csv
import glob
import os.path as osp

from train_utils import ROOT, run_tool


def test_demo_runs_every_stage_and_writes_results(digits_root, tmp_path):
    work_dir = tmp_path / 'demo'
    out = run_tool('demo.py', '--work-dir', work_dir, '--data-root',
                   digits_root, '--seeds', '0', '--iters', '2',
                   '--teacher-iters', '2')
    assert '(5/5) DLKD + KD, seed 0: top-1' in out
    for stage in ('teacher', 'kd_resnet20_resnet8_digits_10pct/seed0',
                  'dlkd_resnet20_resnet8_digits_10pct/seed0'):
        assert (work_dir / stage / 'test_metrics.json').is_file()
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
    # the plain student config, as README shows.
    from mmpretrain import ImageClassificationInferencer
    inferencer = ImageClassificationInferencer(
        model=osp.join(ROOT, 'configs/demo/student_resnet8_digits_10pct.py'),
        pretrained=str(work_dir / 'dlkd_student.pth'),
        device='cpu')
    image = sorted(glob.glob(osp.join(digits_root, 'val', '3', '*.png')))[0]
    result = inferencer(image)[0]
    assert result['pred_label'] in range(10)
    assert abs(sum(result['pred_scores']) - 1.0) < 1e-4
