"""tools/model_converters/export_student.py: export, strict reload."""
import copy
import os.path as osp
import re

import pytest
import torch
from mmengine.hooks import EMAHook
from mmengine.registry import DefaultScope
from mmengine.runner import Runner, load_checkpoint, save_checkpoint
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
        save_checkpoint(dict(state_dict=model.state_dict(), meta=meta), src)
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

        assert ckpt['meta']['student_weights'] == 'raw'
        # without EMA, --no-ema is the default; --ema has nothing to export
        raw_dst = str(tmp_path / 'raw.pth')
        assert tool.main([src, raw_dst, '--no-ema']) == 0
        for key, value in torch.load(raw_dst)['state_dict'].items():
            assert torch.equal(value, ckpt['state_dict'][key])
        with pytest.raises(
                KeyError, match=re.escape(src) + ': .*no ema_state_dict'):
            tool.main([src, str(tmp_path / 'ema.pth'), '--ema'])
        assert not osp.exists(tmp_path / 'ema.pth')


def test_export_refuses_non_distiller_checkpoint(tmp_path):
    tool = load_export_tool()
    src = str(tmp_path / 'plain.pth')
    torch.save({'state_dict': {'backbone.w': torch.zeros(1)}}, src)
    with pytest.raises(KeyError, match="no key starts with 'student.'"):
        tool.main([src, str(tmp_path / 'x.pth')])
    assert not osp.exists(tmp_path / 'x.pth')


def test_ema_run_exports_the_averaged_student(tiny_distill_cfg, tmp_path):
    """A real run under mmengine's EMAHook: its checkpoints hold the averaged
    weights in state_dict and the raw ones in ema_state_dict."""
    cfg = tiny_distill_cfg
    cfg.work_dir = str(tmp_path)
    cfg.log_level = 'WARNING'
    # validation at the end: EMAHook swaps the weights in and out again
    cfg.train_cfg = dict(by_epoch=False, max_iters=3, val_interval=3)
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', by_epoch=False, interval=3)
    cfg.custom_hooks += [
        dict(type='mmdlkd.StudentCheckpointHook'),
        dict(type='EMAHook', momentum=0.5)
    ]
    runner = Runner.from_cfg(cfg)
    runner.train()
    ema_hook = next(h for h in runner.hooks if isinstance(h, EMAHook))
    averaged = ema_hook.ema_model.module.student.state_dict()
    raw = runner.model.student.state_dict()
    params = [k for k, _ in runner.model.student.named_parameters()]
    assert all(not torch.equal(averaged[k], raw[k]) for k in params)

    src = str(tmp_path / 'iter_3.pth')
    saved = torch.load(src, weights_only=False)
    assert int(saved['ema_state_dict']['steps']) == 3
    for key in averaged:  # mmengine's layout, as the module docs describe
        assert torch.equal(saved['state_dict']['student.' + key],
                           averaged[key])
        assert torch.equal(saved['ema_state_dict']['module.student.' + key],
                           raw[key])

    def assert_student(path, expected, kind):
        plain = MODELS.build(cfg.model.student)
        ckpt = load_checkpoint(plain, path, strict=True)
        assert ckpt['meta']['student_weights'] == kind
        assert set(ckpt['state_dict']) == set(expected)
        for key, value in ckpt['state_dict'].items():
            assert torch.equal(value, expected[key]), key

    with DefaultScope.overwrite_default_scope('mmpretrain'):
        assert_student(str(tmp_path / 'iter_3_student.pth'), averaged, 'ema')
        tool = load_export_tool()
        for flags, expected, kind in (([], averaged, 'ema'), (['--ema'],
                                                              averaged, 'ema'),
                                      (['--no-ema'], raw, 'raw')):
            dst = str(tmp_path / f'export{len(flags)}{kind}.pth')
            assert tool.main([src, dst, *flags]) == 0
            assert_student(dst, expected, kind)
