"""Folding the frozen teacher's batch norms (``teacher_fuse_bn=True``)."""
import pytest
import torch
import torch.nn as nn
from distill_helpers import build, seg_batch
from test_teacher_precision import distiller, teacher_feature, trained_like

from mmdlkd.models.distillers.fuse_bn import (conv_bn_pairs, fold_bn,
                                              fuse_conv_bn, fuse_teacher_bn)


def test_fold_bn_hand_computed():
    conv = nn.Conv2d(1, 1, 1, bias=False)
    bn = nn.BatchNorm2d(1, eps=1.0).eval()
    with torch.no_grad():
        conv.weight.fill_(2.0)
        bn.running_mean.fill_(1.0)
        bn.running_var.fill_(3.0)
        bn.weight.fill_(0.5)
        bn.bias.fill_(0.25)
    x = torch.tensor([[[[1.0, -2.0, 4.0]]]])
    # bn(2x) = 0.5 * (2x - 1) / sqrt(3 + 1) + 0.25 = 0.5 x
    assert torch.allclose(bn(conv(x)), 0.5 * x)
    fold_bn(conv, bn)
    assert conv.weight.item() == 0.5 and conv.bias.item() == 0.0
    assert torch.equal(conv(x), 0.5 * x)
    assert not conv.bias.requires_grad


class Branchy(nn.Module):
    """conv1 -> bn1 (folds); conv2 runs twice; relu between conv3 and bn3;
    conv4's output also feeds the sum, so folding bn4 would change it."""

    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4)
        self.conv2, self.bn2 = nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4)
        self.conv3, self.bn3 = nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4)
        self.block = nn.Module()
        self.block.conv4 = nn.Conv2d(4, 4, 1)
        self.block.bn4 = nn.BatchNorm2d(4)

    def forward(self, x):
        x = self.bn1(self.conv1(x))
        x = self.bn2(self.conv2(self.conv2(x)))
        x = self.bn3(torch.relu(self.conv3(x)))
        y = self.block.conv4(x)
        return self.block.bn4(y) + y


def random_stats(model):
    g = torch.Generator().manual_seed(1)
    for mod in model.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.running_mean.copy_(torch.rand(4, generator=g) - 0.5)
            mod.running_var.copy_(torch.rand(4, generator=g) + 0.5)
            mod.weight.data.copy_(torch.rand(4, generator=g) + 0.5)
            mod.bias.data.copy_(torch.rand(4, generator=g) - 0.5)
    return model.eval()


def test_pairs_need_the_conv_output_itself_and_single_calls():
    torch.manual_seed(0)
    model = random_stats(Branchy())
    x = torch.randn(1, 2, 5, 5)
    pairs = conv_bn_pairs(model, lambda: model(x))
    assert pairs == [('conv1', 'bn1'), ('block.conv4', 'block.bn4')]
    # recorded modules are kept; the rest folds with the output unchanged
    before = model.conv1(x)
    pairs = fuse_conv_bn(model, lambda: model(x), keep=['block.bn4'])
    assert pairs == [('conv1', 'bn1')]
    assert isinstance(model.bn1, nn.Identity)
    assert not torch.allclose(model.conv1(x), before)


def test_fold_that_changes_a_recorded_output_is_refused():
    torch.manual_seed(0)
    model = random_stats(Branchy())
    x = torch.randn(1, 2, 5, 5)
    wrapper = nn.Module()
    wrapper.net = model
    wrapper.eval()
    with pytest.raises(RuntimeError, match="output of 'net' by"):
        fuse_teacher_bn(wrapper, ['net'], lambda: wrapper.net(x))
    with pytest.raises(RuntimeError, match='eval'):
        fuse_conv_bn(model.train(), lambda: model(x))


def test_fused_seg_teacher_matches_and_runs_no_batch_norm(seg_scope, tmp_path):
    torch.manual_seed(0)
    ref = trained_like(build(distiller()))
    ckpt = tmp_path / 'teacher.pth'
    torch.save(dict(state_dict=ref.teacher.state_dict()), ckpt)
    torch.manual_seed(0)
    plain = build(distiller(teacher_ckpt=str(ckpt))).train()
    torch.manual_seed(0)
    fused = build(distiller(teacher_ckpt=str(ckpt),
                            teacher_fuse_bn=True)).train()
    bns = [
        n for n, m in fused.teacher.named_modules()
        if isinstance(m, nn.BatchNorm2d)
    ]
    # all but the auxiliary head's, which the teacher's forward skips
    assert bns and all(n.startswith('auxiliary_head.') for n in bns)
    assert len(bns) < sum(
        isinstance(m, nn.BatchNorm2d) for m in plain.teacher.modules()) - 10
    inputs, samples = seg_batch()
    expected = teacher_feature(plain, inputs, samples)
    got = teacher_feature(fused, inputs, samples)
    assert torch.allclose(got, expected, rtol=1e-4, atol=1e-5)
    assert fused.teacher._is_init
    assert not any(p.requires_grad for p in fused.teacher.parameters())
    # a checkpoint of the fused distiller loads into another one
    torch.manual_seed(1)
    again = build(distiller(teacher_ckpt=str(ckpt), teacher_fuse_bn=True))
    again.load_state_dict(fused.state_dict())
    assert torch.equal(teacher_feature(again.train(), inputs, samples), got)


def test_fused_bf16_teacher(seg_scope, tmp_path):
    torch.manual_seed(0)
    ref = build(distiller())
    ckpt = tmp_path / 'teacher.pth'
    torch.save(dict(state_dict=ref.teacher.state_dict()), ckpt)
    model = build(
        distiller(
            teacher_ckpt=str(ckpt), teacher_fuse_bn=True,
            teacher_dtype='bf16')).train()
    assert all(p.dtype == torch.bfloat16 for p in model.teacher.parameters())
    inputs, samples = seg_batch()
    expected = teacher_feature(ref.train(), inputs, samples)
    got = teacher_feature(model, inputs, samples)
    assert (got - expected).norm() / expected.norm() < 2e-2
