"""The teacher configs of the model index build their upstream models."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmdlkd  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', 'teachers', '*.py')))


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_teacher_config_builds(path):
    cfg = Config.fromfile(path)
    cfg.model.pop('pretrained', None)
    cfg.model.backbone.init_cfg = None
    init_default_scope(cfg.default_scope)
    from mmengine.registry import MODELS
    model = MODELS.build(cfg.model)
    depth = 101 if 'r101' in path else 34
    assert model.backbone.depth == depth
