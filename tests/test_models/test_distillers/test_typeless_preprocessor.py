"""mmengine's Runner passes mmpretrain's top-level data_preprocessor, which
has no type, into the distiller: the student's preprocessor type is used."""
import torch
from distill_helpers import cls_model
from mmengine.registry import init_default_scope

from mmdlkd.registry import MODELS


def test_typeless_top_level_preprocessor_gets_students_type():
    init_default_scope('mmpretrain')
    student = cls_model()
    student.pop('data_preprocessor', None)
    model = MODELS.build(
        dict(
            type='mmdlkd.Distiller',
            random_teacher=True,
            student=student,
            teacher=cls_model(),
            data_preprocessor=dict(
                num_classes=10, mean=[100.] * 3, std=[50.] * 3, to_rgb=True)))
    pre = model.data_preprocessor
    assert type(pre).__name__ == 'ClsDataPreprocessor'
    batch = pre(dict(inputs=[torch.full((3, 4, 4), 150, dtype=torch.uint8)]))
    assert torch.allclose(batch['inputs'], torch.ones(1, 3, 4, 4))
