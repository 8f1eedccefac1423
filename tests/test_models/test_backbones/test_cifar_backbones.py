"""The CIFAR-100 KD-benchmark backbones: shapes, sizes, features, init."""
import math

import pytest
import torch
import torch.nn as nn

import mmdlkd  # noqa: F401  (registers the 'mmdlkd' scope)
from mmdlkd.registry import MODELS

# (config, final map [C, H, W] for a 32x32 input, parameters of the backbone
# plus a Linear(C, 100) head). The exact counts follow from the reference
# definitions of the CRD benchmark (HobbitLong/RepDistiller, models/); the
# comment gives the figure of the KD literature's tables (CRD, ReviewKD,
# DKD, ...).
# yapf: disable
ARCHS = {
    'resnet20': (dict(type='mmdlkd.CifarResNet', arch='resnet20'),
                 (64, 8, 8), 278_324),  # 0.28M
    'resnet32': (dict(type='mmdlkd.CifarResNet', arch='resnet32'),
                 (64, 8, 8), 472_756),  # 0.47M
    'resnet56': (dict(type='mmdlkd.CifarResNet', arch='resnet56'),
                 (64, 8, 8), 861_620),  # 0.86M
    'resnet110': (dict(type='mmdlkd.CifarResNet', arch='resnet110'),
                  (64, 8, 8), 1_736_564),  # 1.74M
    'resnet8x4': (dict(type='mmdlkd.CifarResNet', arch='resnet8x4'),
                  (256, 8, 8), 1_233_540),  # 1.23M
    'resnet32x4': (dict(type='mmdlkd.CifarResNet', arch='resnet32x4'),
                   (256, 8, 8), 7_433_860),  # 7.43M
    'wrn_16_2': (dict(type='mmdlkd.WideResNet', depth=16, widen_factor=2),
                 (128, 8, 8), 703_284),  # 0.70M
    'wrn_40_1': (dict(type='mmdlkd.WideResNet', depth=40, widen_factor=1),
                 (64, 8, 8), 569_780),  # 0.57M
    'wrn_40_2': (dict(type='mmdlkd.WideResNet', depth=40, widen_factor=2),
                 (128, 8, 8), 2_255_156),  # 2.26M
    'vgg8': (dict(type='mmdlkd.CifarVGG', arch='vgg8'),
             (512, 4, 4), 3_965_028),  # 3.96M (3.965M, rounded down there)
    'vgg13': (dict(type='mmdlkd.CifarVGG', arch='vgg13'),
              (512, 4, 4), 9_462_180),  # 9.46M
    'MobileNetV2': (dict(type='mmdlkd.CifarMobileNetV2'),
                    (1280, 2, 2), 812_836),  # 0.81M
    'ShuffleNetV1': (dict(type='mmdlkd.CifarShuffleNetV1'),
                     (960, 4, 4), 949_258),  # 0.95M
    'ShuffleNetV2': (dict(type='mmdlkd.CifarShuffleNetV2'),
                     (1024, 4, 4), 1_355_528),  # 1.36M
}
# yapf: enable


def num_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize('name', list(ARCHS))
def test_arch_shape_and_params(name):
    cfg, shape, expected = ARCHS[name]
    model = MODELS.build(cfg).eval()
    channels = shape[0]
    assert model.out_channels == channels
    assert num_params(model) + channels * 100 + 100 == expected
    with torch.no_grad():
        outs = model(torch.randn(2, 3, 32, 32))
    assert isinstance(outs, tuple) and len(outs) == 1
    assert outs[0].shape == (2, *shape)
    assert (outs[0] >= 0).all()  # post-ReLU: the penultimate feature map


