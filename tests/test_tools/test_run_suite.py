"""The suite runner (tools/benchmark/run_suite.py): options of each stage,
the schedule and tuning choices, provenance and resume, the report."""
import csv
import json
import math
import os
import os.path as osp
import shutil
import sys
import threading
import time

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from train_utils import ROOT, run_tool

sys.path.insert(0, osp.join(ROOT, 'tools', 'benchmark'))

import run_suite  # noqa: E402
import suite_jobs  # noqa: E402
import suite_report  # noqa: E402
import suite_resume  # noqa: E402
from suite_plan import Plan  # noqa: E402

from mmdlkd.utils import load_local_checkpoint  # noqa: E402

STUDENT = 'configs/demo/student_resnet8_digits_10pct.py'
KD = 'configs/demo/kd_resnet20_resnet8_digits_10pct.py'
DLKD = 'configs/demo/dlkd_resnet20_resnet8_digits_10pct.py'
TEACHER = 'configs/demo/teacher_resnet20_digits.py'
SCHEDULE = dict(
    runs=['student alone', 'DLKD'],
    start=100,
    gain=0.3,
    max_iters=800,
    options={
        'train_cfg.max_iters': '{iters}',
        'param_scheduler.milestones': ['{iters*2//3}', '{iters*5//6}']
    })


def write_suite(path, work_dir, **extra) -> str:
    body = dict(
        work_dir=str(work_dir),
        results_dir=str(work_dir / 'results'),
        metric='accuracy/top1',
        metric_label='top-1 (%)',
        # not 0: the seed of the schedule and tune stages
        seeds=[1, 2],
        options={'train_dataloader.dataset.seed': '{seed}'},
        report_options={'val_cfg': None},
        distiller_options={'model.teacher_fuse_bn': True},
        teacher=dict(config=TEACHER, seed=0),
        schedule=SCHEDULE,
        tune=dict(scales=[0.25, 1, 4], seed=0, groups=['methods']),
        runs=[
            dict(name='student alone', config=STUDENT, group='methods'),
            dict(name='KD', config=KD, group='methods'),
            dict(name='DLKD', config=DLKD, group='methods'),
            dict(
                name='KD, 25%',
                config=KD,
                group='few-shot',
                options={'train_dataloader.dataset.fraction': 0.25},
                iters_scale=2.5,
                tuned_as='KD',
                x=25,
                series='KD'),
            dict(
                name='KD, 10%',
                same_as='KD',
                group='few-shot',
                x=10,
                series='KD'),
        ],
        compare=dict(reference='DLKD', against=['student alone', 'KD']),
        charts=[
            dict(group='methods', kind='bar'),
            dict(group='few-shot', kind='line', xlabel='%')
        ])
    body.update(extra)
    with open(path, 'w') as f:
        f.write('\n'.join(f'{k} = {v!r}' for k, v in body.items()) + '\n')
    return str(path)


def plan_of(tmp_path, **extra) -> Plan:
    suite = run_suite.load_suite(
        write_suite(tmp_path / 's.py', tmp_path, **extra))
    return Plan(suite, str(tmp_path), str(tmp_path / 'results'))


def finish(job, value, inputs=None) -> None:
    """A finished result of ``job`` with its current inputs, written whole
    at once as ``suite_jobs.execute`` does (jobs run in threads)."""
    os.makedirs(osp.dirname(job.result_file), exist_ok=True)
    with open(job.result_file + '.part', 'w') as f:
        json.dump(
            dict(
                value=value,
                split='test' if job.stage == 'report' else 'val',
                train_s=10.0,
                test_s=2.0,
                inputs=inputs or job.inputs('/t.pth')), f)
    os.replace(job.result_file + '.part', job.result_file)


def test_template_filling():
    assert suite_jobs.fill('{iters*2//3}', 0, 300) == 200
    assert suite_jobs.fill(['{iters}', '{iters*5//6}'], 0, 600) == [600, 500]
    assert suite_jobs.fill('sub{seed}', 3, None) == 'sub3'
    with pytest.raises(ValueError, match='schedule length'):
        suite_jobs.fill('{iters}', 0, None)


