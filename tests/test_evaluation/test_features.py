import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DATASETS, init_default_scope

import mmdlkd  # noqa: F401
from mmdlkd.evaluation import (FeatureExtractor, build_eval_dataloader,
                               build_model, choose_indices, dataset_pipeline,
                               eval_pipeline, extract_features,
                               innermost_datasets, pool_feature, with_pipeline)


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


def test_a_module_outside_the_forward_pass_is_named():
    """A hooked module that the inference forward never calls (as an
    mmseg auxiliary head) is an error naming it, not a missing key."""
    model = torch.nn.Module()
    model.used = torch.nn.Conv2d(3, 4, 1)
    model.aux = torch.nn.Conv2d(4, 2, 1)
    model.forward = lambda x, mode='tensor': model.used(x)
    extractor = FeatureExtractor(model, layers=['used', 'aux'])
    with pytest.raises(ValueError, match=r"\['aux'\] did not run"):
        extractor.features(torch.zeros(1, 3, 2, 2))
    only_used = FeatureExtractor(model, layers=['used'])
    assert only_used.features(torch.zeros(1, 3, 2, 2))['used'].shape == (1, 4)


@pytest.fixture
def two_view_cfg(repo_root, digits_root):
    """The training set wrapped twice in RandomSubset, two views."""
    cfg = Config.fromfile(
        osp.join(repo_root,
                 'tests/data/configs/tiny_resnet_digits_two_view.py'))
    cfg.train_dataloader.dataset.dataset.dataset.data_root = digits_root
    cfg.val_dataloader.dataset.data_root = digits_root
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    return cfg


def _unwrapped_reference(cfg, loader, model):
    """Features of the same samples read from the bare dataset with the
    test pipeline, the wrappers' indices composed by hand."""
    outer = loader.dataset.dataset  # tool Subset -> outer RandomSubset
    inner = outer.dataset
    indices = [
        int(inner.indices[outer.indices[i]]) for i in loader.dataset.indices
    ]
    bare = DATASETS.build(
        dict(
            cfg.train_dataloader.dataset.dataset.dataset,
            pipeline=cfg.val_dataloader.dataset.pipeline))
    batches = [
        pseudo_collate([bare[i] for i in indices[start:start + 5]])
        for start in range(0, len(indices), 5)
    ]
    return extract_features(FeatureExtractor(model), batches, progress=False)


@pytest.mark.parametrize('views', [1, 2])
def test_wrapped_train_split_read_through_the_test_pipeline(
        two_view_cfg, views):
    cfg = two_view_cfg
    if views == 1:  # the usual training augmentation (random shifts)
        cfg.train_dataloader.dataset.dataset.dataset.pipeline = \
            cfg.train_pipeline
    pipeline = eval_pipeline(cfg, 'train')
    assert pipeline == cfg.val_dataloader.dataset.pipeline
    torch.manual_seed(0)
    model = build_model(cfg)
    loader = build_eval_dataloader(
        cfg, 'train', 15, pipeline=pipeline, batch_size=5)
    out = extract_features(FeatureExtractor(model), loader, progress=False)
    ref = _unwrapped_reference(cfg, loader, model)
    assert torch.equal(out['labels'], ref['labels'])
    assert torch.allclose(
        out['feats']['extract_feat'],
        ref['feats']['extract_feat'],
        rtol=0,
        atol=1e-6)
    augmented = build_eval_dataloader(cfg, 'train', 15, batch_size=5)
    if views == 2:
        with pytest.raises(ValueError, match='several views per image'):
            extract_features(FeatureExtractor(model), augmented, False)
    else:
        # the training pipeline (random shifts) gives other features
        feats = extract_features(FeatureExtractor(model), augmented, False)
        assert torch.equal(feats['labels'], ref['labels'])
        assert not torch.allclose(feats['feats']['extract_feat'],
                                  ref['feats']['extract_feat'])


def test_pipeline_helpers_name_the_key(tiny_cfg, two_view_cfg):
    wrapped = copy.deepcopy(two_view_cfg.train_dataloader.dataset)
    wrapped.dataset.dataset = copy.deepcopy(tiny_cfg.val_dataloader.dataset)
    concat = dict(
        type='ConcatDataset',
        datasets=[copy.deepcopy(tiny_cfg.val_dataloader.dataset), wrapped])
    leaves = innermost_datasets(concat, 'val_dataloader.dataset')
    assert [path for path, _ in leaves] == [
        'val_dataloader.dataset.datasets[0]',
        'val_dataloader.dataset.datasets[1].dataset.dataset'
    ]
    replaced = with_pipeline(concat, [dict(type='PackInputs')])
    assert all(leaf['pipeline'] == [dict(type='PackInputs')]
               for _, leaf in innermost_datasets(replaced))
    assert concat['datasets'][0]['pipeline'][0]['type'] == 'LoadImageFromFile'
    tiny_cfg.val_dataloader.dataset = concat
    assert dataset_pipeline(tiny_cfg, 'val')[0]['type'] == 'LoadImageFromFile'
    tiny_cfg.val_dataloader.dataset.datasets[1].dataset.dataset.pipeline = []
    with pytest.raises(ValueError, match=r'datasets\[0\] and .*different'):
        dataset_pipeline(tiny_cfg, 'val')
    with pytest.raises(ValueError, match='has a pipeline of its own'):
        innermost_datasets(dict(dataset=concat, pipeline=[]), 'x')
    with pytest.raises(TypeError, match='x.dataset is a built list'):
        innermost_datasets(dict(dataset=[1]), 'x')
    with pytest.raises(KeyError, match='no train2_dataloader'):
        dataset_pipeline(tiny_cfg, 'train2')