# (config, stage outputs [C, H] for a 32x32 input, module whose output or
# input is the pre-ReLU version of the final map, 'output' / 'input')
# yapf: disable
SMALL = [
    (dict(type='mmdlkd.CifarResNet', arch='resnet8'),
     [(16, 32), (32, 16), (64, 8)], 'layer3.0.out_relu', 'input'),
    (dict(type='mmdlkd.WideResNet', depth=16, widen_factor=1),
     [(16, 32), (32, 16), (64, 8), (64, 8)], 'norm_act.bn', 'output'),
    (dict(type='mmdlkd.CifarVGG', arch='vgg8'),
     [(64, 32), (128, 16), (256, 8), (512, 4), (512, 4)], 'layer5.bn1',
     'output'),
    (dict(type='mmdlkd.CifarMobileNetV2', widen_factor=0.25),
     [(4, 16), (6, 16), (8, 8), (16, 4), (24, 4), (40, 2), (80, 2),
      (1280, 2)], 'conv2.bn', 'output'),
    (dict(type='mmdlkd.CifarShuffleNetV1', channels=(48, 96, 192),
          num_blocks=(1, 2, 1)), [(48, 16), (96, 8), (192, 4)],
     'layer3.0.out_relu', 'input'),
    (dict(type='mmdlkd.CifarShuffleNetV2', widen_factor=0.5),
     [(48, 16), (96, 8), (192, 4), (1024, 4)], 'conv2.bn', 'output'),
]
# yapf: enable


@pytest.mark.parametrize('cfg,stages,preact_name,where', SMALL)
def test_stages_and_preact(cfg, stages, preact_name, where):
    model = MODELS.build(dict(cfg, out_indices=range(len(stages)))).eval()
    assert model.stage_channels == [c for c, _ in stages]
    recorded = {}
    module = model.get_submodule(preact_name)
    module.register_forward_hook(
        lambda m, args, out: recorded.update(input=args[0], output=out))
    with torch.no_grad():
        outs = model(torch.randn(2, 3, 32, 32))
    assert [tuple(o.shape[1:3]) for o in outs] == stages
    preact = recorded[where]
    # the documented pre-activation really is the final map before ReLU
    assert preact.shape == outs[-1].shape
    assert (preact < 0).any()
    torch.testing.assert_close(preact.relu(), outs[-1])

    # negative indices count from the end; one index gives one output
    last = MODELS.build(dict(cfg, out_indices=-1)).eval()
    last.load_state_dict(model.state_dict())
    with torch.no_grad():
        x = torch.randn(1, 3, 32, 32)
        torch.testing.assert_close(last(x)[0], model(x)[-1])


def test_bad_args():
    with pytest.raises(KeyError):
        MODELS.build(dict(type='mmdlkd.CifarResNet', arch='resnet9'))
    with pytest.raises(ValueError):
        MODELS.build(dict(type='mmdlkd.WideResNet', depth=20))
    with pytest.raises(ValueError):
        MODELS.build(dict(type='mmdlkd.CifarVGG', arch='vgg8', out_indices=5))


def test_init_cfg():
    model = MODELS.build(dict(type='mmdlkd.CifarResNet', arch='resnet8'))
    model.layer1[0].bn1.weight.data.fill_(0.5)
    model.init_weights()
    assert (model.layer1[0].bn1.weight == 1).all()
    conv = model.layer3[0].conv2
    fan_out = conv.out_channels * 9
    assert conv.weight.std().item() == pytest.approx(
        math.sqrt(2 / fan_out), rel=0.1)

    pretrained = dict(type='Pretrained', checkpoint='/no/such/file.pth')
    model = MODELS.build(
        dict(type='mmdlkd.CifarVGG', arch='vgg8', init_cfg=pretrained))
    assert model.init_cfg == pretrained


def test_image_classifier_under_mmpretrain_scope():
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
    from mmpretrain.structures import DataSample
    init_default_scope('mmpretrain')

    torch.manual_seed(0)
    model = MMPRETRAIN_MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(type='mmdlkd.CifarResNet', arch='resnet8x4'),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(
                type='LinearClsHead',
                num_classes=100,
                in_channels=256,
                loss=dict(type='CrossEntropyLoss'))))
    assert type(model.backbone).__name__ == 'CifarResNet'
    model.init_weights()
    inputs = torch.randn(4, 3, 32, 32)
    samples = [DataSample().set_gt_label(i) for i in (0, 1, 42, 99)]
    losses = model.loss(inputs, samples)
    loss = losses['loss']
    assert torch.isfinite(loss)
    assert abs(loss.item() - math.log(100)) < 0.2
    loss.backward()
    assert model.backbone.stem[0].weight.grad is not None