def test_schedule_doubles_until_every_run_gains_less_than_the_threshold(
        tmp_path):
    plan = plan_of(tmp_path)
    jobs, iters = plan.schedule_jobs()
    assert iters is None and [(j.name, j.iters)
                              for j in jobs] == [('student alone', 100),
                                                 ('DLKD', 100)]
    assert jobs[1].options['train_cfg.max_iters'] == 100
    assert jobs[1].options['param_scheduler.milestones'] == [66, 83]
    assert jobs[1].options['model.teacher_fuse_bn'] is True
    assert 'model.teacher_fuse_bn' not in jobs[0].options
    assert 'val_cfg' not in jobs[0].options  # validation scores the stage
    curve = {
        'student alone': {
            100: 80.0,
            200: 82.0,
            400: 82.2,
            800: 82.3
        },
        'DLKD': {
            100: 81.0,
            200: 84.0,
            400: 85.0,
            800: 85.1
        },
    }
    for length in (100, 200, 400):
        for job in plan.schedule_jobs()[0]:
            if job.iters == length:
                finish(job, curve[job.name][length])
    # student alone gains 0.2 at 200 -> 400, DLKD 1.0: double again
    jobs, iters = plan.schedule_jobs()
    assert iters is None and {j.iters for j in jobs} == {100, 200, 400, 800}
    for job in jobs:
        if job.iters == 800:
            finish(job, curve[job.name][800])
    assert plan.schedule_jobs()[1] == 400
    assert plan.schedule_curves() == curve
    plan.suite.schedule['pick'] = 'longer'
    assert plan.schedule_jobs()[1] == 800
    # no tune or report job before the schedule is chosen
    (tmp_path / 'fresh').mkdir()
    plan = plan_of(tmp_path / 'fresh')
    assert {j.stage for j in plan.all_jobs()} == {'schedule'}


def test_schedule_ahead_trains_the_next_doubling_beside(tmp_path):
    plan = plan_of(
        tmp_path, schedule=dict(SCHEDULE, runs=['DLKD'], ahead=True))
    jobs, iters = plan.schedule_jobs()
    assert iters is None and [j.iters for j in jobs] == [100, 200]
    for job, value in zip(jobs, (80.0, 84.0)):
        finish(job, value)
    # 100 -> 200 gains 4: 400 is next, 800 beside it
    jobs, iters = plan.schedule_jobs()
    assert iters is None and [j.iters for j in jobs] == [100, 200, 400, 800]
    finish(jobs[2], 84.1)
    # 400 settles the search: 800 is no longer a job, though it may run
    jobs, iters = plan.schedule_jobs()
    assert iters == 200 and [j.iters for j in jobs] == [100, 200, 400]
    # never beyond max_iters
    plan.suite.schedule['max_iters'] = 400
    plan.suite.schedule['gain'] = 0.01
    jobs, iters = plan.schedule_jobs()
    assert iters == 400 and [j.iters for j in jobs] == [100, 200, 400]


def test_interrupted_run_resumes_only_with_the_same_inputs(tmp_path):
    run_dir = str(tmp_path)
    inputs = dict(config='a.py', options={'x': (1, 2)})
    assert suite_resume.resume_args(run_dir, inputs) == []  # nothing yet
    (tmp_path / 'last_checkpoint').write_text('iter_3000.pth')
    assert suite_resume.resume_args(run_dir, inputs) == ['--resume']
    changed = dict(inputs, options={'x': (1, 3)})
    assert suite_resume.resume_args(run_dir, changed) == []
    # the changed inputs are the recorded ones now
    assert suite_resume.resume_args(run_dir, changed) == ['--resume']
    assert suite_resume.resume_args(run_dir, inputs) == []


def test_partial_checkpoint_carries_a_run_to_another_machine(tmp_path):
    plan = plan_of(tmp_path)
    job = plan.schedule_jobs()[0][0]
    assert suite_resume.save_partial(job) is None  # nothing trained yet
    os.makedirs(job.run_dir)
    inputs = dict(config='a.py', options={'x': 1})
    suite_resume.resume_args(job.run_dir, inputs)
    for it in (3000, 6000):
        ckpt = osp.join(job.run_dir, f'iter_{it}.pth')
        # a distiller's: the copy leaves out the frozen teacher
        torch.save(
            dict(
                meta=dict(iter=it),
                state_dict={
                    'student.w': torch.full((2, ), float(it)),
                    'teacher.w': torch.ones(3)
                }), ckpt)
        with open(osp.join(job.run_dir, 'last_checkpoint'), 'w') as f:
            f.write(ckpt)
        kept = suite_resume.save_partial(job)
        assert kept == osp.join(
            suite_resume.partial_dir(job), f'iter_{it}.pth')
    assert suite_resume.save_partial(job) is None  # nothing new
    assert sorted(os.listdir(
        suite_resume.partial_dir(job))) == ['inputs.json', 'iter_6000.pth']
    # a fresh machine: the work dir is gone, the results dir came with git
    shutil.rmtree(job.run_dir)
    suite_resume.restore_partial(job)
    with open(osp.join(job.run_dir, 'last_checkpoint')) as f:
        restored = f.read()
    assert restored == osp.join(job.run_dir, 'iter_6000.pth')
    restored_ckpt = torch.load(restored, weights_only=True)
    assert restored_ckpt['meta'] == dict(iter=6000)
    assert list(restored_ckpt['state_dict']) == ['student.w']
    assert restored_ckpt['state_dict']['student.w'].tolist() == [6000.0] * 2
    assert suite_resume.resume_args(job.run_dir, inputs) == ['--resume']
    # a finished run keeps no partial copy
    finish(job, 90.0)
    assert suite_resume.save_partial(job) is None
    # the copy keeps the newest 100 values of each logged scalar
    full = str(tmp_path / 'full.pth')
    losses = np.arange(300, dtype=float) / 10
    torch.save(
        dict(
            state_dict={
                'student.w': torch.ones(2),
                'teacher.w': torch.zeros(2)
            },
            message_hub=dict(
                log_scalars={
                    'train/loss':
                    HistoryBuffer(losses, np.full(300, 8), max_length=500)
                },
                runtime_info=dict(iter=300))), full)
    suite_resume.copy_for_resume(full, full + '.copy')
    copy = load_local_checkpoint(full + '.copy')
    assert list(copy['state_dict']) == ['student.w']
    assert copy['message_hub']['runtime_info'] == dict(iter=300)
    buffer = copy['message_hub']['log_scalars']['train/loss']
    assert buffer.max_length == 500
    assert buffer.data[0].tolist() == [i / 10 for i in range(200, 300)]
    assert buffer.data[1].tolist() == [8] * 100
    # the logger's smoothing: sum of the last 10 values over their counts
    assert buffer.mean(10) == pytest.approx(sum(losses[-10:]) / 80)


