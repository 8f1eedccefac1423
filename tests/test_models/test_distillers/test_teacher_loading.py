"""Teacher from configs and checkpoints: loading, errors, init_weights."""
import copy

import pytest
import torch
from distill_helpers import build, cls_batch, cls_distill, cls_model, seg_model
from mmengine.config import ConfigDict

from mmdlkd.models.distillers.teacher import (clear_pretrained,
                                              load_teacher_config)
from mmdlkd.registry import MODELS


def build_cfg(cfg):
    return ConfigDict(copy.deepcopy(cfg))


def make(teacher, ckpt=None, **kwargs):
    return dict(
        type='mmdlkd.Distiller',
        student=cls_model(base=16),
        teacher=teacher,
        teacher_ckpt=ckpt,
        distill=cls_distill(),
        **kwargs)


def save_teacher(tmp_path, name='teacher.pth', base=32, edit=None):
    torch.manual_seed(1)
    teacher = MODELS.build(cls_model(base=base))
    state = teacher.state_dict()
    if edit is not None:
        edit(state)
    path = str(tmp_path / name)
    torch.save({'state_dict': state, 'meta': {}}, path)
    return path, state


def test_teacher_from_local_config_and_checkpoint(cls_scope, tmp_path):
    cfg_file = tmp_path / 'teacher_cfg.py'
    teacher_cfg = cls_model(base=32)
    teacher_cfg['backbone']['init_cfg'] = dict(
        type='Pretrained', checkpoint='https://example.invalid/r18.pth')
    cfg_file.write_text(f'default_scope = "mmpretrain"\nmodel = '
                        f'{teacher_cfg!r}\n')
    ckpt, state = save_teacher(tmp_path)
    model = build(make(dict(cfg_path=str(cfg_file)), ckpt))
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, state[key]), key
    # init_weights neither downloads nor touches the loaded teacher
    model.init_weights()
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, state[key]), key
    assert model.teacher.backbone.init_cfg is None
    inputs, samples = cls_batch()
    assert set(model.loss(inputs, samples)) == {'loss', 'loss_align'}


def test_cfg_path_overrides_and_scope(tmp_path):
    cfg_file = tmp_path / 'seg_cfg.py'
    cfg_file.write_text(f'default_scope = "mmseg"\nmodel = '
                        f'{seg_model()!r}\n')
    cfg = load_teacher_config(
        dict(cfg_path=str(cfg_file), decode_head=dict(num_classes=7)))
    assert cfg['_scope_'] == 'mmseg'
    assert cfg['decode_head']['num_classes'] == 7
    assert cfg['decode_head']['channels'] == 8
    # a ConfigDict: mmseg's EncoderDecoder sets attributes on sub-configs
    assert isinstance(cfg, ConfigDict)
    teacher = MODELS.build(cfg)
    assert teacher.decode_head.conv_seg.out_channels == 7


PSP_R18 = 'mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py'


def test_package_cfg_path_resolves():
    cfg = load_teacher_config(
        dict(cfg_path=PSP_R18, backbone=dict(norm_cfg=dict(type='BN'))))
    assert cfg['type'] == 'EncoderDecoder'
    assert cfg['_scope_'] == 'mmseg'
    assert cfg['backbone']['depth'] == 18
    assert cfg['backbone']['norm_cfg']['type'] == 'BN'
    assert cfg['pretrained'] == 'open-mmlab://resnet18_v1c'
    clear_pretrained(cfg)
    assert cfg['pretrained'] is None
    cfg = load_teacher_config(
        dict(cfg_path='mmpretrain::resnet/resnet18_8xb32_in1k.py'))
    assert cfg['backbone']['type'] == 'ResNet'
    assert cfg['_scope_'] == 'mmpretrain'
    with pytest.raises(FileNotFoundError, match='no_such'):
        load_teacher_config(dict(cfg_path='mmseg::no_such/cfg.py'))


def test_missing_checkpoint_names_the_file(cls_scope, tmp_path):
    missing = str(tmp_path / 'nowhere' / 'teacher.pth')
    with pytest.raises(FileNotFoundError, match='nowhere/teacher.pth'):
        build(make(cls_model(base=32), missing))
    corrupt = tmp_path / 'corrupt.pth'
    corrupt.write_bytes(b'not a checkpoint')
    with pytest.raises(RuntimeError, match='corrupt.pth'):
        build(make(cls_model(base=32), str(corrupt)))


