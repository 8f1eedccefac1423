import pytest
from mmengine.registry import DefaultScope


@pytest.fixture(autouse=True)
def restore_default_scope():
    """Undo the global default scope a Runner sets in a test."""
    saved = DefaultScope._instance_dict.copy()
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(saved)


@pytest.fixture
def seg_scope():
    with DefaultScope.overwrite_default_scope('mmseg'):
        yield


@pytest.fixture
def cls_scope():
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        yield
