"""DatasetCheckHook in a run: labels outside the classes and dataset classes
that differ from the heads' stop the run before the first step."""
import copy
import glob
import os.path as osp

import pytest
from mmengine.runner import Runner


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


def test_hook_label_check_in_a_run(tiny_distill_cfg, digits_root, tmp_path):
    ann = tmp_path / 'ann.txt'
    files = sorted(glob.glob(f'{digits_root}/train/*/*.png'))[:2]
    ann.write_text(f'{files[0]} 0\n{files[1]} 12\n')
    tiny_distill_cfg.train_dataloader.dataset.update(
        data_prefix='', ann_file=str(ann), with_label=True)
    tiny_distill_cfg.train_dataloader.batch_size = 2
    tiny_distill_cfg.train_dataloader.sampler.shuffle = False
    with pytest.raises(ValueError) as info:
        run_runner(tiny_distill_cfg, tmp_path / 'w')
    msg = str(info.value)
    assert f'{files[1]}: label values [12]' in msg
    assert 'the student (head.num_classes = 10)' in msg


def test_dataset_classes_vs_heads(tiny_distill_cfg, tmp_path):
    for part in ('student', 'teacher'):
        tiny_distill_cfg.model[part].head.num_classes = 12
        tiny_distill_cfg.model[part].data_preprocessor.num_classes = 12
    with pytest.raises(ValueError) as info:
        run_runner(tiny_distill_cfg, tmp_path / 'w')
    msg = str(info.value)
    assert 'the training dataset (CustomDataset) has 10 classes' in msg
    assert 'the student has 12 (student head.num_classes)' in msg
    assert 'the teacher has 12 (teacher head.num_classes)' in msg
