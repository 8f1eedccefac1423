"""The shipped baseline configs compute their reference recipes: each
distillation loss (and the student's weighted CE) of one loss step equals the
plain-loop reference (``tests/baseline_references.py``) of the reference
code, on the features that code takes, with its weights. A config reading
another layer, weight or temperature fails here."""
import os.path as osp

import baseline_references as ref
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmdlkd.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CIFAR = 'configs/cifar100/baselines/resnet32x4_resnet8x4_{}_cifar100.py'
FASHION = 'configs/fashion_mnist/resnet20_resnet8_{}_fashion-mnist.py'
MOSAICS = 'configs/fashion_mosaics/pspnet_{}_fashion_mosaics.py'


def build(rel_path: str):
    cfg = Config.fromfile(osp.join(ROOT, rel_path))
    init_default_scope(cfg.default_scope)
    model_cfg = cfg.model.to_dict()
    model_cfg.update(teacher_ckpt=None, random_teacher=True)
    torch.manual_seed(0)
    # eval: the references see the same (running-statistics) BN and no
    # dropout; the losses themselves do not depend on the mode
    return MODELS.build(model_cfg).double().eval()


def stages(net, x):
    """The CIFAR ResNet's stage outputs, the pooled feature and the logits,
    computed stage by stage (RepDistiller's ``feat`` list and logits)."""
    out = net.backbone.stem(x)
    feats = []
    for name in net.backbone.stage_names:
        out = getattr(net.backbone, name)(out)
        feats.append(out)
    pooled = out.mean(dim=(2, 3))
    return feats, pooled, net.head.fc(pooled)


def cls_step(rel_path: str, channels: int, n: int = 3):
    from mmpretrain.structures import DataSample
    model = build(rel_path)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(n, channels, 16, 16, generator=g, dtype=torch.float64)
    labels = [3, 1, 4][:n]
    samples = [DataSample().set_gt_label(lab) for lab in labels]
    with torch.no_grad():
        losses = model.loss(x, samples)
        s_feats, s_pooled, s_logits = stages(model.student, x)
        t_feats, t_pooled, t_logits = stages(model.teacher, x)
    ce = sum(
        ref.cross_entropy(row, lab)
        for row, lab in zip(s_logits.tolist(), labels)) / n
    return model, losses, ce, (s_feats, s_pooled,
                               s_logits), (t_feats, t_pooled, t_logits)


@pytest.mark.parametrize('path,channels', [(CIFAR, 3), (FASHION, 1)])
def test_kd_is_repdistillers_kd(path, channels):
    """`-r 0.1 -a 0.9`, T 4: CE 0.1, KD 0.9 on the logits."""
    _, losses, ce, s, t = cls_step(path.format('kd'), channels)
    assert set(losses) == {'loss', 'loss_kd'}
    assert losses['loss'].item() == pytest.approx(0.1 * ce, rel=1e-9)
    expected = 0.9 * ref.kd(s[2].tolist(), t[2].tolist(), 4.0)
    assert losses['loss_kd'].item() == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize('path,channels', [(CIFAR, 3), (FASHION, 1)])
def test_fitnet_is_repdistillers_hint(path, channels):
    """`-a 0 -b 100`, CE 1: MSE of ConvReg(feat_s[2]) against feat_t[2]."""
    model, losses, ce, s, t = cls_step(path.format('fitnet'), channels)
    assert losses['loss'].item() == pytest.approx(ce, rel=1e-9)
    hint = model.connectors.hint
    regressed = ref.conv_reg(s[0][1].tolist(), hint.conv.weight.tolist(),
                             hint.conv.bias.tolist(), hint.bn.weight.tolist(),
                             hint.bn.bias.tolist(), hint.bn.eps,
                             hint.bn.running_mean.tolist(),
                             hint.bn.running_var.tolist())
    expected = 100 * ref.mse(regressed, t[0][1].tolist())
    assert losses['loss_fitnet'].item() == pytest.approx(expected, rel=1e-9)


def test_at_is_repdistillers_attention():
    """`-a 0 -b 1000`: attention of feat[1:-1] (the three stages), 1000 on
    their sum."""
    _, losses, ce, s, t = cls_step(CIFAR.format('at'), 3)
    assert losses['loss'].item() == pytest.approx(ce, rel=1e-9)
    total = 0.
    for i in range(3):
        value = ref.at(s[0][i].tolist(), t[0][i].tolist())
        assert losses[f'loss_at{i + 1}'].item() == pytest.approx(
            1000 * value, rel=1e-9)
        total += 1000 * value
    assert sum(losses[f'loss_at{i}'].item()
               for i in (1, 2, 3)) == pytest.approx(
                   total, rel=1e-9)