def test_mismatched_checkpoint_lists_keys_and_shapes(cls_scope, tmp_path):

    def edit(state):
        state['extra.weight'] = torch.zeros(1)
        state.pop('head.fc.bias')
        state['head.fc.weight'] = torch.zeros(3, 3)

    ckpt, _ = save_teacher(tmp_path, 'other_arch.pth', edit=edit)
    with pytest.raises(RuntimeError) as info:
        build(make(cls_model(base=32), ckpt))
    msg = str(info.value)
    assert 'other_arch.pth' in msg
    assert 'missing keys (1): head.fc.bias' in msg
    assert 'unexpected keys (1): extra.weight' in msg
    assert 'head.fc.weight: checkpoint (3, 3) vs model (5, 64)' in msg
    # not strict: the matching tensors are loaded
    model = build(make(cls_model(base=32), ckpt, teacher_strict=False))
    ref = torch.load(ckpt)['state_dict']
    assert torch.equal(model.teacher.backbone.conv1.weight,
                       ref['backbone.conv1.weight'])


def test_module_prefix_is_stripped(cls_scope, tmp_path):
    ckpt, state = save_teacher(tmp_path)
    wrapped = {'module.' + k: v for k, v in state.items()}
    torch.save({'state_dict': wrapped}, ckpt)
    model = build(make(cls_model(base=32), ckpt))
    assert torch.equal(model.teacher.head.fc.weight, state['head.fc.weight'])


def test_inline_teacher_needs_type():
    with pytest.raises(ValueError, match="'type' or a dict with 'cfg_path'"):
        load_teacher_config(dict(backbone=dict()))


def test_clear_pretrained_nested():
    cfg = dict(
        pretrained='x',
        backbone=dict(init_cfg=[
            dict(type='Pretrained', checkpoint='y'),
            dict(type='Kaiming')
        ]),
        heads=[dict(init_cfg=dict(type='Pretrained', checkpoint='z'))])
    clear_pretrained(copy.deepcopy(cfg))
    clear_pretrained(cfg)
    assert cfg['pretrained'] is None
    assert cfg['backbone']['init_cfg'] == [dict(type='Kaiming')]
    assert cfg['heads'][0]['init_cfg'] is None


def test_seg_teacher_pretrained_is_cleared(seg_scope, tmp_path):
    from distill_helpers import seg_distill
    torch.manual_seed(2)
    teacher = MODELS.build(build_cfg(seg_model(base=8)))
    ckpt = str(tmp_path / 'psp.pth')
    torch.save({'state_dict': teacher.state_dict()}, ckpt)
    model = build(
        dict(
            type='mmdlkd.Distiller',
            student=seg_model(base=8),
            teacher=seg_model(base=8, pretrained='open-mmlab://resnet18_v1c'),
            teacher_ckpt=ckpt,
            distill=seg_distill()))
    model.init_weights()  # would try to download resnet18_v1c otherwise
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, teacher.state_dict()[key]), key


def test_missing_num_batches_tracked_is_not_an_error(cls_scope, tmp_path):
    # as mmengine's load_state_dict: BN's step counters may be absent (e.g.
    # checkpoints converted from other frameworks)
    def edit(state):
        for key in [k for k in state if k.endswith('num_batches_tracked')]:
            del state[key]

    ckpt, state = save_teacher(tmp_path, 'no_nbt.pth', edit=edit)
    assert not any('num_batches_tracked' in k for k in state)
    model = build(make(cls_model(base=32), ckpt))
    own = model.teacher.state_dict()
    assert any(k.endswith('num_batches_tracked') for k in own)
    for key, value in state.items():
        assert torch.equal(own[key], value), key
    # any other missing key still is
    ckpt, _ = save_teacher(
        tmp_path, 'no_bias.pth', edit=lambda s: s.pop('head.fc.bias'))
    with pytest.raises(RuntimeError, match=r'missing keys \(1\): head.fc.b'):
        build(make(cls_model(base=32), ckpt))


class _ExecPayload:

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').close()", ))


def test_teacher_checkpoint_with_pickled_code_is_refused(cls_scope, tmp_path):
    ckpt, state = save_teacher(tmp_path)
    marker = tmp_path / 'marker'
    torch.save({'state_dict': state, 'meta': _ExecPayload(str(marker))}, ckpt)
    with pytest.raises(
            RuntimeError,
            match='refusing to load checkpoint .*'
            r'teacher\.pth.*builtins\.exec'):
        build(make(cls_model(base=32), ckpt))
    assert not marker.exists()
