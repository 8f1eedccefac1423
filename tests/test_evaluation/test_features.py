import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmdlkd  # noqa: F401
from mmdlkd.evaluation import (FeatureExtractor, build_eval_dataloader,
                               build_model, choose_indices, extract_features,
                               pool_feature)


@pytest.fixture
def tiny_cfg(repo_root, digits_root):
    cfg = Config.fromfile(
        osp.join(repo_root, 'tests/data/configs/tiny_resnet_digits.py'))
    cfg.train_dataloader.dataset.data_root = digits_root
    cfg.val_dataloader.dataset.data_root = digits_root
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    return cfg


def test_dataloader_subset_and_classes(tiny_cfg):
    loader = build_eval_dataloader(
        tiny_cfg, 'val', num_samples=12, classes=[2, 5], batch_size=5)
    assert len(loader.dataset) == 12
    labels = torch.cat([
        torch.cat([s.gt_label for s in batch['data_samples']])
        for batch in loader
    ])
    assert set(labels.tolist()) <= {2, 5} and len(labels) == 12
    again = build_eval_dataloader(
        tiny_cfg, 'val', num_samples=12, classes=[2, 5])
    assert list(again.dataset.indices) == list(loader.dataset.indices)
    assert len(choose_indices(list(range(7)), None)) == 7


def test_extract_features_default_and_hooks(tiny_cfg, tmp_path):
    torch.manual_seed(0)
    model = build_model(tiny_cfg)
    ckpt = str(tmp_path / 'tiny.pth')
    torch.save({'state_dict': model.state_dict()}, ckpt)
    reloaded = build_model(tiny_cfg, ckpt)
    loader = build_eval_dataloader(tiny_cfg, 'val', num_samples=6)
    out = extract_features(FeatureExtractor(model), loader, progress=False)
    assert out['feats']['extract_feat'].shape == (6, 128)
    assert out['labels'].min() >= 0
    out2 = extract_features(FeatureExtractor(reloaded), loader, progress=False)
    assert torch.allclose(out['feats']['extract_feat'],
                          out2['feats']['extract_feat'])
    layers = ['backbone.layer1', 'neck', 'head.fc']
    extractor = FeatureExtractor(model, layers=layers)
    hooked = extract_features(extractor, loader, progress=False)['feats']
    assert hooked['backbone.layer1'].shape == (6, 16)
    assert torch.allclose(hooked['neck'], out['feats']['extract_feat'])
    assert hooked['head.fc'].shape == (6, 10)
    inputs, _ = extractor.preprocess(next(iter(loader)))
    assert extractor(inputs).shape == (6, 16)
    with pytest.raises(AttributeError):
        FeatureExtractor(model, layers=['backbone.nope'])


def test_submodule_and_pooling():
    wrapper = torch.nn.Module()
    wrapper.student = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 1))
    wrapper.student.extract_feat = wrapper.student.forward
    extractor = FeatureExtractor(wrapper, submodule='student')
    assert extractor(torch.zeros(2, 3, 5, 5)).shape == (2, 4)
    x = torch.arange(8.).reshape(1, 2, 2, 2)
    assert pool_feature(x).tolist() == [[1.5, 5.5]]
    assert pool_feature(x, 'flatten').shape == (1, 8)
    assert pool_feature(x, 'none').shape == x.shape
