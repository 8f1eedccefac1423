"""README and its detail pages (docs/install.md, docs/usage.md,
docs/extending.md): their worked examples run, and every config they name
exists.

The examples are the python blocks that start with
``# docs example: <title>`` in docs/extending.md and docs/usage.md."""
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PAGES = ('README.md', 'docs/install.md', 'docs/usage.md', 'docs/extending.md')


def _read(page: str) -> str:
    with open(osp.join(ROOT, page)) as f:
        return f.read()


def _example(title: str, page: str = 'docs/extending.md') -> str:
    """The python block of ``page`` that starts with
    ``# docs example: <title>``."""
    blocks = re.findall(r'```python\n(.*?)```', _read(page), flags=re.S)
    for block in blocks:
        if block.startswith(f'# docs example: {title}\n'):
            return block
    raise AssertionError(f'{page} has no example {title!r}')


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
    exec(compile(_example('a new loss'), 'docs/extending.md', 'exec'), {})
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


def _configs_named() -> list:
    return sorted({
        (page, path)
        for page in PAGES
        for path in re.findall(r'configs/[\w/.\-]+\.py', _read(page))
    })


def test_pages_name_configs():
    pages = {page for page, _ in _configs_named()}
    assert {'README.md', 'docs/usage.md', 'docs/extending.md'} <= pages


@pytest.mark.parametrize('page,path', _configs_named())
def test_configs_named_in_readme_and_docs_exist(page, path):
    assert osp.isfile(osp.join(ROOT, path)), f'{page} names {path}'


def test_config_in_own_folder_example(tmp_path):
    from mmdlkd.utils import reset_runtime, setup_runtime
    path = tmp_path / 'my_project' / 'pspnet_dlkd_20k.py'
    path.parent.mkdir()
    path.write_text(
        _example('a config in your own folder', page='docs/usage.md'))
    setup_runtime()
    try:
        cfg = Config.fromfile(str(path))
    finally:
        reset_runtime()
    assert cfg.train_cfg.max_iters == 20000
    assert cfg.model.type == 'mmdlkd.Distiller'
