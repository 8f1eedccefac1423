import pytest
import torch
import torch.nn as nn

from mmdlkd.models.connectors import (LinearConnector, MLPConnector,
                                      PixelMLPConnector)
from mmdlkd.models.connectors.mlp_connector import from_rows, to_rows
from mmdlkd.registry import MODELS


def test_mlp_connector_structure():
    spindle = MLPConnector(8, 4)  # the paper's r = 16
    assert spindle.hidden_channels == 64
    assert [(m.in_features, m.out_features) for m in spindle.linears] == \
        [(8, 64), (64, 4)]
    assert spindle.linears[0].bias is None
    assert isinstance(spindle.norms[0], nn.BatchNorm1d)
    assert MLPConnector(8, 4, hidden_ratio=0.5).hidden_channels == 2
    corr = MLPConnector(8, 8, hidden_channels=8)
    assert corr.hidden_channels == 8
    assert len(MLPConnector(8, 4, num_layers=1).linears) == 1
    deep = MLPConnector(8, 4, hidden_channels=6, num_layers=3, norm=False)
    assert [(m.in_features, m.out_features) for m in deep.linears] == \
        [(8, 6), (6, 6), (6, 4)]
    assert all(isinstance(m, nn.Identity) for m in deep.norms)
    with pytest.raises(ValueError, match='not both'):
        MLPConnector(8, 4, hidden_channels=3, hidden_ratio=2)


def test_mlp_connector_vectors_match_reference():
    torch.manual_seed(0)
    m = MLPConnector(5, 3, hidden_channels=7)
    ref = nn.Sequential(m.linears[0], m.norms[0], nn.ReLU(), m.linears[1])
    x = torch.randn(6, 5)
    assert torch.allclose(m(x), ref(x))


@pytest.mark.parametrize('cls', [MLPConnector, PixelMLPConnector])
def test_mlp_connector_maps_match_conv_bn2d(cls):
    torch.manual_seed(0)
    m = cls(5, 3, hidden_channels=7)
    conv1 = nn.Conv2d(5, 7, 1, bias=False)
    conv2 = nn.Conv2d(7, 3, 1)
    bn = nn.BatchNorm2d(7)
    conv1.weight.data = m.linears[0].weight.data[:, :, None, None].clone()
    conv2.weight.data = m.linears[1].weight.data[:, :, None, None].clone()
    conv2.bias.data = m.linears[1].bias.data.clone()
    ref = nn.Sequential(conv1, bn, nn.ReLU(), conv2)
    x = torch.randn(2, 5, 3, 4)
    out, ref_out = m(x), ref(x)
    assert torch.allclose(out, ref_out, atol=1e-6)  # train mode
    grad = torch.randn_like(out)
    out.backward(grad)
    ref_out.backward(grad)
    for mine, theirs in ((m.linears[0].weight,
                          conv1.weight), (m.linears[1].weight, conv2.weight),
                         (m.norms[0].weight, bn.weight)):
        assert torch.allclose(
            mine.grad, theirs.grad.view_as(mine.grad), atol=1e-5)
    assert torch.allclose(m.norms[0].running_mean, bn.running_mean)
    assert torch.allclose(m.norms[0].running_var, bn.running_var)
    m.eval()
    ref.eval()
    assert torch.allclose(m(x), ref(x), atol=1e-6)


def test_pixel_rows_order_and_round_trip():
    x = torch.arange(2 * 3 * 2 * 4.).view(2, 3, 2, 4)
    rows, shape = to_rows(x)
    assert shape == (2, 2, 4) and rows.shape == (16, 3)
    # row n*H*W + h*W + w holds the channels of pixel (n, h, w)
    assert torch.equal(rows[1 * 8 + 1 * 4 + 2], x[1, :, 1, 2])
    back = from_rows(rows, shape)
    assert torch.equal(back, x)
    # a view of the rows (channels-last layout), not a copy
    assert back.data_ptr() == rows.data_ptr()
    assert back.is_contiguous(memory_format=torch.channels_last)
    vec = torch.randn(4, 3)
    assert to_rows(vec) == (vec, None) and from_rows(vec, None) is vec


def test_mlp_connector_map_pixels_are_rows():
    """Each pixel of a map is projected as the vector of its channels."""
    torch.manual_seed(0)
    m = MLPConnector(5, 3, hidden_channels=7)
    x = torch.randn(2, 5, 3, 4)
    out = m(x)
    rows = m(x.permute(0, 2, 3, 1).reshape(-1, 5))  # same batch statistics
    assert torch.allclose(out.permute(0, 2, 3, 1).reshape(-1, 3), rows)
    assert out.is_contiguous(memory_format=torch.channels_last)


def test_connectors_reject_wrong_input():
    with pytest.raises(ValueError, match='expects'):
        MLPConnector(5, 3)(torch.randn(2, 4))
    with pytest.raises(ValueError, match='PixelMLPConnector'):
        PixelMLPConnector(5, 3)(torch.randn(2, 5))
    with pytest.raises(ValueError, match='LinearConnector'):
        LinearConnector(5)(torch.randn(2, 5, 3))


def test_linear_connector_vectors_and_maps():
    torch.manual_seed(0)
    m = LinearConnector(6)
    assert m.linear.out_features == 128
    x = torch.randn(2, 6, 3, 2)
    out = m(x)
    rows = m(x.permute(0, 2, 3, 1).reshape(-1, 6))
    assert out.shape == (2, 128, 3, 2)
    assert torch.allclose(
        out.permute(0, 2, 3, 1).reshape(-1, 128), rows, atol=1e-6)
    unit = LinearConnector(6, 4, normalize=True)(x)
    assert torch.allclose(unit.norm(dim=1), torch.ones(2, 3, 2))


def test_connectors_and_losses_build_from_registry():
    from mmengine.registry import MODELS as ROOT
    m = MODELS.build(dict(type='MLPConnector', in_channels=4, out_channels=2))
    assert m.hidden_channels == 32
    names = [
        'MLPConnector', 'PixelMLPConnector', 'LinearConnector', 'AlignLoss',
        'CorrelationLoss', 'SupConDistillLoss', 'KDLoss',
        'ChannelWiseDivergence', 'PixelSimilarityLoss'
    ]
    for name in names:
        assert ROOT.get(f'mmdlkd.{name}') is MODELS.get(name) is not None
    loss = ROOT.build(dict(type='mmdlkd.AlignLoss', loss_weight=10.))
    assert loss.loss_weight == 10.


def test_mlp_connector_with_sync_bn_takes_maps():
    """mmengine's ``sync_bn='torch'`` turns the norms into SyncBatchNorm,
    which then normalises the pixel rows (one process: as BatchNorm)."""
    from mmengine.model import convert_sync_batchnorm
    torch.manual_seed(0)
    m = PixelMLPConnector(5, 3, hidden_channels=7)
    x = torch.randn(2, 5, 3, 4)
    ref = m(x)
    synced = convert_sync_batchnorm(m, implementation='torch')
    assert isinstance(synced.norms[0], nn.SyncBatchNorm)
    assert torch.allclose(synced(x), ref, atol=1e-6)
