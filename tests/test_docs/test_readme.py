"""README's worked examples run, and every config it names exists."""
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
README = open(osp.join(ROOT, 'README.md')).read()


def _example(title: str) -> str:
    """The python block that starts with ``# README example: <title>``."""
    blocks = re.findall(r'```python\n(.*?)```', README, flags=re.S)
    for block in blocks:
        if block.startswith(f'# README example: {title}\n'):
            return block
    raise AssertionError(f'README has no example {title!r}')


def _build_from_example(title: str, tmp_path):
    text = _example(title).replace("'configs/", f"'{ROOT}/configs/")
    path = tmp_path / 'example.py'
    path.write_text(text)
    cfg = Config.fromfile(str(path))
    # the Runner would pass the top-level preprocessor in
    cfg.model.setdefault('data_preprocessor', cfg.data_preprocessor)
    cfg.model.teacher_ckpt = None
    cfg.model.random_teacher = True
    init_default_scope('mmpretrain')
    from mmdlkd.registry import MODELS
    return MODELS.build(cfg.model)


def _one_step_losses(model) -> dict:
    from mmpretrain.structures import DataSample
    torch.manual_seed(0)
    data = dict(
        inputs=[torch.randint(0, 255, (3, 32, 32), dtype=torch.uint8)] * 4,
        data_samples=[DataSample().set_gt_label(i % 2) for i in range(4)])
    data = model.data_preprocessor(data, True)
    return model.loss(data['inputs'], data['data_samples'])


def test_new_loss_example(tmp_path):
    exec(compile(_example('a new loss'), 'README', 'exec'), {})
    model = _build_from_example('a config using the new loss', tmp_path)
    losses = _one_step_losses(model)
    assert {'loss', 'loss_align', 'loss_corr', 'loss_sup',
            'loss_l1'} <= set(losses)
    assert torch.isfinite(losses['loss_l1']) and losses['loss_l1'] > 0


def test_new_pair_example(tmp_path):
    model = _build_from_example('a new pair', tmp_path)
    assert type(model.student.backbone).__name__ == 'WideResNet'
    losses = _one_step_losses(model)
    assert all(torch.isfinite(v) for k, v in losses.items() if 'loss' in k)


def test_term_left_out_example(tmp_path):
    model = _build_from_example('a term left out', tmp_path)
    assert set(model.distill_losses) == {'loss_align', 'loss_corr'}
    assert set(model.connectors) == {'align', 'corr'}
    losses = _one_step_losses(model)
    assert 'loss_sup' not in losses
    assert all(torch.isfinite(v) for k, v in losses.items() if 'loss' in k)


@pytest.mark.parametrize(
    'path', sorted(set(re.findall(r'configs/[\w/.\-]+\.py', README))))
def test_configs_named_in_readme_exist(path):
    assert osp.isfile(osp.join(ROOT, path)), path


def test_config_in_own_folder_example(tmp_path):
    from mmdlkd.utils import reset_runtime, setup_runtime
    path = tmp_path / 'my_project' / 'pspnet_dlkd_20k.py'
    path.parent.mkdir()
    path.write_text(_example('a config in your own folder'))
    setup_runtime()
    try:
        cfg = Config.fromfile(str(path))
    finally:
        reset_runtime()
    assert cfg.train_cfg.max_iters == 20000
    assert cfg.model.type == 'mmdlkd.Distiller'
