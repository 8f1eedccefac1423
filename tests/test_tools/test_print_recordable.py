"""tools/analysis/print_recordable.py: each module that runs, with its
output (tuple items, token grids), built without weights or downloads."""
import os.path as osp

import pytest
from train_utils import ROOT, load_tool

TOOL = load_tool(
    osp.join('analysis', 'print_recordable.py'), 'print_recordable')
VIT_DLKD = osp.join(ROOT, 'configs', 'transformers',
                    'vit-d6-p4_resnet8_dlkd_fashion-mnist.py')
SEGFORMER = osp.join(ROOT, 'configs', 'transformers',
                     'pspnet_r101_segformer-mit-b0_dlkd_cityscapes.py')


def rows(text: str) -> dict:
    """``{module path: the rest of its line, whitespace collapsed}``."""
    out = {}
    for line in text.splitlines()[2:]:
        parts = line.split()
        if parts and not line.startswith('('):
            out[parts[0]] = ' '.join(parts[1:])
    return out


def test_vit_teacher_tokens_and_tuples(capsys):
    assert TOOL.main([VIT_DLKD, '--teacher', '--max-depth', '2']) == 0
    text = capsys.readouterr().out
    assert text.startswith('teacher: ImageClassifier, input (2, 1, 32, 32)')
    table = rows(text)
    assert table['backbone'] == 'VisionTransformer [0] (2, 128)'
    assert table['backbone.ln1'] == 'LayerNorm (2, 65, 128) tokens 1 + 8x8'
    assert table['backbone.patch_embed'] == (
        'PatchEmbed [0] (2, 64, 128) tokens 8x8 [1] (8, 8)')
    assert 'backbone.layers.0' not in table  # deeper than --max-depth
    assert 'modules did not run' in text


def test_student_of_a_distiller_is_the_default(capsys):
    assert TOOL.main([VIT_DLKD, '--max-depth', '1']) == 0
    text = capsys.readouterr().out
    # the training crop of the config's pipeline, the grey stem
    assert text.startswith('student: ImageClassifier, input (2, 1, 32, 32)')
    table = rows(text)
    assert table['backbone'] == 'CifarResNet [0] (2, 64, 8, 8)'
    assert table['neck'] == 'GlobalAveragePooling [0] (2, 64)'
    assert table['head'] == 'LinearClsHead (2, 10)'


def test_mit_block_inputs_show_the_grid(capsys):
    """mmseg's MiT blocks take (tokens, hw_shape): the grid a recorder's
    tokens=dict(to='map', hw_from=('input', 1)) reads."""
    assert TOOL.main([SEGFORMER, '--shape', '3', '64', '128', '--inputs']) \
        == 0
    table = rows(capsys.readouterr().out)
    assert table['backbone.layers.0.1.0'] == (
        'TransformerEncoderLayer (2, 512, 32) tokens [0] (2, 512, 32) '
        'tokens [1] (16, 32)')
    assert table['decode_head.fusion_conv'].startswith(
        'ConvModule (2, 256, 16, 32)')


def test_errors(capsys, tmp_path):
    plain = osp.join(ROOT, 'configs', 'fashion_mnist',
                     'resnet8_fashion-mnist.py')
    with pytest.raises(ValueError, match='--teacher needs a distiller'):
        TOOL.main([plain, '--teacher'])
    # a pass that fails part-way shows the modules that ran, then the error
    assert TOOL.main([plain, '--shape', '3', '32', '32']) == 1
    text = capsys.readouterr().out
    assert 'the forward pass stopped after the modules above: ' \
        'RuntimeError' in text
    assert 'backbone' not in rows(text)
