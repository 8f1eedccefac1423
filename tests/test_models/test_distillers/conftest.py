import pytest
from mmengine.registry import DefaultScope


@pytest.fixture
def seg_scope():
    with DefaultScope.overwrite_default_scope('mmseg'):
        yield


@pytest.fixture
def cls_scope():
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        yield
