"""The Fashion-MNIST mosaics configs and suite: every config builds on the
CPU, the distillers pair exactly the teacher and student configs of the
folder, data roots follow --cfg-options, and the suite names them all."""
import glob
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdlkd.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG_DIR = osp.join(ROOT, 'configs', 'fashion_mosaics')
CONFIGS = sorted(osp.basename(p) for p in glob.glob(osp.join(CFG_DIR, '*.py')))
TEACHER = 'pspnet_teacher_fashion_mosaics.py'
STUDENT = 'pspnet_student_fashion_mosaics.py'
SUITE = osp.join(ROOT, 'tools', 'benchmark', 'suites',
                 'fashion_mosaics_cpu.py')
sys.path.insert(0, osp.join(ROOT, 'tools', 'benchmark'))
from suite_plan import Plan  # noqa: E402

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
# config -> {distillation loss: (type, weight)}
LOSSES = {
    'pspnet_kd_fashion_mosaics.py': {
        'loss_kd': ('mmdlkd.KDLoss', 1.0)
    },
    'pspnet_cwd_fashion_mosaics.py': {
        'loss_cwd': ('mmdlkd.ChannelWiseDivergence', 3.0)
    },
    'pspnet_skd_fashion_mosaics.py': {
        'loss_skd_pa': ('mmdlkd.PixelSimilarityLoss', 0.5),
        'loss_skd_pi': ('mmdlkd.KDLoss', 80.0)
    },
    'pspnet_dlkd_fashion_mosaics.py': {
        'loss_align': ('mmdlkd.AlignLoss', 10.0),
        'loss_corr': ('mmdlkd.CorrelationLoss', 20.0)
    },
    'pspnet_dlkd-sup_fashion_mosaics.py': {
        'loss_align': ('mmdlkd.AlignLoss', 10.0),
        'loss_corr': ('mmdlkd.CorrelationLoss', 20.0),
        'loss_sup': ('mmdlkd.SupConDistillLoss', 0.5)
    },
}


def load(name: str) -> Config:
    return Config.fromfile(osp.join(CFG_DIR, name))


def test_the_folder_has_every_method():
    assert CONFIGS == sorted([TEACHER, STUDENT, *LOSSES])


def test_protocol():
    for name in CONFIGS:
        cfg = load(name)
        assert cfg.default_scope == 'mmseg'
        assert cfg.train_dataloader.batch_size == 8
        assert cfg.train_cfg.max_iters == cfg.param_scheduler[0].end
        assert cfg.train_cfg.val_interval == cfg.train_cfg.max_iters
        for loader in LOADERS:
            dataset = cfg[loader].dataset
            assert dataset.type == 'mmdlkd.FashionMosaicDataset'
            assert dataset.data_root == 'data/fashion_mosaics'
        split = {
            loader: cfg[loader].dataset.data_prefix.img_path
            for loader in LOADERS
        }
        assert split == dict(
            train_dataloader='img_dir/train',
            val_dataloader='img_dir/val',
            test_dataloader='img_dir/test')
        assert cfg.val_evaluator == dict(
            type='IoUMetric', iou_metrics=['mIoU'])
        assert cfg.test_evaluator == cfg.val_evaluator


def test_data_roots_follow_cfg_options():
    cfg = load('pspnet_dlkd_fashion_mosaics.py')
    cfg.merge_from_dict(
        {f'{loader}.dataset.data_root': f'/x/{loader}'
         for loader in LOADERS})
    for loader in LOADERS:
        assert cfg[loader].dataset.data_root == f'/x/{loader}'


@pytest.mark.parametrize('name', CONFIGS)
def test_config_builds_and_runs_a_forward(name):
    cfg = load(name)
    distill = cfg.model.type == 'mmdlkd.Distiller'
    if distill:
        assert cfg.model.teacher_ckpt == (
            'work_dirs/pspnet_teacher_fashion_mosaics/'
            f'iter_{load(TEACHER).train_cfg.max_iters}.pth')
        cfg.model.teacher_ckpt = None  # a random teacher
        cfg.model.random_teacher = True
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    student = model.student if distill else model
    assert type(student).__name__ == 'EncoderDecoder'
    for head in (student.decode_head, student.auxiliary_head):
        assert head.num_classes == 11
    assert not any('SyncBatchNorm' in type(m).__name__
                   for m in model.modules())
    model.eval()
    with torch.no_grad():
        logits = student(torch.rand(2, 3, 64, 64), mode='tensor')
    assert tuple(logits.shape) == (2, 11, 8, 8)
    if distill:
        losses = {
            name: (loss.type, loss.loss_weight)
            for name, loss in cfg.model.distill.losses.items()
        }
        assert losses == LOSSES[name]