def test_sp_is_repdistillers_similarity():
    """`-a 0 -b 3000`: Gram matrices of feat[-2] (the last stage's map)."""
    _, losses, ce, s, t = cls_step(CIFAR.format('sp'), 3)
    assert losses['loss'].item() == pytest.approx(ce, rel=1e-9)
    expected = 3000 * ref.sp(s[0][-1].tolist(), t[0][-1].tolist())
    assert losses['loss_sp'].item() == pytest.approx(expected, rel=1e-9)


def test_rkd_is_repdistillers_rkd():
    """`-a 0 -b 1`: distance 25 + angle 50 on feat[-1] (the pooled
    feature)."""
    _, losses, ce, s, t = cls_step(CIFAR.format('rkd'), 3, n=3)
    assert losses['loss'].item() == pytest.approx(ce, rel=1e-9)
    expected = ref.rkd(s[1].tolist(), t[1].tolist(), 25., 50.)
    assert losses['loss_rkd'].item() == pytest.approx(expected, rel=1e-8)


def seg_step(method: str, n: int = 8):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    model = build(MOSAICS.format(method))
    g = torch.Generator().manual_seed(2)
    x = torch.randn(n, 3, 64, 64, generator=g, dtype=torch.float64)
    samples = []
    for _ in range(n):
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, 11, (1, 64, 64), generator=g))
        sample.set_metainfo(dict(img_shape=(64, 64), pad_shape=(64, 64)))
        samples.append(sample)
    with torch.no_grad():
        losses = model.loss(x, samples)
        out = {}
        for name in ('student', 'teacher'):
            net = getattr(model, name)
            feat = net.decode_head._forward_feature(net.extract_feat(x))
            out[name] = (feat, net.decode_head.cls_seg(feat))
    return losses, out


def test_pixel_kd_is_cirkds_kd():
    """`--lambda-kd 1.`, T 1 on the 1/8-resolution logits."""
    losses, out = seg_step('kd', n=2)
    expected = ref.pixel_kd(out['student'][1].tolist(),
                            out['teacher'][1].tolist(), 1.0)
    assert losses['loss_kd'].item() == pytest.approx(expected, rel=1e-9)


def test_cwd_is_cirkds_logit_cwd():
    """`CriterionCWD(norm_type='channel', temperature=4.)` on the logits,
    `--lambda-cwd-logit 3.`."""
    losses, out = seg_step('cwd', n=2)
    expected = 3 * ref.cwd(out['student'][1].tolist(),
                           out['teacher'][1].tolist(), 4.0)
    assert losses['loss_cwd'].item() == pytest.approx(expected, rel=1e-9)


def test_skd_is_skds_pair_wise_and_pixel_wise():
    """SKD's run_train_val.sh at its batch of 8: `--lambda-pa 0.5
    --pool-scale 0.5` on the PSP bottleneck output, `--lambda-pi 10` on the
    logits (cross-entropy summed over the batch, over H*W; the KL is the same
    up to the teacher's entropy)."""
    losses, out = seg_step('skd', n=8)
    (s_feat, s_logits), (t_feat, t_logits) = out['student'], out['teacher']
    s_feat, t_feat = s_feat.tolist(), t_feat.tolist()
    pair = 0.5 * ref.skd_pair_wise(s_feat, t_feat, 0.5, norm_eps=0.)
    assert losses['loss_skd_pa'].item() == pytest.approx(pair, rel=1e-9)
    # with the 1e-8 SKD adds to the norms
    pair = 0.5 * ref.skd_pair_wise(s_feat, t_feat, 0.5)
    assert losses['loss_skd_pa'].item() == pytest.approx(pair, rel=1e-4)
    pixel = 10 * (
        ref.skd_pixel_wise(s_logits.tolist(), t_logits.tolist()) -
        ref.skd_pixel_entropy(t_logits.tolist()))
    assert losses['loss_skd_pi'].item() == pytest.approx(pixel, rel=1e-9)
    # the reference's own normalisation, not a per-pixel mean
    per_pixel = F.kl_div(
        s_logits.log_softmax(1), t_logits.softmax(1), reduction='sum') / (
            s_logits.shape[0] * s_logits.shape[2] * s_logits.shape[3])
    assert pixel == pytest.approx(80 * per_pixel.item(), rel=1e-9)