def test_schedule_from_another_suite(tmp_path):
    (tmp_path / 'a').mkdir()
    first = plan_of(tmp_path / 'a')
    for job in first.schedule_jobs()[0]:
        finish(job, 80.0)  # 100 -> 200 gains nothing: 100 is chosen
    for job in first.schedule_jobs()[0]:
        finish(job, 80.0)
    assert first.schedule_jobs()[1] == 100
    other = plan_of(
        tmp_path,
        schedule=dict(
            from_suite=str(tmp_path / 'a' / 's.py'),
            options=SCHEDULE['options']))
    assert other.schedule_jobs() == ([], 100)
    # the student alone reports at once, at that length; the distillers
    # after their tuning at that length
    jobs = other.all_jobs()
    assert {(j.stage, j.name, j.options['train_cfg.max_iters'])
            for j in jobs} >= {('report', 'student alone', 100),
                               ('tune', 'KD', 100), ('tune', 'DLKD', 100)}
    # undecided there: nothing to run here yet
    (tmp_path / 'b').mkdir()
    plan_of(tmp_path / 'b')
    waiting = plan_of(
        tmp_path,
        schedule=dict(
            from_suite=str(tmp_path / 'b' / 's.py'),
            options=SCHEDULE['options']))
    assert waiting.all_jobs() == []


def test_teacher_from_another_suites_schedule_search(tmp_path):
    (tmp_path / 'a').mkdir()
    search = plan_of(tmp_path / 'a')
    user = write_suite(
        tmp_path / 's.py',
        tmp_path,
        teacher=dict(from_suite=str(tmp_path / 'a' / 's.py'), run='DLKD'))
    suite = run_suite.load_suite(user)
    assert run_suite.teacher_job(suite, str(tmp_path), 'r') is None
    # undecided: refused, naming the suite, the run and the curve so far
    finish(search.schedule_jobs()[0][1], 81.5)  # DLKD at 100 iterations
    with pytest.raises(run_suite.SuiteError) as err:
        run_suite.teacher_checkpoint(suite, None)
    assert str(tmp_path / 'a' / 's.py') in str(err.value)
    assert "run 'DLKD'" in str(err.value) and '100: 81.50' in str(err.value)
    for _ in range(2):  # 100 -> 200 gains nothing: 100 is chosen
        for job in search.schedule_jobs()[0]:
            if job.read() is None:
                finish(job, 81.5)
    chosen = [
        j for j in search.schedule_jobs()[0]
        if j.name == 'DLKD' and j.iters == 100
    ][0]
    # decided, its checkpoint not on this machine
    with pytest.raises(run_suite.SuiteError, match='not on this machine'):
        run_suite.teacher_checkpoint(suite, None)
    os.makedirs(chosen.run_dir)
    with open(osp.join(chosen.run_dir, 'last_checkpoint'), 'w') as f:
        f.write('/search/iter_100.pth')
    assert run_suite.teacher_checkpoint(suite, None) == '/search/iter_100.pth'
    with pytest.raises(KeyError, match="has no run 'ViT'"):
        run_suite.searched_teacher(str(tmp_path / 'a' / 's.py'), 'ViT')


