"""``_base_ = 'mmdlkd::...'`` in a config outside the repository, through
the Python API after setup_runtime()."""
import os.path as osp

import pytest
from mmengine.config import Config

from mmdlkd.utils import package_config_path, reset_runtime, setup_runtime
from mmdlkd.utils.package_configs import configs_root

USER_CONFIG = '''
_base_ = 'mmdlkd::dlkd/pspnet_r101_r18_cityscapes.py'
train_cfg = dict(max_iters=123)
model = dict(distill=dict(losses=dict(loss_align=dict(loss_weight=2.5))))
'''


@pytest.fixture
def user_config(tmp_path) -> str:
    path = tmp_path / 'elsewhere' / 'my_pspnet.py'
    path.parent.mkdir()
    path.write_text(USER_CONFIG)
    return str(path)


@pytest.fixture
def runtime():
    setup_runtime()
    yield
    reset_runtime()


def test_user_config_inherits_a_package_config(runtime, user_config,
                                               repo_root):
    assert not user_config.startswith(repo_root)
    cfg = Config.fromfile(user_config)
    ours = Config.fromfile(
        osp.join(repo_root, 'configs', 'dlkd',
                 'pspnet_r101_r18_cityscapes.py'))
    assert cfg.train_cfg.max_iters == 123
    assert cfg.model.distill.losses.loss_align.loss_weight == 2.5
    # everything else as in the package's config, in its own scope (no
    # _scope_='mmdlkd' is added to inherited type dicts)
    assert cfg.default_scope == ours.default_scope == 'mmseg'
    assert cfg.model.type == 'mmdlkd.Distiller'
    assert cfg.model.student == ours.model.student
    assert cfg.model.get('_scope_') is None
    assert cfg.train_dataloader == ours.train_dataloader
    assert cfg.custom_imports == ours.custom_imports


def test_without_setup_mmengine_refuses(user_config):
    reset_runtime()
    with pytest.raises(
            AssertionError, match='does not support to load mmdlkd'):
        Config.fromfile(user_config)


def test_other_packages_resolve_as_before(runtime, tmp_path):
    path = tmp_path / 'psp.py'
    path.write_text("_base_ = 'mmseg::_base_/models/pspnet_r50-d8.py'\n")
    assert Config.fromfile(str(path)).model.type == 'EncoderDecoder'


def test_unknown_or_escaping_names_are_refused(repo_root):
    assert package_config_path('mmdlkd::dlkd/pspnet_r101_r18_cityscapes.py') \
        == osp.realpath(osp.join(repo_root, 'configs', 'dlkd',
                                 'pspnet_r101_r18_cityscapes.py'))
    assert configs_root() == osp.realpath(osp.join(repo_root, 'configs'))
    with pytest.raises(FileNotFoundError, match='mmdlkd::dlkd/nope.py'):
        package_config_path('mmdlkd::dlkd/nope.py')
    with pytest.raises(FileNotFoundError, match='not a file in'):
        package_config_path('mmdlkd::../setup.py')
