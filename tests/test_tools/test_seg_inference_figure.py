"""tools/analysis/seg_inference_figure.py: mmseg's inference API on one
image, the figure and its pixel accuracy."""
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from train_utils import ROOT, run_tool

sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))

from seg_inference_figure import colourise, pixel_accuracy  # noqa: E402

STUDENT = osp.join(ROOT, 'configs', 'fashion_mosaics',
                   'pspnet_student_fashion_mosaics.py')


def test_pixel_accuracy_counts_the_annotated_pixels_only():
    gt = np.array([[0, 1, 255], [2, 2, 255]])
    pred = np.array([[0, 2, 7], [2, 1, 0]])
    assert pixel_accuracy(pred, gt) == pytest.approx(50.0)  # 2 of 4
    rgb = colourise(gt, 3)
    assert rgb.shape == (2, 3, 3) and (rgb[0, 2] == 1).all()
    with pytest.raises(ValueError, match='no labelled pixel'):
        pixel_accuracy(pred, np.full((2, 3), 255))
    with pytest.raises(ValueError, match='3 classes'):
        colourise(np.array([[5]]), 3)


def test_figure_of_a_model_that_predicts_one_class(tmp_path):
    """Every pixel predicted as class 3 (the decode head's bias): the
    accuracy is the share of class-3 pixels of the annotation."""
    from mmseg.registry import MODELS
    cfg = Config.fromfile(STUDENT)
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    with torch.no_grad():
        model.decode_head.conv_seg.weight.zero_()
        model.decode_head.conv_seg.bias.zero_()
        model.decode_head.conv_seg.bias[3] = 10.0
    ckpt = tmp_path / 'student.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (64, 64), dtype=np.uint8)
    gt = np.zeros((64, 64), np.uint8)
    gt[:16] = 3  # 1024 of 4096 pixels
    gt[16:20] = 255  # 256 ignored
    cv2.imwrite(str(tmp_path / 'img.png'), img)
    cv2.imwrite(str(tmp_path / 'gt.png'), gt)
    out = run_tool('analysis/seg_inference_figure.py', STUDENT, ckpt,
                   tmp_path / 'img.png', '--gt', tmp_path / 'gt.png', '--out',
                   tmp_path / 'fig.png')
    expected = 100 * 1024 / (4096 - 256)
    assert f'pixel accuracy {expected:.2f}%' in out
    fig = cv2.imread(str(tmp_path / 'fig.png'))
    assert fig.shape == (320, 900, 3)
