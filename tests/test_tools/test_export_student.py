"""tools/model_converters/export_student.py: export, strict reload."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint, save_checkpoint
from mmpretrain.structures import DataSample
from tiny_models import cls_model
from train_utils import load_tool

from mmdlkd.registry import MODELS


def load_export_tool():
    return load_tool(
        osp.join('model_converters', 'export_student.py'),
        'export_student_tool')


def distiller_cfg():
    return dict(
        type='mmdlkd.Distiller',
        random_teacher=True,
        student=cls_model(16),
        teacher=cls_model(32),
        distill=dict(
            recorders=dict(
                student=dict(f=dict(source='neck', index=0)),
                teacher=dict(f=dict(source='neck', index=0))),
            connectors=dict(
                p=dict(
                    type='mmdlkd.LinearConnector',
                    in_channels=32,
                    out_channels=64)),
            losses=dict(loss_f=dict(type='mmdlkd.AlignLoss')),
            loss_inputs=dict(
                loss_f=dict(s_feat=('student.f', 'p'), t_feat='teacher.f'))))


def test_export_then_strict_reload_same_predictions(tmp_path):
    tool = load_export_tool()
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        torch.manual_seed(0)
        model = MODELS.build(distiller_cfg()).eval()
        src = str(tmp_path / 'iter_10.pth')
        meta = dict(dataset_meta=dict(classes=list('abcde')))
        save_checkpoint(
            dict(
                state_dict=model.state_dict(),
                meta=meta,
                ema_state_dict={
                    'steps': torch.tensor(3),
                    **{
                        'module.' + k: v * 0
                        for k, v in model.state_dict().items()
                    }
                }), src)
        dst = str(tmp_path / 'out' / 'student.pth')
        assert tool.main([src, dst]) == 0
        plain = MODELS.build(cls_model(16)).eval()
        ckpt = load_checkpoint(plain, dst, strict=True)
        assert ckpt['meta']['dataset_meta']['classes'] == list('abcde')
        assert ckpt['meta']['exported_from'] == src
        assert not any(
            k.startswith(('student.', 'teacher.')) for k in ckpt['state_dict'])
        inputs = torch.randn(2, 3, 32, 32)
        samples = [DataSample().set_gt_label(i) for i in range(2)]
        ref = model(inputs, copy.deepcopy(samples), mode='predict')
        out = plain.predict(inputs, copy.deepcopy(samples))
        for a, b in zip(ref, out):
            assert torch.equal(a.pred_score, b.pred_score)

        ema_dst = str(tmp_path / 'ema.pth')
        assert tool.main([src, ema_dst, '--ema']) == 0
        state = torch.load(ema_dst)['state_dict']
        assert set(state) == set(plain.state_dict())
        assert all(not v.any() for v in state.values()
                   if v.is_floating_point())


def test_export_refuses_non_distiller_checkpoint(tmp_path):
    tool = load_export_tool()
    src = str(tmp_path / 'plain.pth')
    torch.save({'state_dict': {'backbone.w': torch.zeros(1)}}, src)
    with pytest.raises(KeyError, match="no key starts with 'student.'"):
        tool.main([src, str(tmp_path / 'x.pth')])
    assert not osp.exists(tmp_path / 'x.pth')
