"""Settings that would train a wrong model fail in tools/train.py, as a user
runs it, with the key to use."""
import os.path as osp
import subprocess
import sys

from mmengine.config import Config

from mmdlkd.utils import check_cfg_options

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DLKD = 'configs/fashion_mnist/resnet20_resnet8_dlkd_fashion-mnist.py'
TINY = 'tests/data/configs/tiny_distill_digits.py'


def train_fails(config: str, *options: str) -> str:
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', config, '--cfg-options', *options],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300)
    assert proc.returncode != 0, proc.stdout[-3000:]
    return proc.stdout


def test_distiller_without_teacher_weights_is_refused(digits_root, tmp_path):
    out = train_fails(TINY, 'model.random_teacher=False',
                      f'train_dataloader.dataset.data_root={digits_root}',
                      f'val_dataloader.dataset.data_root={digits_root}',
                      f'test_dataloader.dataset.data_root={digits_root}',
                      f'work_dir={tmp_path}')
    assert 'model.teacher_ckpt is not set' in out
    assert 'model.random_teacher=True' in out
    assert not osp.exists(tmp_path / 'last_checkpoint')


def test_top_level_teacher_ckpt_override_names_the_model_key(tmp_path):
    out = train_fails(DLKD, 'teacher_ckpt=/x/teacher.pth',
                      f'work_dir={tmp_path}')
    assert 'changes nothing that is built' in out
    assert ("'teacher_ckpt' is a variable of " + DLKD) in out
    assert 'set model.teacher_ckpt instead' in out


def test_check_cfg_options_lists_every_key_of_a_variable():
    cfg = Config.fromfile(osp.join(ROOT, DLKD))
    try:
        check_cfg_options(cfg, {'max_iters': 400, 'model.num_views': 2}, DLKD)
    except ValueError as err:
        msg = str(err)
    else:
        raise AssertionError('max_iters=400 was accepted')
    assert 'max_iters:' in msg and 'model.num_views' not in msg
    for key in ('train_cfg.max_iters', 'train_cfg.val_interval',
                'default_hooks.checkpoint.interval'):
        assert key in msg
    try:
        check_cfg_options(cfg, {'modle.num_views': 2}, DLKD)
    except ValueError as err:
        assert "has no key 'modle'" in str(err)
    else:
        raise AssertionError('a misspelt key was accepted')
    # runner keys pass
    check_cfg_options(cfg, {'model.teacher_ckpt': 'x', 'train_cfg.a': 1}, DLKD)


def test_mixup_with_the_supervised_term_is_refused(digits_root, tmp_path):
    config = tmp_path / 'dlkd_mixup.py'
    config.write_text(
        f"_base_ = ['{ROOT}/configs/demo/dlkd_resnet20_resnet8_digits_10pct"
        ".py']\n"
        'data_preprocessor = dict(batch_augments=dict(augments=[dict('
        "type='Mixup', alpha=0.8)]))\n")
    out = train_fails(
        str(config), 'model.teacher_ckpt=None', 'model.random_teacher=True',
        'train_dataloader.dataset.dataset.data_root='
        f'{digits_root}',
        *(f'{split}_dataloader.dataset.data_root={digits_root}'
          for split in ('val', 'test')), f'work_dir={tmp_path}/w')
    assert 'carries mixed scores (gt_score)' in out
    assert 'Mixup / CutMix' in out
