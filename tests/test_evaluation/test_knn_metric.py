import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmdlkd  # noqa: F401
from mmdlkd.evaluation import (FeatureExtractor, build_eval_dataloader,
                               extract_features, knn_accuracy)
from mmdlkd.registry import METRICS


def test_knn_metric_hand_checked():
    metric = METRICS.build(
        dict(type='mmdlkd.KNNAccuracy', bank_labels=[0, 1, 1, 2], k=3))
    # the similarities of the hand-checked case in test_knn.py
    sims = torch.tensor([1.0, 0.8, 0.0, -1.0])
    metric.process({}, [
        dict(pred_score=sims, gt_label=torch.tensor([0])),
        dict(pred_score=sims, gt_label=torch.tensor([1]))
    ])
    assert metric.evaluate(2) == {'knn/top1': 50.0}
    majority = METRICS.build(
        dict(
            type='mmdlkd.KNNAccuracy',
            bank_labels=[0, 1, 1, 2],
            k=3,
            temperature=None,
            num_classes=6))
    majority.process({}, [dict(pred_score=sims, gt_label=torch.tensor([1]))])
    assert majority.evaluate(1) == {'knn/top1': 100.0, 'knn/top5': 100.0}
    with pytest.raises(ValueError):
        METRICS.build(dict(type='mmdlkd.KNNAccuracy'))
    with pytest.raises(ValueError):
        metric.process({}, [dict(pred_score=sims[:2], gt_label=[0])])


def test_knn_metric_in_a_test_loop(repo_root, digits_root, tmp_path):
    cfg = Config.fromfile(
        osp.join(repo_root, 'tests/data/configs/tiny_resnet_digits.py'))
    init_default_scope('mmpretrain')
    bank = dict(
        type='CustomDataset',
        data_root=digits_root,
        data_prefix='train',
        indices=list(range(0, 1258, 21)),  # 60 images, all classes
        pipeline=cfg.test_pipeline)
    val = copy.deepcopy(bank)
    val.update(data_prefix='val', indices=list(range(0, 539, 27)))
    loader = dict(
        batch_size=32,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False))
    model = dict(
        type='ImageToImageRetriever',
        image_encoder=[cfg.model.backbone, cfg.model.neck],
        head=cfg.model.head,
        data_preprocessor=cfg.data_preprocessor,
        prototype=dict(loader, dataset=bank),
        similarity_fn='cosine_similarity',
        topk=-1)
    runner = Runner(
        model=model,
        work_dir=str(tmp_path),
        test_dataloader=dict(loader, dataset=val),
        test_evaluator=dict(type='mmdlkd.KNNAccuracy', bank=bank, k=10),
        test_cfg=dict(),
        default_scope='mmpretrain')
    metrics = runner.test()
    assert set(metrics) == {'knn/top1', 'knn/top5'}
    # the same numbers from the plain function on the same features
    extractor = FeatureExtractor(runner.model)
    feats = [
        extract_features(
            extractor,
            build_eval_dataloader(
                Config(dict(x_dataloader=dict(loader, dataset=d))), 'x'),
            progress=False) for d in (bank, val)
    ]
    expected = knn_accuracy(feats[1]['feats']['extract_feat'],
                            feats[1]['labels'],
                            feats[0]['feats']['extract_feat'],
                            feats[0]['labels'])
    assert metrics['knn/top1'] == pytest.approx(expected['top1'])
    assert metrics['knn/top5'] == pytest.approx(expected['top5'])
