"""Bad input fails fast with a message naming the file, key or module:
multi-view pipelines vs the distiller, labels outside the classes, class
counts of teacher / student / dataset, missing dataset paths.

(Missing/corrupt/mismatched teacher checkpoints, unknown recorder paths,
connector size errors and mappings naming missing recorders are tested in
tests/test_models/test_distillers/.)
"""
import copy
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmengine.structures import PixelData

import mmdlkd  # noqa: F401
from mmdlkd.datasets import check_dataset_paths, check_labels
from mmdlkd.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'tests', 'data', 'configs', 'tiny_distill_digits.py')


@pytest.fixture
def cfg(digits_root):
    cfg = Config.fromfile(CONFIG)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = digits_root
    return cfg


def rotation_batch(digits_root, n=3):
    from mmpretrain.registry import DATASETS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        dataset = DATASETS.build(
            dict(
                type='CustomDataset',
                data_root=digits_root,
                data_prefix='train',
                pipeline=[
                    dict(type='LoadImageFromFile'),
                    dict(
                        type='mmdlkd.RotationViews', angles=(0, 90, 180, 270)),
                    dict(type='PackInputs')
                ]))
    return pseudo_collate([dataset[i] for i in range(n)])


def corr_distiller(cfg, **kwargs):
    model = copy.deepcopy(cfg.model)
    model.distill = dict(
        recorders=dict(
            student=dict(feat=dict(source='neck', index=-1)),
            teacher=dict(feat=dict(source='neck', index=-1))),
        losses=dict(loss_corr=dict(type='mmdlkd.CorrelationLoss')),
        loss_inputs=dict(
            loss_corr=dict(s_feat='student.feat', t_feat='teacher.feat')))
    model.update(kwargs)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(model)


class NoStep:
    """An optim wrapper stand-in: the checks fail before any update."""

    def optim_context(self, model):
        import contextlib
        return contextlib.nullcontext()

    def update_params(self, loss):
        pass


def test_views_need_the_multiview_preprocessor(cfg, digits_root):
    batch = rotation_batch(digits_root)
    model = corr_distiller(cfg)
    with pytest.raises(ValueError) as info:
        model.train_step(batch, NoStep())
    msg = str(info.value)
    assert 'gives 4 views per sample' in msg
    assert 'mmdlkd.RotationViews' in msg
    assert 'ClsDataPreprocessor' in msg
    assert "data_preprocessor=dict(type='mmdlkd.MultiViewDataPreprocessor')" \
        in msg


def test_views_must_match_num_views(cfg, digits_root):
    batch = rotation_batch(digits_root)
    model = corr_distiller(
        cfg,
        num_views=2,
        data_preprocessor=dict(type='mmdlkd.MultiViewDataPreprocessor'))
    with pytest.raises(ValueError) as info:
        model.train_step(batch, NoStep())
    msg = str(info.value)
    assert 'expects 2 views per batch (model.num_views=2)' in msg
    assert 'gives 4' in msg and 'RotationViews: len(angles)' in msg


def test_matching_views_train_with_correct_view_order(cfg, digits_root):
    """mmengine's pseudo_collate gives V tuples of N images: the views are
    not mixed up with the samples (regression: they were, for V != N)."""
    batch = rotation_batch(digits_root, n=3)
    model = corr_distiller(
        cfg,
        num_views=4,
        data_preprocessor=dict(type='mmdlkd.MultiViewDataPreprocessor'))
    data = model.data_preprocessor(batch, True)
    views = data['inputs']
    assert len(views) == 4 and views[0].shape == (3, 3, 32, 32)
    for v in range(4):
        assert torch.allclose(views[v], torch.rot90(views[0], v, (2, 3)))
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['loss_corr'])


def test_label_outside_classes_names_the_file():
    from mmpretrain.structures import DataSample
    from mmseg.structures import SegDataSample
    good = DataSample(metainfo=dict(img_path='a.png')).set_gt_label(9)
    bad = DataSample(metainfo=dict(img_path='b.png')).set_gt_label(12)
    check_labels([good], 10)
    with pytest.raises(ValueError, match=r'b.png: label values \[12\]'):
        check_labels([good, bad], 10)
    seg = SegDataSample(
        metainfo=dict(img_path='x.png', seg_map_path='x_gt.png'))
    labels = torch.tensor([[[0, 18, 255], [255, 3, 1]]])
    seg.gt_sem_seg = PixelData(data=labels)
    check_labels([seg], 19, ignore_index=255)  # 255 is ignored
    seg.gt_sem_seg = PixelData(data=labels.clone().fill_(19))
    with pytest.raises(ValueError) as info:
        check_labels([seg], 19, ignore_index=255, where='the student')
    msg = str(info.value)
    assert 'x_gt.png: label values [19] (6 of 6)' in msg
    assert 'allowed: 0..18 or the ignore index 255' in msg


