"""Tiny students/teachers and test-local losses for the distiller tests."""
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import ConfigDict
from tiny_models import cls_model  # noqa: F401  (re-exported)

from mmdlkd.registry import MODELS

SEG_MEAN = [123.675, 116.28, 103.53]
SEG_STD = [58.395, 57.12, 57.375]


def seg_model(base=8, num_classes=4, pretrained=None):
    """A tiny mmseg PSPNet (ResNetV1c-18, 2 stages) with BN."""
    norm = dict(type='BN', requires_grad=True)
    return ConfigDict(
        type='EncoderDecoder',
        data_preprocessor=dict(
            type='SegDataPreProcessor',
            mean=SEG_MEAN,
            std=SEG_STD,
            bgr_to_rgb=True,
            pad_val=0,
            seg_pad_val=255,
            size=(64, 64)),
        pretrained=pretrained,
        backbone=dict(
            type='ResNetV1c',
            depth=18,
            stem_channels=16,
            base_channels=base,
            num_stages=2,
            strides=(1, 2),
            dilations=(1, 1),
            out_indices=(0, 1),
            norm_cfg=norm,
            contract_dilation=True),
        decode_head=dict(
            type='PSPHead',
            in_channels=2 * base,
            in_index=1,
            channels=8,
            pool_scales=(1, 2),
            dropout_ratio=0.0,
            num_classes=num_classes,
            norm_cfg=norm,
            align_corners=False,
            loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
        auxiliary_head=dict(
            type='FCNHead',
            in_channels=base,
            in_index=0,
            channels=8,
            num_convs=1,
            concat_input=False,
            dropout_ratio=0.0,
            num_classes=num_classes,
            norm_cfg=norm,
            align_corners=False,
            loss_decode=dict(type='CrossEntropyLoss', loss_weight=0.4)),
        train_cfg=dict(),
        test_cfg=dict(mode='whole'))


@MODELS.register_module(name='DistTestMSE', force=True)
class DistTestMSE(nn.Module):
    """Test-local distillation loss: weighted MSE."""

    def __init__(self, loss_weight=1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, s_feat, t_feat, num_views=1):
        self.last_num_views = num_views
        return self.loss_weight * F.mse_loss(s_feat, t_feat)


@MODELS.register_module(name='DistTestLabelLoss', force=True)
class DistTestLabelLoss(nn.Module):
    """Test-local loss that records the labels it receives."""

    def __init__(self, loss_weight=1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, s_feat, labels):
        self.last_labels = labels
        return self.loss_weight * s_feat.float().mean() * 0


@MODELS.register_module(name='DistTestConv', force=True)
class DistTestConv(nn.Conv2d):
    """Test-local 1x1 conv connector."""

    def __init__(self, in_channels, out_channels):
        super().__init__(in_channels, out_channels, 1)


@MODELS.register_module(name='DistTestLinear', force=True)
class DistTestLinear(nn.Linear):
    """Test-local linear connector."""


def seg_distill(weight=1.0):
    return dict(
        recorders=dict(
            student=dict(
                feat='decode_head.bottleneck', logits='decode_head.conv_seg'),
            teacher=dict(feat='decode_head.bottleneck')),
        connectors=dict(
            align=dict(
                type='mmdlkd.DistTestConv', in_channels=8, out_channels=8)),
        losses=dict(
            loss_align=dict(type='mmdlkd.DistTestMSE', loss_weight=weight)),
        loss_inputs=dict(
            loss_align=dict(
                s_feat=('student.feat', 'align'), t_feat='teacher.feat')))


def cls_distill(weight=1.0, s_dim=32, t_dim=64):
    return dict(
        recorders=dict(
            student=dict(feat=dict(source='neck', index=-1)),
            teacher=dict(feat=dict(source='neck', index=-1))),
        connectors=dict(
            align=dict(
                type='mmdlkd.DistTestLinear',
                in_features=s_dim,
                out_features=t_dim)),
        losses=dict(
            loss_align=dict(type='mmdlkd.DistTestMSE', loss_weight=weight)),
        loss_inputs=dict(
            loss_align=dict(
                s_feat=('student.feat', 'align'), t_feat='teacher.feat')))


def seg_batch(n=2, seed=0):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    g = torch.Generator().manual_seed(seed)
    inputs = torch.randn(n, 3, 64, 64, generator=g)
    samples = []
    for _ in range(n):
        s = SegDataSample()
        s.gt_sem_seg = PixelData(
            data=torch.randint(0, 4, (1, 64, 64), generator=g))
        s.set_metainfo(
            dict(img_shape=(64, 64), ori_shape=(64, 64), pad_shape=(64, 64)))
        samples.append(s)
    return inputs, samples


def cls_batch(n=2, seed=0, views=1):
    from mmpretrain.structures import DataSample
    g = torch.Generator().manual_seed(seed)
    imgs = [torch.randn(n, 3, 32, 32, generator=g) for _ in range(views)]
    labels = torch.randint(0, 5, (n, ), generator=g)
    samples = [DataSample().set_gt_label(int(lab)) for lab in labels]
    return (imgs[0] if views == 1 else imgs), samples


def build(cfg):
    return MODELS.build(ConfigDict(copy.deepcopy(cfg)))