def test_tuning_scales_the_distill_weights_and_picks_the_best(tmp_path):
    plan = plan_of(tmp_path, schedule=dict(SCHEDULE, iters=200))
    tune, chosen = plan.tune_jobs(200)
    assert chosen == {}
    assert sorted({j.name for j in tune}) == ['DLKD', 'KD']  # not the student
    kd = {j.scale: j for j in tune if j.name == 'KD'}
    assert kd[4].options['model.distill.losses.loss_kd.loss_weight'] == 4.0
    assert 'model.distill.losses.loss_kd.loss_weight' not in kd[1].options
    dlkd = {j.scale: j for j in tune if j.name == 'DLKD'}
    assert dlkd[0.25].options == {
        **dlkd[1].options, 'model.distill.losses.loss_align.loss_weight': 2.5,
        'model.distill.losses.loss_corr.loss_weight': 5.0,
        'model.distill.losses.loss_sup.loss_weight': 0.125
    }
    # only reported runs that need no tuning are known yet
    assert {j.name for j in plan.report_jobs(200, chosen)} == {'student alone'}
    for scale, value in ((0.25, 70.0), (1, 75.0), (4, 75.0)):
        finish(kd[scale], value)
        finish(dlkd[scale], {0.25: 80.0, 1: 79.0, 4: 78.0}[scale])
    iters, chosen = plan.settings()
    assert iters == 200 and chosen == {'KD': 1, 'DLKD': 0.25}  # tie: x1
    report = plan.report_jobs(200, chosen)
    # group by group, seed by seed within a group
    assert [(j.name, j.seed) for j in report] == [('student alone', 1),
                                                  ('KD', 1), ('DLKD', 1),
                                                  ('student alone', 2),
                                                  ('KD', 2), ('DLKD', 2),
                                                  ('KD, 25%', 1),
                                                  ('KD, 25%', 2)]
    few = report[-1]
    assert few.options['train_cfg.max_iters'] == 500  # iters_scale 2.5
    assert few.options['train_dataloader.dataset.fraction'] == 0.25
    assert few.options['train_dataloader.dataset.seed'] == 2
    assert few.options['val_cfg'] is None
    assert report[5].options[
        'model.distill.losses.loss_sup.loss_weight'] == 0.125


def test_the_tune_stage_reuses_the_schedule_run_of_the_same_setting(tmp_path):
    plan = plan_of(tmp_path)
    for length, value in ((100, 80.0), (200, 80.1)):
        for job in plan.schedule_jobs()[0]:
            if job.iters == length:
                finish(job, value)
    assert plan.schedule_jobs()[1] == 100
    tune = [j for j in plan.tune_jobs(100)[0] if j.name == 'DLKD']
    assert [j.stage for j in tune] == ['tune', 'schedule', 'tune']
    assert tune[1].read()['value'] == 80.0


def test_changed_inputs_stop_the_suite_unless_rerun(tmp_path, monkeypatch):
    plan = plan_of(tmp_path, schedule=dict(SCHEDULE, iters=200), tune=None)
    jobs = plan.all_jobs()
    stale = dict(jobs[0].inputs('/t.pth'), config_sha256='0' * 64)
    finish(jobs[0], 50.0, inputs=stale)
    with pytest.raises(run_suite.SuiteError) as info:
        run_suite.pending(jobs, '/t.pth', rerun_changed=False)
    assert f'{jobs[0].result_file}: config_sha256 changed' in str(info.value)
    assert run_suite.pending(jobs, '/t.pth', True) == jobs
    finish(jobs[0], 50.0)
    assert run_suite.pending(jobs, '/t.pth', False) == jobs[1:]


def test_inputs_follow_the_config_options_and_teacher_weights(tmp_path):
    plan = plan_of(tmp_path, schedule=dict(SCHEDULE, iters=200), tune=None)
    job = [j for j in plan.all_jobs() if j.name == 'KD'][0]
    ckpt = tmp_path / 'teacher.pth'
    ckpt.write_bytes(b'weights')
    other = tmp_path / 'copy' / 'teacher.pth'
    other.parent.mkdir()
    other.write_bytes(b'weights')
    first = job.inputs(str(ckpt))
    assert first['teacher_sha256'] == suite_jobs.sha256_file(str(ckpt))
    assert job.inputs(str(other)) == first  # the same weights elsewhere
    other.write_bytes(b'other weights')
    assert suite_jobs.changed_inputs(
        dict(inputs=first),
        job.inputs(str(other))) == ['config_sha256', 'teacher_sha256']
    job.options['train_cfg.max_iters'] = 300
    assert 'config_sha256' in suite_jobs.changed_inputs(
        dict(inputs=first), job.inputs(str(ckpt)))