def run_runner(cfg, work_dir):
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = str(work_dir)
    cfg.log_level = 'WARNING'
    cfg.train_cfg.max_iters = 1
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint.interval = 100
    cfg.experiment_name = f'checks_{osp.basename(str(work_dir))}'
    Runner.from_cfg(cfg).train()


def test_hook_label_check_in_a_run(cfg, digits_root, tmp_path):
    ann = tmp_path / 'ann.txt'
    import glob
    files = sorted(glob.glob(f'{digits_root}/train/*/*.png'))[:2]
    ann.write_text(f'{files[0]} 0\n{files[1]} 12\n')
    cfg.train_dataloader.dataset.update(
        data_prefix='', ann_file=str(ann), with_label=True)
    cfg.train_dataloader.batch_size = 2
    cfg.train_dataloader.sampler.shuffle = False
    with pytest.raises(ValueError) as info:
        run_runner(cfg, tmp_path / 'w')
    msg = str(info.value)
    assert f'{files[1]}: label values [12]' in msg
    assert 'the student (head.num_classes = 10)' in msg


def test_dataset_classes_vs_heads(cfg, tmp_path):
    for part in ('student', 'teacher'):
        cfg.model[part].head.num_classes = 12
        cfg.model[part].data_preprocessor.num_classes = 12
    with pytest.raises(ValueError) as info:
        run_runner(cfg, tmp_path / 'w')
    msg = str(info.value)
    assert 'the training dataset (CustomDataset) has 10 classes' in msg
    assert 'the student has 12 (student head.num_classes)' in msg
    assert 'the teacher has 12 (teacher head.num_classes)' in msg


def test_teacher_student_class_scores_at_build(cfg):
    model = copy.deepcopy(cfg.model)
    model.teacher.head.num_classes = 100
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        with pytest.raises(ValueError) as info:
            MODELS.build(model)
    msg = str(info.value)
    assert 'the teacher has 100 classes (teacher head.num_classes)' in msg
    assert 'the student 10 (student head.num_classes)' in msg
    assert "logits (head.fc)" in msg
    # features only: a teacher from another dataset is fine
    model.distill.recorders.student.pop('logits')
    model.distill.recorders.teacher.pop('logits')
    model.distill.losses.pop('loss_kd')
    model.distill.loss_inputs.pop('loss_kd')
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        MODELS.build(model)


def test_dataset_paths_name_the_key(tmp_path):
    (tmp_path / 'cs' / 'leftImg8bit' / 'train').mkdir(parents=True)
    cfg = Config(
        dict(
            train_dataloader=dict(
                dataset=dict(
                    type='mmdlkd.RandomSubset',
                    dataset=dict(
                        type='CityscapesDataset',
                        data_root=str(tmp_path / 'cs'),
                        data_prefix=dict(
                            img_path='leftImg8bit/train',
                            seg_map_path='gtFine/train')))),
            val_dataloader=dict(
                dataset=dict(
                    type='CustomDataset', data_root='/nowhere/digits')),
            test_dataloader=dict(
                dataset=dict(
                    type='ConcatDataset',
                    datasets=[
                        dict(
                            type='CustomDataset',
                            data_root=str(tmp_path),
                            ann_file='meta/val.txt'),
                        dict(type='CustomDataset', data_root='s3://b/x')
                    ]))))
    with pytest.raises(FileNotFoundError) as info:
        check_dataset_paths(cfg)
    msg = str(info.value)
    assert ('train_dataloader.dataset.dataset.data_prefix.seg_map_path: '
            f"'{tmp_path}/cs/gtFine/train' does not exist") in msg
    assert 'img_path' not in msg
    assert ("val_dataloader.dataset.data_root: directory '/nowhere/digits' "
            'does not exist') in msg
    assert (f"test_dataloader.dataset.datasets[0].ann_file: '{tmp_path}/"
            "meta/val.txt' does not exist") in msg
    assert 's3://' not in msg
    # datasets that download their data are not checked
    check_dataset_paths(
        Config(
            dict(
                default_scope='mmpretrain',
                train_dataloader=dict(
                    dataset=dict(type='CIFAR100', data_root='/nowhere')))))


def test_missing_data_root_fails_fast_in_train_py(tmp_path):
    """Through tools/train.py: fails before the first iteration, naming the
    missing path; nothing is written but the log."""
    missing = str(tmp_path / 'no_digits')
    proc = subprocess.run([
        sys.executable,
        osp.join('tools', 'train.py'), CONFIG, '--work-dir',
        str(tmp_path / 'work'), '--cfg-options',
        f'train_dataloader.dataset.data_root={missing}'
    ],
                          cwd=ROOT,
                          stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT,
                          text=True,
                          timeout=300)
    assert proc.returncode != 0
    assert 'FileNotFoundError' in proc.stdout
    assert missing in proc.stdout
    assert 'Iter(train)' not in proc.stdout
    assert not list((tmp_path / 'work').glob('*.pth'))