def test_distillers_pair_the_folders_teacher_and_student():
    teacher = load(TEACHER).model.to_dict()
    student = load(STUDENT).model.to_dict()
    widths = {
        'teacher': (teacher['backbone']['base_channels'],
                    teacher['decode_head']['channels']),
        'student': (student['backbone']['base_channels'],
                    student['decode_head']['channels'])
    }
    assert widths == dict(teacher=(32, 64), student=(16, 32))
    for name in LOSSES:
        model = load(name).model
        assert model.teacher.to_dict() == teacher, name
        assert model.student.to_dict() == student, name
        assert model.data_preprocessor is None
        connectors = model.distill.get('connectors', {})
        if 'align' in connectors:
            assert (connectors.align.in_channels,
                    connectors.align.out_channels) == (32, 64)
            assert (connectors.corr.in_channels,
                    connectors.corr.out_channels) == (32, 32)
        if 'sup_s' in connectors:
            assert connectors.sup_s.in_channels == 32
            assert connectors.sup_t.in_channels == 64


def test_suite_names_every_config():
    suite = Config.fromfile(SUITE)
    # reported seeds: not 0, the seed of the schedule and tune stages
    assert suite.metric == 'mIoU' and suite.seeds == [1, 2, 3]
    assert suite.teacher.checkpoint.startswith('configs/fashion_mosaics/zoo/')
    methods = [run for run in suite.runs if run.group == 'methods']
    assert sorted(osp.basename(run.config)
                  for run in methods) == sorted([STUDENT, *LOSSES])
    for run in suite.runs:
        if 'config' in run:
            assert osp.isfile(osp.join(ROOT, run.config)), run.config
    assert suite.options == {
        f'{loader}.dataset.data_root': 'data/fashion_mosaics'
        for loader in LOADERS
    }
    assert suite.prepare[:2] == [
        'python', 'tools/data/make_fashion_mosaics.py'
    ]
    assert suite.prepare_check == 'data/fashion_mosaics/img_dir/test'
    assert [c.group for c in suite.charts] == ['methods', 'ablation']


def test_suite_ablation_switches_off_one_dlkd_term():
    suite = Config.fromfile(SUITE)
    dlkd = LOSSES['pspnet_dlkd_fashion_mosaics.py']
    ablation = [run for run in suite.runs if run.group == 'ablation']
    off = sorted(
        key.rsplit('.', 1)[1] for run in ablation
        for key, value in run.get('options', {}).items() if value is None)
    assert off == sorted(dlkd)
    assert all(
        run.get('tuned_as', run.get('same_as')) == 'DLKD' for run in ablation)


def test_suite_trains_each_skd_term_alone_at_skd_scale(tmp_path):
    """Each of SKD's two terms alone, at SKD's tuned scale (here a
    stand-in x0.25), seed 1 only, with the other term's weight scaled."""
    suite = Config.fromfile(SUITE)
    plan = Plan(suite, str(tmp_path), str(tmp_path / 'r'))
    jobs = [
        job for job in plan.report_jobs(25600, {'SKD': 0.25})
        if job.name.startswith('SKD: ')
    ]
    weights = LOSSES['pspnet_skd_fashion_mosaics.py']
    kept = {}
    for job in jobs:
        assert job.seed == 1 and job.scale == 0.25
        assert job.config.endswith('pspnet_skd_fashion_mosaics.py')
        off = [
            k for k, v in job.options.items()
            if v is None and k.startswith('model.')
        ]
        on = {
            k.split('.')[-2]: v
            for k, v in job.options.items() if k.endswith('.loss_weight')
        }
        assert len(off) == 1 and len(on) == 1
        kept.update(on)
    assert kept == {name: w * 0.25 for name, (_, w) in weights.items()}


def test_teacher_suite_searches_the_teacher_config():
    suite = Config.fromfile(
        osp.join(ROOT, 'tools', 'benchmark', 'suites',
                 'fashion_mosaics_teacher.py'))
    assert suite.report is False and suite.schedule.pick == 'longer'
    assert [run.config
            for run in suite.runs] == [f'configs/fashion_mosaics/{TEACHER}']
    assert suite.options == {
        f'{loader}.dataset.data_root': 'data/fashion_mosaics'
        for loader in LOADERS
    }
