"""Token sequences [N, L, C] as maps and vectors: hand-computed layouts,
agreement with mmpretrain's own ViT output types and mmseg's MiT / Swin
stage outputs, gradients, and the errors that say what to set."""
import pytest
import torch
from mmengine.registry import DefaultScope

from mmdlkd.models.connectors import TokenPool, TokensToMap
from mmdlkd.models.connectors.tokens import (RecordedTokens, convert_tokens,
                                             grid_hint)
from mmdlkd.models.recorders import RecorderManager


def tokens(n=2, extra=1, h=2, w=3, c=4, dtype=torch.float32):
    """Token ``l`` of image ``n`` holds ``100 * n + 10 * l + channel``."""
    num = extra + h * w
    idx = (100 * torch.arange(n)[:, None, None] +
           10 * torch.arange(num)[None, :, None] +
           torch.arange(c)[None, None, :])
    return idx.to(dtype)


def test_map_layout_is_raster_order_after_the_extra_tokens():
    x = tokens(extra=1, h=2, w=3)
    out = TokensToMap(num_extra_tokens=1, hw_shape=(2, 3))(x)
    assert out.shape == (2, 4, 2, 3)
    for n in range(2):
        for c in range(4):
            for i in range(2):
                for j in range(3):
                    # token 1 + i * 3 + j
                    expected = 100 * n + 10 * (1 + i * 3 + j) + c
                    assert out[n, c, i, j] == expected
    # a view of the input, no copy
    assert out.untyped_storage().data_ptr() == \
        x.untyped_storage().data_ptr()


def test_square_grid_inferred_and_pooling():
    x = tokens(extra=1, h=3, w=3)
    out = TokensToMap(num_extra_tokens=1)(x)
    assert out.shape == (2, 4, 3, 3)
    assert torch.equal(out[:, :, 2, 1], x[:, 1 + 2 * 3 + 1])
    assert torch.equal(TokenPool(1, 'cls')(x), x[:, 0])
    assert torch.equal(TokenPool(1)(x), x[:, 1:].mean(1))
    # no extra token: all tokens are patches
    assert torch.equal(TokenPool(0)(x), x.mean(1))
    swin = tokens(extra=0, h=2, w=2)
    assert torch.equal(
        TokensToMap(0)(swin),
        swin.reshape(2, 2, 2, 4).permute(0, 3, 1, 2))


def test_gradients_float64():
    x = torch.randn(2, 1 + 6, 3, dtype=torch.float64, requires_grad=True)
    for module in (TokensToMap(1, (2, 3)), TokenPool(1), TokenPool(1, 'cls')):
        assert torch.autograd.gradcheck(module, (x, ))


@pytest.mark.parametrize('num, hint', [(65, '1 + 8x8'), (64, '8x8'),
                                       (198, '2 + 14x14'), (50, '1 + 7x7'),
                                       (7, ''), (2, '')])
def test_grid_hint(num, hint):
    assert grid_hint(num) == hint


def test_errors_name_the_numbers_and_the_option():
    x = tokens(extra=1, h=8, w=8, c=2)
    with pytest.raises(ValueError) as info:
        TokensToMap(num_extra_tokens=0)(x)
    msg = str(info.value)
    assert '65 tokens' in msg and '(65 = 1 + 8x8)' in msg
    assert 'num_extra_tokens' in msg and 'hw_shape' in msg
    with pytest.raises(ValueError, match=r'do not fill hw_shape=\(4, 8\)'):
        TokensToMap(1, hw_shape=(4, 8))(x)
    with pytest.raises(
            ValueError,
            match=r'token sequence \[N, L, C\], got '
            r'\(2, 2, 8, 8\)'):
        TokensToMap(0)(torch.zeros(2, 2, 8, 8))
    with pytest.raises(ValueError, match="to='cls' .* num_extra_tokens >= 1"):
        TokenPool(0, 'cls')
    with pytest.raises(ValueError, match="mode must be 'mean' or 'cls'"):
        TokenPool(1, 'map')
    with pytest.raises(ValueError, match='num_extra_tokens must be an int'):
        TokensToMap(-1)
    with pytest.raises(ValueError, match='no patch token'):
        convert_tokens(torch.zeros(2, 1, 4), 'mean', 1)


def _vit(out_type):
    from mmpretrain.models import VisionTransformer
    torch.manual_seed(0)
    vit = VisionTransformer(
        arch=dict(
            embed_dims=16, num_layers=1, num_heads=2, feedforward_channels=32),
        img_size=(16, 24),
        patch_size=4,
        out_type=out_type)
    vit.eval()  # mmpretrain's train() returns None
    return vit


def test_agrees_with_mmpretrain_vit_output_types():
    """The 'raw' tokens of mmpretrain's ViT, converted, are its own
    'featmap' and 'cls_token' outputs (a 4x6 grid and a class token)."""
    img = torch.randn(2, 3, 16, 24)
    raw = _vit('raw')(img)[-1]
    assert raw.shape == (2, 1 + 4 * 6, 16)
    featmap = _vit('featmap')(img)[-1]
    assert torch.equal(TokensToMap(1, hw_shape=(4, 6))(raw), featmap)
    cls = _vit('cls_token')(img)[-1]
    assert torch.equal(TokenPool(1, 'cls')(raw), cls)


