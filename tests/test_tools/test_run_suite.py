"""The suite runner (tools/benchmark/run_suite.py): resume, teacher order,
options, tables and charts from given run outputs, bad suite files."""
import csv
import json
import os.path as osp
import sys

import pytest
from train_utils import ROOT, run_tool

sys.path.insert(0, osp.join(ROOT, 'tools', 'benchmark'))

import run_suite  # noqa: E402

STUDENT = 'configs/demo/student_resnet8_digits_10pct.py'
KD = 'configs/demo/kd_resnet20_resnet8_digits_10pct.py'
TEACHER = 'configs/demo/teacher_resnet20_digits.py'


def write_suite(path, work_dir, **extra) -> str:
    body = dict(
        work_dir=str(work_dir),
        metric='accuracy/top1',
        metric_label='top-1 (%)',
        seeds=[0, 1],
        options={'train_dataloader.dataset.seed': '{seed}'},
        teacher=dict(config=TEACHER, seed=0),
        runs=[
            dict(name='student alone', config=STUDENT, group='methods'),
            dict(name='KD', config=KD, group='methods'),
            dict(
                name='KD, 25%',
                config=KD,
                group='few-shot',
                options={'train_dataloader.dataset.fraction': 0.25},
                x=25,
                series='KD'),
            dict(
                name='KD, 10%',
                same_as='KD',
                group='few-shot',
                x=10,
                series='KD'),
        ],
        charts=[
            dict(group='methods', kind='bar'),
            dict(group='few-shot', kind='line', xlabel='%')
        ])
    body.update(extra)
    with open(path, 'w') as f:
        f.write('\n'.join(f'{k} = {v!r}' for k, v in body.items()) + '\n')
    return str(path)