def test_run_all_goes_through_the_stages(tmp_path, monkeypatch):
    suite = run_suite.load_suite(
        write_suite(
            tmp_path / 's.py',
            tmp_path,
            seeds=[1],
            schedule=dict(SCHEDULE, max_iters=200)))
    plan = Plan(suite, str(tmp_path), str(tmp_path / 'results'))
    teacher = run_suite.teacher_job(suite, str(tmp_path),
                                    str(tmp_path / 'results'))
    calls, threads_seen = [], set()

    def fake_execute(job, metric, teacher_ckpt, threads, stop=None):
        calls.append((job.stage, job.name, job.iters, job.scale, teacher_ckpt))
        threads_seen.add(threads)
        if job.name == 'teacher':
            os.makedirs(job.run_dir, exist_ok=True)
            with open(osp.join(job.run_dir, 'last_checkpoint'), 'w') as f:
                f.write('/t.pth')
        value = 70.0 + (job.iters or 0) / 100 + (job.scale or 1)
        finish(job, value)
        return dict(value=value, split='val')

    monkeypatch.setattr(suite_jobs, 'execute', fake_execute)
    monkeypatch.setattr(
        suite_jobs.Job, 'inputs',
        lambda self, ckpt: dict(options=self.options, teacher_sha256=None))
    assert run_suite.run_all(suite, plan, teacher, 2) == []
    # the cores shared among the jobs
    assert threads_seen == {max(1, (os.cpu_count() or 1) // 2)}
    stages = [c[0] for c in calls]
    assert calls[0][1] == 'teacher' and calls[0][4] is None
    first_tune = stages.index('tune')
    assert set(stages[1:first_tune]) == {'schedule'}
    assert all(c[4] == '/t.pth' for c in calls[1:] if c[1] != 'student alone')
    # 100 and 200 trained for both schedule runs; max_iters caps at 200
    assert sorted(c[2] for c in calls
                  if c[0] == 'schedule') == [100] * 2 + [200] * 2
    assert plan.settings() == (200, {'KD': 4, 'DLKD': 4})
    reported = sorted((c[1], c[2], c[3]) for c in calls
                      if c[0] == 'report' and c[1] != 'teacher')
    assert reported == [('DLKD', 200, 4), ('KD', 200, 4), ('KD, 25%', 500, 4),
                        ('student alone', 200, 1.0)]
    calls.clear()
    assert run_suite.run_all(suite, plan, teacher, 1) == []
    assert calls == []
    # --threads: a set number per job, whatever the cores
    os.remove(plan.all_jobs()[-1].result_file)
    threads_seen.clear()
    assert run_suite.run_all(suite, plan, teacher, 2, threads=5) == []
    assert len(calls) == 1 and threads_seen == {5}


def test_run_all_stops_a_doubling_that_is_no_longer_needed(
        tmp_path, monkeypatch):
    suite = run_suite.load_suite(
        write_suite(
            tmp_path / 's.py',
            tmp_path,
            seeds=[1],
            teacher=None,
            tune=None,
            compare=None,
            charts=[],
            runs=[dict(name='student alone', config=STUDENT, group='m')],
            schedule=dict(
                SCHEDULE, runs=['student alone'], ahead=True, max_iters=1600)))
    plan = Plan(suite, str(tmp_path), str(tmp_path / 'results'))
    monkeypatch.setattr(
        suite_jobs.Job, 'inputs',
        lambda self, ckpt: dict(options=self.options, teacher_sha256=None))
    curve = {100: 80.0, 200: 84.0, 400: 84.1}
    for job in plan.schedule_jobs()[0]:  # 100 and 200 done: 400 and 800 next
        finish(job, curve[job.iters])
    stopped = []

    def fake_execute(job, metric, teacher_ckpt, threads, stop=None):
        if job.stage == 'schedule' and job.iters == 800:
            # trained ahead beside 400, which settles the search
            os.makedirs(suite_resume.partial_dir(job))
            assert stop.wait(30), 'the 800-iteration run was not stopped'
            stopped.append(job.iters)
            raise suite_jobs.Stopped('stopped')
        value = curve.get(job.iters, 70.0)
        finish(job, value)
        return dict(value=value, split='val')

    monkeypatch.setattr(suite_jobs, 'execute', fake_execute)
    assert run_suite.run_all(suite, plan, None, 2) == []
    assert stopped == [800]
    jobs, iters = plan.schedule_jobs()
    assert iters == 200 and [j.iters for j in jobs] == [100, 200, 400]
    ahead = plan._job(plan.runs['student alone'], 'schedule', 0, 'iters800',
                      800, 1.0)
    # no result and no partial checkpoint left to commit
    assert ahead.read() is None
    assert not osp.exists(suite_resume.partial_dir(ahead))


def test_run_tool_terminates_a_stopped_tool(tmp_path):
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    t0 = time.time()
    with pytest.raises(suite_jobs.Stopped, match='stopped'):
        suite_jobs.run_tool(
            [sys.executable, '-c', 'import time; time.sleep(60)'],
            str(tmp_path / 'log.txt'),
            stop=stop)
    assert time.time() - t0 < 20
    # without a stop the tool runs to its end, a failure raising its log
    with pytest.raises(RuntimeError, match='exited with 3'):
        suite_jobs.run_tool(
            [sys.executable, '-c', 'print("tail"); raise SystemExit(3)'],
            str(tmp_path / 'log.txt'))


def test_paired_difference_and_report(tmp_path):
    a = suite_report.RunResult('DLKD', 'methods', [80.0, 82.0, 81.0],
                               [0, 1, 2])
    b = suite_report.RunResult('KD', 'methods', [79.0, 80.0, 81.5, 60.0],
                               [0, 1, 2, 3])
    mean, half, n = suite_report.paired_difference(a, b)
    diffs = [1.0, 2.0, -0.5]
    sd = math.sqrt(sum((d - 2.5 / 3)**2 for d in diffs) / 2)
    assert n == 3 and mean == pytest.approx(2.5 / 3)
    assert half == pytest.approx(4.302653 * sd / math.sqrt(3), rel=1e-5)
    table = suite_report.paired_table([a, b], 'DLKD', ['KD'], 'top-1')
    assert f'| KD | +0.83 | [{mean - half:+.2f}, {mean + half:+.2f}] | 3 |' \
        in table


def test_report_from_result_files(tmp_path):
    suite_file = write_suite(
        tmp_path / 's.py',
        tmp_path,
        schedule=dict(SCHEDULE, iters=200),
        tune=None,
        teacher=None)
    plan = Plan(
        run_suite.load_suite(suite_file), str(tmp_path),
        str(tmp_path / 'results'))
    values = {
        ('student alone', 1): 80.0,
        ('student alone', 2): 82.0,
        ('KD', 1): 84.0,
        ('KD', 2): 85.0,
        ('DLKD', 1): 86.0,
        ('DLKD', 2): 86.5,
        ('KD, 25%', 1): 86.0
    }
    for job in plan.all_jobs():
        if (job.name, job.seed) in values:
            finish(job, values[(job.name, job.seed)])
    out = run_tool('benchmark/run_suite.py', suite_file, '--report-only')
    md = (tmp_path / 'results' / 'results.md').read_text()
    assert md in out
    assert '| student alone | 81.00 | 1.41 | 2 | 80.00, 82.00 |' in md
    assert '| KD, 25% | 86.00 | 0.00 | 1 | 86.00 |' in md
    assert '| KD, 10% | 84.50 | 0.71 | 2 | 84.00, 85.00 |' in md
    assert 'jobs finished: 7 of the 8 known so far' in md
    assert 'sample standard deviation' in md
    assert '| student alone | +5.25 |' in md
    with open(tmp_path / 'results' / 'results.csv') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 9
    for chart in ('methods.png', 'few_shot.png'):
        assert (tmp_path / 'results' / chart).stat().st_size > 5000


@pytest.mark.parametrize(
    'extra, message',
    [(dict(runs=[dict(name='x', config='configs/nope.py')]),
      'runs\\[0\\] \\(x\\) config configs/nope.py does not exist'),
     (dict(runs=[dict(name='y', same_as='z')]), 'same_as=.z. names no'),
     (dict(runs=[dict(name='y', config=KD, tuned_as='z')]),
      'tuned_as=.z. names no'),
     (dict(runs=[dict(config=STUDENT)]), "runs\\[0\\] has no 'name'"),
     (dict(runs=[dict(name='a', config=STUDENT)]), "schedule.runs names "),
     (dict(
         runs=[dict(name='a', config=STUDENT),
               dict(name='a', config=STUDENT)]), 'run names repeat')])
def test_bad_suite_files_name_the_file_and_run(tmp_path, extra, message):
    path = write_suite(tmp_path / 'bad.py', tmp_path, **extra)
    with pytest.raises((KeyError, ValueError, FileNotFoundError),
                       match=message):
        run_suite.load_suite(path)


def test_a_reported_seed_must_not_be_a_selection_seed(tmp_path):
    """A reported run with the seed of the schedule search or the tune
    stage would repeat the run whose validation score chose its setting."""
    path = write_suite(tmp_path / 's.py', tmp_path, seeds=[0, 1])
    with pytest.raises(ValueError) as info:
        run_suite.load_suite(path)
    assert str(info.value).startswith(
        f"suite {path}: run 'student alone' reports seed 0, the seed the "
        "suite's schedule and tune stage trains with")
    path = write_suite(
        tmp_path / 's.py',
        tmp_path,
        tune=dict(scales=[1, 4], seed=2, groups=['methods']))
    with pytest.raises(
            ValueError,
            match="reports seed 2, the seed the "
            "suite's tune stage trains with"):
        run_suite.load_suite(path)
    path = write_suite(tmp_path / 's.py', tmp_path)
    assert run_suite.load_suite(path).seeds == [1, 2]
    with pytest.raises(ValueError, match="'student alone' reports seed 0"):
        run_suite.load_suite(path, seeds=[3, 0])  # --seeds 3 0
    # a run's own seeds are checked too; runs that copy another are not
    # trained
    runs = [
        dict(name='student alone', config=STUDENT, group='methods'),
        dict(name='DLKD', config=DLKD, group='methods', seeds=[1, 0]),
        dict(name='again', same_as='DLKD', group='m2'),
    ]
    with pytest.raises(ValueError, match="'DLKD' reports seed 0"):
        run_suite.load_suite(
            write_suite(tmp_path / 's.py', tmp_path, runs=runs))
    # a fixed schedule and no tuning choose nothing: seed 0 may be reported
    path = write_suite(
        tmp_path / 's.py',
        tmp_path,
        seeds=[0],
        tune=None,
        schedule=dict(SCHEDULE, iters=200))
    assert run_suite.load_suite(path).seeds == [0]


@pytest.mark.parametrize('name', [
    'fashion_mnist_cpu.py', 'fashion_mnist_gpu.py', 'fashion_mnist_teacher.py',
    'fashion_mosaics_cpu.py', 'fashion_mosaics_teacher.py',
    'fashion_mnist_vit_teacher.py', 'fashion_mnist_crd_negatives.py'
])
def test_shipped_suites_load(tmp_path, name):
    suite = run_suite.load_suite(
        osp.join(ROOT, 'tools', 'benchmark', 'suites', name))
    plan = Plan(suite, str(tmp_path), str(tmp_path / 'results'))
    jobs = plan.all_jobs()
    assert jobs and all(osp.isfile(osp.join(ROOT, j.config)) for j in jobs)
    assert suite.get('teacher') or not suite.get('report', True)


def test_crd_negatives_suite_changes_only_the_negatives(tmp_path):
    """The CRD diagnosis trains the CPU suite's CRD tuning jobs at x0.25
    and x1 with the negatives scaled to CIFAR-100's K / n, nothing else."""
    suites = osp.join(ROOT, 'tools', 'benchmark', 'suites')
    suite = run_suite.load_suite(
        osp.join(suites, 'fashion_mnist_crd_negatives.py'))
    jobs = Plan(suite, str(tmp_path), str(tmp_path / 'r')).all_jobs()
    main = run_suite.load_suite(osp.join(suites, 'fashion_mnist_cpu.py'))
    # the CPU suite's 12,800 iterations, given here rather than read from
    # its results
    main.schedule = dict(main.schedule, iters=12800)
    refs = {
        j.scale: j
        for j in Plan(main, str(tmp_path), str(tmp_path /
                                               'm')).tune_jobs(12800)[0]
        if j.name == 'CRD'
    }
    assert [(j.stage, j.scale, j.seed, j.iters)
            for j in jobs] == [('tune', 0.25, 0, 12800), ('tune', 1, 0, 12800)]
    key = 'model.distill.losses.loss_crd.num_negatives'
    for job in jobs:
        assert job.config == refs[job.scale].config
        assert job.options == {**refs[job.scale].options, key: 1802}


def test_vit_suite_waits_for_the_cpu_suite_schedule(tmp_path):
    suite = run_suite.load_suite(
        osp.join(ROOT, 'tools', 'benchmark', 'suites', 'fashion_mnist_vit.py'))
    plan = Plan(suite, str(tmp_path), str(tmp_path / 'results'))
    main = run_suite.load_suite(
        osp.join(ROOT, 'tools', 'benchmark', 'suites', 'fashion_mnist_cpu.py'))
    main_plan = Plan(main, str(tmp_path), osp.join(ROOT, main.results_dir))
    iters = main_plan.schedule_jobs()[1]
    assert plan.schedule_jobs() == ([], iters)
    # the teacher is the ViT teacher search's choice
    search = run_suite.load_suite(osp.join(ROOT, suite.teacher.from_suite))
    assert suite.teacher.run in [r.name for r in search.runs]
    assert [r.name for r in suite.runs] == ['student alone', 'KD', 'DLKD']
    assert all(osp.isfile(osp.join(ROOT, r.config)) for r in suite.runs)
    if iters is None:
        assert plan.all_jobs() == []


def test_probe_of_a_finished_run(digits_root, tmp_path):
    """The transfer probe exports a distiller's student and scores its
    frozen feature with tools/analysis/linear_probe.py."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmdlkd.registry import MODELS
    probe = tmp_path / 'probe.py'
    probe.write_text(
        f"_base_ = ['{ROOT}/configs/fashion_mnist/transfer/"
        "resnet8_digits_probe.py']\n"
        f"train_dataloader = dict(dataset=dict(data_root='{digits_root}'))\n"
        f"val_dataloader = dict(dataset=dict(data_root='{digits_root}'))\n")
    cfg = Config.fromfile(
        osp.join(
            ROOT, 'configs/fashion_mnist/'
            'resnet20_resnet8_dlkd_fashion-mnist.py'))
    cfg.model.teacher_ckpt = None
    cfg.model.random_teacher = True
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    run_dir = tmp_path / 'run'
    run_dir.mkdir()
    torch.save(dict(state_dict=model.state_dict()), run_dir / 'iter_1.pth')
    (run_dir / 'last_checkpoint').write_text(str(run_dir / 'iter_1.pth'))
    job = suite_jobs.Job('DLKD', 'x.py', 0, {}, str(run_dir), 'r.json', True)
    job.probe = str(probe)
    top1 = suite_jobs.probe_student(job, threads=1)
    student = torch.load(run_dir / 'student.pth', weights_only=True)
    assert set(student['state_dict']) == {
        k[len('student.'):]
        for k in model.state_dict() if k.startswith('student.')
    }
    with open(run_dir / 'probe' / 'linear_probe.csv') as f:
        row = next(csv.DictReader(f))
    assert float(row['top1']) == top1 and 10 < top1 <= 100
    assert row['num_train'] == '1257' and row['num_val'] == '540'


def test_exported_seeds_and_probes_are_planned(tmp_path):
    runs = [
        dict(
            name='student alone', config=STUDENT, group='methods', probe=True),
        dict(name='DLKD', config=DLKD, group='methods', export_seeds=[2]),
    ]
    plan = plan_of(
        tmp_path,
        runs=runs,
        schedule=dict(SCHEDULE, iters=200),
        tune=None,
        transfer=dict(config='configs/fashion_mnist/transfer/'
                      'resnet8_digits_probe.py'))
    jobs = {(j.name, j.seed): j for j in plan.all_jobs()}
    assert jobs['DLKD', 2].export == jobs['DLKD', 2].result_file[:-5] + '.pth'
    assert jobs['DLKD', 1].export is None
    assert jobs['student alone', 1].probe.endswith('resnet8_digits_probe.py')
    assert jobs['DLKD', 1].probe is None
    # the exported run is scored on the validation split with its own
    # options but the reported runs' ones (here val_cfg=None)
    exported = jobs['DLKD', 2]
    assert exported.options['val_cfg'] is None
    assert exported.val_options == {
        k: v
        for k, v in exported.options.items() if k != 'val_cfg'
    }
    assert jobs['DLKD', 1].val_options is None


def test_validation_score_of_an_exported_run(digits_root, tmp_path):
    """The score that picks a zoo student among seeds: tools/test.py
    --split val on the run's last checkpoint, with the options the run
    had apart from the reported runs' (which drop the validation split);
    the demo's test split is its validation split, so the test score of
    the same checkpoint is the same number."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        torch.manual_seed(0)
        model = MODELS.build(Config.fromfile(osp.join(ROOT, STUDENT)).model)
    run_dir = tmp_path / 'run'
    run_dir.mkdir()
    torch.save(dict(state_dict=model.state_dict()), run_dir / 'iter_1.pth')
    (run_dir / 'last_checkpoint').write_text(str(run_dir / 'iter_1.pth'))
    data = {
        'val_dataloader.dataset.data_root': digits_root,
        'test_dataloader.dataset.data_root': digits_root
    }
    job = suite_jobs.Job('student', STUDENT, 1, {
        **data, 'val_cfg': None,
        'val_dataloader': None
    }, str(run_dir), str(tmp_path / 'r.json'), False)
    job.val_options = data
    value = suite_jobs.validation_score(job, 'accuracy/top1', None, 1)
    out = tmp_path / 'test.json'
    run_tool('test.py', STUDENT, str(run_dir / 'iter_1.pth'), '--work-dir',
             str(tmp_path / 'test'), '--out', str(out), '--cfg-options',
             f'test_dataloader.dataset.data_root={digits_root}')
    assert value == json.loads(out.read_text())['accuracy/top1']
    assert 0 < value < 100


def test_machine_names_the_vector_unit(tmp_path, monkeypatch):
    cpuinfo = tmp_path / 'cpuinfo'
    cpuinfo.write_text('processor\t: 0\nmodel name\t: AMD EPYC\n'
                       'flags\t\t: fpu sse avx2 avx512f avx512_bf16\n')
    real_open = open
    monkeypatch.setattr(
        'builtins.open', lambda path, *a, **k: real_open(
            cpuinfo if path == '/proc/cpuinfo' else path, *a, **k))
    assert suite_jobs.machine() == f'{os.cpu_count()} x AMD EPYC ' \
        '(AVX-512, bf16)'
    cpuinfo.write_text('model name\t: AMD EPYC\nflags\t\t: fpu avx2\n')
    assert suite_jobs.machine().endswith('AMD EPYC (AVX2)')


def test_threads_must_be_positive(monkeypatch, capsys):
    monkeypatch.setattr(sys, 'argv',
                        ['run_suite.py', 's.py', '--threads', '0'])
    with pytest.raises(SystemExit):
        run_suite.parse_args()
    assert '--threads 0: give 1 or more' in capsys.readouterr().err