def _swin():
    from mmpretrain.models import SwinTransformer
    torch.manual_seed(0)
    swin = SwinTransformer(
        arch=dict(embed_dims=8, depths=[1, 1], num_heads=[1, 2]),
        img_size=(16, 32),
        patch_size=2,
        window_size=4,
        out_indices=(0, 1))
    swin.eval()
    return swin


def test_recorder_reads_the_grid_from_a_swin_stage_output():
    """A Swin stage returns (tokens, hw_shape): hw_from=('output', 1) makes
    a map of its non-square grid, whose stage norm is the map the backbone
    returns; the norm's own tokens need the grid given (hw_shape)."""
    swin = _swin()
    manager = RecorderManager(
        swin,
        dict(
            stage=dict(
                source='stages.1',
                index=0,
                tokens=dict(
                    to='map', num_extra_tokens=0, hw_from=('output', 1))),
            normed=dict(
                source='norm1',
                tokens=dict(to='map', num_extra_tokens=0, hw_shape=(4, 8)))),
        'student')
    img = torch.randn(2, 3, 16, 32)
    with manager.recording():
        outs = swin(img)
    assert outs[1].shape == (2, 16, 4, 8)
    assert torch.equal(manager.get('normed'), outs[1])
    stage = manager.get('stage')
    assert stage.shape == (2, 16, 4, 8)
    assert torch.allclose(
        swin.norm1(stage.permute(0, 2, 3, 1)).permute(0, 3, 1, 2), outs[1])


def _mit():
    from mmseg.models.backbones import MixVisionTransformer
    torch.manual_seed(0)
    mit = MixVisionTransformer(
        embed_dims=8,
        num_stages=2,
        num_layers=[1, 1],
        num_heads=[1, 1],
        patch_sizes=[7, 3],
        strides=[4, 2],
        sr_ratios=[2, 1],
        out_indices=(0, 1))
    mit.eval()
    return mit


def test_recorder_reads_the_grid_from_a_mit_block_input():
    """mmseg's MiT blocks take (tokens, hw_shape); hw_from=('input', 1)
    gives the map of a non-square grid; the stage norm's tokens with that
    grid are the backbone's own stage output."""
    with DefaultScope.overwrite_default_scope('mmseg'):
        mit = _mit()
    manager = RecorderManager(
        mit,
        dict(
            block=dict(
                source='layers.0.1.0',
                tokens=dict(
                    to='map', num_extra_tokens=0, hw_from=('input', 1))),
            norm=dict(
                source='layers.1.2',
                tokens=dict(to='map', num_extra_tokens=0, hw_shape=(4, 8)))),
        'student')
    img = torch.randn(2, 3, 32, 64)
    with manager.recording():
        outs = mit(img)
    assert torch.equal(manager.get('norm'), outs[1])
    block = manager.get('block')
    assert block.shape == (2, 8, 8, 16)
    assert torch.equal(
        mit.layers[0][2](block.flatten(2).transpose(1, 2)).transpose(
            1, 2).reshape(2, 8, 8, 16), outs[0])


def test_recorder_token_options_are_checked():
    where = "recorder 'feat'"
    with pytest.raises(ValueError, match="needs num_extra_tokens|'to' and"):
        RecordedTokens(dict(to='mean'), where)
    with pytest.raises(ValueError, match=r"unknown keys \['grid'\]"):
        RecordedTokens(dict(to='map', num_extra_tokens=0, grid=2), where)
    with pytest.raises(ValueError, match="to must be one of"):
        RecordedTokens(dict(to='pool', num_extra_tokens=0), where)
    with pytest.raises(ValueError, match="hw_from must be"):
        RecordedTokens(
            dict(to='mean', num_extra_tokens=0, hw_from=('input', 1)), where)
    with pytest.raises(ValueError, match="hw_from must be"):
        RecordedTokens(
            dict(to='map', num_extra_tokens=0, hw_from=('args', 1)), where)
    spec = RecordedTokens(dict(to='map', num_extra_tokens=1), where)
    assert repr(spec) == "dict(to='map', num_extra_tokens=1)"
    with pytest.raises(
            ValueError,
            match="'feat' .* records \\(2, 4, 3, 3\\)"
            r', not a token sequence'):
        spec(torch.zeros(2, 4, 3, 3), (), None, where)
    with pytest.raises(ValueError, match="hw_from=\\('input', 1\\) names no"):
        RecordedTokens(
            dict(to='map', num_extra_tokens=0, hw_from=('input', 1)),
            where)(torch.zeros(2, 4, 3), (torch.zeros(2, 4, 3), ), None, where)


def test_recorder_error_names_the_recorder_and_module():
    vit = _vit('raw')
    manager = RecorderManager(
        vit,
        dict(
            feat=dict(source='ln1', tokens=dict(
                to='map', num_extra_tokens=1))), 'teacher')
    with pytest.raises(ValueError) as info, manager.recording():
        vit(torch.randn(2, 3, 16, 24))
    msg = str(info.value)
    assert "recorder 'feat' (output of module 'ln1')" in msg
    # a 4x6 grid and a class token: 24 is no square (without the class token
    # 25 would be, which is why num_extra_tokens has no default)
    assert '25 tokens minus num_extra_tokens=1 leave 24' in msg
    assert '(25 = 5x5)' in msg and 'hw_shape=(h, w)' in msg