def fake_result(run_dir, value) -> None:
    import os
    os.makedirs(run_dir, exist_ok=True)
    with open(osp.join(run_dir, 'result.json'), 'w') as f:
        json.dump(dict(value=value, train_s=10.0, test_s=2.0), f)
    with open(osp.join(run_dir, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(run_dir, 'iter_2.pth'))


def test_jobs_options_and_same_as(tmp_path):
    suite = run_suite.load_suite(write_suite(tmp_path / 's.py', tmp_path))
    jobs = run_suite.make_jobs(suite, str(tmp_path))
    # same_as adds no job: 3 runs x 2 seeds
    assert [(j.name, j.seed) for j in jobs] == [('student alone', 0),
                                                ('student alone', 1),
                                                ('KD', 0), ('KD', 1),
                                                ('KD, 25%', 0), ('KD, 25%', 1)]
    assert [j.needs_teacher for j in jobs] == [False] * 2 + [True] * 4
    assert jobs[5].run_dir == osp.join(str(tmp_path), 'kd_25', 'seed1')
    assert jobs[5].cfg_options('/t.pth') == [
        'randomness.seed=1', 'train_dataloader.dataset.seed=1',
        'train_dataloader.dataset.fraction=0.25', 'model.teacher_ckpt=/t.pth'
    ]
    # the teacher has its own options, not the suite's
    teacher = run_suite.teacher_job(suite, str(tmp_path))
    assert teacher.cfg_options(None) == ['randomness.seed=0']
    only = run_suite.make_jobs(suite, str(tmp_path), groups=['few-shot'])
    assert sorted({j.name for j in only}) == ['KD', 'KD, 25%']


def test_resume_runs_only_the_missing_jobs_teacher_first(
        tmp_path, monkeypatch):
    suite = run_suite.load_suite(write_suite(tmp_path / 's.py', tmp_path))
    jobs = run_suite.make_jobs(suite, str(tmp_path))
    teacher = run_suite.teacher_job(suite, str(tmp_path))
    for job in jobs[:3]:  # an interrupted suite: three runs finished
        fake_result(job.run_dir, 50.0)
    calls = []

    def fake_execute(job, metric, teacher_ckpt, threads):
        calls.append((job.name, job.seed, teacher_ckpt))
        fake_result(job.run_dir, 60.0 + job.seed)
        return dict(value=60.0 + job.seed)

    monkeypatch.setattr(run_suite, 'execute', fake_execute)
    failures = run_suite.run_all(suite, str(tmp_path), jobs, teacher, 1)
    assert failures == []
    ckpt = osp.join(teacher.run_dir, 'iter_2.pth')
    assert calls == [('teacher', 0, None), ('KD', 1, ckpt),
                     ('KD, 25%', 0, ckpt), ('KD, 25%', 1, ckpt)]
    # everything is done now: a second call runs nothing
    calls.clear()
    assert run_suite.run_all(suite, str(tmp_path), jobs, teacher, 2) == []
    assert calls == []


def test_a_failed_run_is_reported_and_the_others_go_on(tmp_path, monkeypatch):
    suite = run_suite.load_suite(
        write_suite(tmp_path / 's.py', tmp_path, teacher=None))
    jobs = run_suite.make_jobs(suite, str(tmp_path))[:2]

    def fake_execute(job, metric, teacher_ckpt, threads):
        if job.seed == 0:
            raise RuntimeError('boom')
        fake_result(job.run_dir, 70.0)
        return dict(value=70.0)

    monkeypatch.setattr(run_suite, 'execute', fake_execute)
    failures = run_suite.run_all(suite, str(tmp_path), jobs, None, 1)
    assert failures == ['student alone seed 0: boom']
    assert jobs[1].done and not jobs[0].done


def test_report_from_given_run_outputs(tmp_path):
    suite_file = write_suite(tmp_path / 's.py', tmp_path / 'work')
    values = {
        ('teacher', 0): 90.0,
        ('student_alone', 0): 80.0,
        ('student_alone', 1): 82.0,
        ('kd', 0): 84.0,
        ('kd', 1): 85.0,
        ('kd_25', 0): 86.0,
    }
    for (run, seed), value in values.items():
        run_dir = (
            tmp_path / 'work' / 'teacher' if run == 'teacher' else tmp_path /
            'work' / run / f'seed{seed}')
        fake_result(str(run_dir), value)
    out = run_tool('benchmark/run_suite.py', suite_file, '--report-only',
                   '--groups', 'few-shot')
    md = (tmp_path / 'work' / 'results.md').read_text()
    assert md in out
    assert '| student alone | 81.00 | 1.41 | 2 | 80.00, 82.00 |' in md
    assert '| KD | 84.50 | 0.71 | 2 | 84.00, 85.00 |' in md
    assert '| KD, 25% | 86.00 | 0.00 | 1 | 86.00 |' in md
    assert '| KD, 10% | 84.50 | 0.71 | 2 | 84.00, 85.00 |' in md
    assert '| teacher | 90.00 | 0.00 | 1 | 90.00 |' in md
    assert 'runs finished: 6 of 7' in md
    with open(tmp_path / 'work' / 'results.csv') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 8  # teacher 1, student 2, KD 2, KD 25% 1, KD 10% 2
    assert {(r['run'], r['seed'], r['value'])
            for r in rows
            if r['group'] == 'few-shot'} == {('KD, 25%', '0', '86.0000'),
                                             ('KD, 10%', '0', '84.0000'),
                                             ('KD, 10%', '1', '85.0000')}
    for chart in ('methods.png', 'few_shot.png'):
        assert (tmp_path / 'work' / chart).stat().st_size > 5000


@pytest.mark.parametrize(
    'extra, message',
    [(dict(runs=[dict(name='x', config='configs/nope.py')]),
      'runs\\[0\\] \\(x\\) config configs/nope.py does not exist'),
     (dict(runs=[dict(name='y', same_as='z')]), 'same_as=.z. names no'),
     (dict(runs=[dict(config=STUDENT)]), "runs\\[0\\] has no 'name'"),
     (dict(
         runs=[dict(name='a', config=STUDENT),
               dict(name='a', config=STUDENT)]), 'run names repeat')])
def test_bad_suite_files_name_the_file_and_run(tmp_path, extra, message):
    path = write_suite(tmp_path / 'bad.py', tmp_path, **extra)
    with pytest.raises((KeyError, ValueError, FileNotFoundError),
                       match=message):
        run_suite.load_suite(path)


@pytest.mark.parametrize(
    'name',
    ['fashion_mnist_cpu.py', 'fashion_mnist_gpu.py', 'fashion_mosaics_cpu.py'])
def test_shipped_suites_load(tmp_path, name):
    suite = run_suite.load_suite(
        osp.join(ROOT, 'tools', 'benchmark', 'suites', name))
    jobs = run_suite.make_jobs(suite, str(tmp_path))
    assert {j.seed for j in jobs} == {0, 1, 2}
    assert len(jobs) == 3 * len({j.name for j in jobs})
    assert all(osp.isfile(osp.join(ROOT, j.config)) for j in jobs)
    assert run_suite.teacher_job(suite, str(tmp_path)) is not None
    assert any(j.needs_teacher for j in jobs)
