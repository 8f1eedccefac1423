"""mmdlkd types resolve as ``mmdlkd.X`` from the host scopes, and host
types resolve inside mmdlkd modules."""
from mmengine.registry import init_default_scope

import mmdlkd  # noqa: F401


def test_prefixed_type_builds_under_mmseg_scope(cityscapes_root):
    from mmseg.registry import DATASETS
    init_default_scope('mmseg')
    subset = DATASETS.build(
        dict(
            type='mmdlkd.RandomSubset',
            fraction=0.5,
            dataset=dict(
                type='CityscapesDataset',
                data_root=cityscapes_root,
                data_prefix=dict(
                    img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
                pipeline=[])))
    assert len(subset) == 4
    assert subset.metainfo['classes'][0] == 'road'


def test_registries_are_children_of_mmengine():
    from mmengine.registry import MODELS as ROOT_MODELS

    from mmdlkd.registry import MODELS
    assert MODELS.scope == 'mmdlkd'
    assert ROOT_MODELS.children['mmdlkd'] is MODELS
