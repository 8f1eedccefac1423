"""The analysis tools run end to end on the digits folder, random model.

The knowledge tool runs as a user runs it (a subprocess); the others run
their ``main()`` in this process (``runpy``), which saves the ~10 s of
imports per tool on a small CPU.
"""
import csv
import os.path as osp
import runpy
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from train_utils import load_tool, run_tool

import mmdlkd  # noqa: F401
from mmdlkd.evaluation import build_eval_dataloader, build_model, eval_pipeline

CONFIG = 'tests/data/configs/tiny_resnet_digits.py'


@pytest.fixture(scope='module')
def setup(repo_root, digits_root, tmp_path_factory):
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    init_default_scope('mmpretrain')
    tmp = tmp_path_factory.mktemp('analysis')
    ckpts = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        path = str(tmp / f'random{seed}.pth')
        torch.save({'state_dict': build_model(cfg).state_dict()}, path)
        ckpts.append(path)
    options = [
        '--cfg-options', f'train_dataloader.dataset.data_root={digits_root}',
        f'val_dataloader.dataset.data_root={digits_root}'
    ]
    return dict(ckpts=ckpts, options=options, tmp=tmp)


def _run_in_process(repo_root, tool, *args):
    """``python tools/analysis/<tool> args`` in this process."""
    argv = sys.argv
    sys.argv = [tool, *map(str, args)]
    try:
        runpy.run_path(
            osp.join(repo_root, 'tools', 'analysis', tool),
            run_name='__main__')
    finally:
        sys.argv = argv


def _rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def test_knowledge_quantification_tool(setup):
    out = str(setup['tmp'] / 'kq')
    run_tool('analysis/knowledge_quantification.py', CONFIG, *setup['ckpts'],
             '--names', 'a', 'b', '--num-images', '2', '--steps', '3',
             '--num-noise', '1', '--out-dir', out, *setup['options'])
    summary = _rows(osp.join(out, 'knowledge.csv'))
    assert [r['model'] for r in summary] == ['a', 'b']
    assert set(summary[0]) == {
        'model', 'checkpoint', 'num_images', 'h_bar', 'h_bar_std', 'iou'
    }
    per_image = _rows(osp.join(out, 'knowledge_per_image.csv'))
    assert len(per_image) == 4
    assert osp.isfile(osp.join(out, 'knowledge.md'))
    for row in per_image[:2]:
        assert osp.isfile(
            osp.join(out, 'maps', f"{int(row['index']):05d}.png"))


def test_cka_similarity_tool(setup, repo_root):
    out = str(setup['tmp'] / 'cka')
    a = setup['ckpts'][0]
    _run_in_process(repo_root, 'cka_similarity.py', CONFIG, a, CONFIG, a,
                    '--layers-a', 'backbone.layer2', 'neck', '--layers-b',
                    'neck', '--num-samples', '24', '--out-dir', out,
                    *setup['options'])
    rows = _rows(osp.join(out, 'cka.csv'))
    assert [(r['kernel'], r['layer_a'], r['layer_b'])
            for r in rows] == [('linear', 'backbone.layer2', 'neck'),
                               ('linear', 'neck', 'neck'),
                               ('rbf', 'backbone.layer2', 'neck'),
                               ('rbf', 'neck', 'neck')]
    assert {r['estimator'] for r in rows} == {'debiased'}
    values = [float(r['cka']) for r in rows]
    assert all(-0.2 < v < 0.999 for v in values[::2])
    # the model against itself: 1 on the matching layer
    assert values[1] == pytest.approx(1.0, abs=1e-6)
    assert values[3] == pytest.approx(1.0, abs=1e-6)
    for name in ('cka.md', 'cka_linear.png', 'cka_rbf.png'):
        assert osp.isfile(osp.join(out, name))


def test_tsne_tool(setup, repo_root):
    out = str(setup['tmp'] / 'tsne')
    _run_in_process(repo_root, 'tsne.py', CONFIG, setup['ckpts'][0],
                    '--classes', '1', '3', '7', '--num-samples', '30',
                    '--max-iter', '250', '--out-dir', out, *setup['options'])
    summary = _rows(osp.join(out, 'tsne_summary.csv'))
    assert [r['label'] for r in summary] == ['1', '3', '7']
    assert sum(int(r['num_points']) for r in summary) == 30
    points = _rows(osp.join(out, 'tsne_points.csv'))
    assert len(points) == 30 and {p['label']
                                  for p in points} == {'1', '3', '7'}
    assert osp.isfile(osp.join(out, 'tsne.png'))
    assert osp.isfile(osp.join(out, 'tsne_summary.md'))


def test_knn_eval_tool(setup, repo_root):
    out = str(setup['tmp'] / 'knn')
    _run_in_process(repo_root, 'knn_eval.py', CONFIG, setup['ckpts'][0], '--k',
                    '1', '10', '--num-samples', '30', '--num-bank', '60',
                    '--out-dir', out, *setup['options'])
    rows = _rows(osp.join(out, 'knn.csv'))
    assert [r['k'] for r in rows] == ['1', '10']
    assert all(0 <= float(r['top1']) <= float(r['top5']) <= 100 for r in rows)
    assert rows[0]['num_bank'] == '60' and rows[0]['num_queries'] == '30'
    assert osp.isfile(osp.join(out, 'knn.png'))
    assert osp.isfile(osp.join(out, 'knn.md'))


def test_linear_probe_tool(setup, repo_root):
    out = str(setup['tmp'] / 'lp')
    _run_in_process(repo_root, 'linear_probe.py', CONFIG, setup['ckpts'][0],
                    '--num-train', '60', '--num-samples', '30', '--epochs',
                    '5', '--lr', '0.1', '--milestones', '3', '--normalize',
                    'standardize', '--out-dir', out, *setup['options'])
    rows = _rows(osp.join(out, 'linear_probe.csv'))
    assert len(rows) == 1
    assert rows[0]['num_train'] == '60' and rows[0]['num_val'] == '30'
    assert 0 <= float(rows[0]['top1']) <= 100
    assert osp.isfile(osp.join(out, 'linear_probe_loss.png'))
    assert osp.isfile(osp.join(out, 'linear_probe.md'))


def test_tools_read_a_wrapped_two_view_train_set(setup, repo_root,
                                                 digits_root):
    """The bank / probe-training set / CKA images through the test pipeline:
    no crash on two views, and one model against itself on the training
    split has CKA 1 (each model would otherwise see other random views)."""
    ckpt = setup['ckpts'][0]
    out = str(setup['tmp'] / 'two_view')
    config = 'tests/data/configs/tiny_resnet_digits_two_view.py'
    options = [
        '--cfg-options',
        f'train_dataloader.dataset.dataset.dataset.data_root={digits_root}',
        f'val_dataloader.dataset.data_root={digits_root}'
    ]
    _run_in_process(repo_root, 'knn_eval.py', config, ckpt, '--k', '5',
                    '--num-samples', '20', '--num-bank', '40', '--out-dir',
                    out, *options)
    assert _rows(osp.join(out, 'knn.csv'))[0]['num_bank'] == '40'
    _run_in_process(repo_root, 'linear_probe.py', config, ckpt, '--num-train',
                    '40', '--num-samples', '20', '--epochs', '2', '--lr',
                    '0.1', '--out-dir', out, *options)
    assert _rows(osp.join(out, 'linear_probe.csv'))[0]['num_train'] == '40'
    _run_in_process(repo_root, 'cka_similarity.py', config, ckpt, config, ckpt,
                    '--layers-a', 'neck', '--layers-b', 'neck', '--split',
                    'train', '--kernels', 'linear', '--estimator', 'biased',
                    '--num-samples', '20', '--out-dir', out, *options)
    row, = _rows(osp.join(out, 'cka.csv'))
    assert row['estimator'] == 'biased'
    assert float(row['cka']) == pytest.approx(1.0, abs=1e-9)


def test_channel_activity_by_hand():
    """Two samples, three channels, two positions: channel 0 is never
    above 0 (dead), channel 1 is positive once, channel 2 is constant."""
    tool = load_tool('analysis/channel_activity.py', 'channel_activity')
    feat = torch.tensor([[[0., -1.], [0., 2.], [3., 3.]],
                         [[0., 0.], [0., 0.], [3., 3.]]])
    out = tool.channel_activity(feat)
    assert out['channels'] == 3 and out['dead'] == 1
    # zeros: 3 in channel 0, 3 in channel 1, none in channel 2
    assert out['zero_share'] == pytest.approx(6 / 12)
    # population std: channel 0 of (0, -1, 0, 0) sqrt(3) / 4, channel 1 of
    # (0, 2, 0, 0) sqrt(3) / 2, channel 2 0
    assert out['mean_std'] == pytest.approx((3**0.5 / 4 + 3**0.5 / 2) / 3)


def test_channel_activity_tool(setup, repo_root, digits_root):
    """Two stem channels switched off (BN weight 0, bias -1) are the dead
    ones the tool counts at the stem's ReLU, and its zero share is the one
    of the module's output read here directly."""
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    model = build_model(cfg)
    model.load_state_dict(torch.load(setup['ckpts'][0])['state_dict'])
    with torch.no_grad():
        model.backbone.norm1.weight[:2] = 0
        model.backbone.norm1.bias[:2] = -1
    path = str(setup['tmp'] / 'two_dead.pth')
    torch.save({'state_dict': model.state_dict()}, path)
    out = str(setup['tmp'] / 'activity')
    _run_in_process(repo_root, 'channel_activity.py', CONFIG, path, '--layers',
                    'backbone.relu', 'backbone.layer1', '--num-samples', '16',
                    '--out-dir', out, *setup['options'])
    rows = _rows(osp.join(out, 'channel_activity.csv'))
    assert [r['layer'] for r in rows] == ['backbone.relu', 'backbone.layer1']
    stem = rows[0]
    assert stem['channels'] == '16' and stem['dead'] == '2'
    assert int(rows[1]['dead']) < 16
    # the same 16 images through the stem by hand
    cfg.val_dataloader.dataset.data_root = digits_root
    loader = build_eval_dataloader(
        cfg, 'val', 16, pipeline=eval_pipeline(cfg, 'val'))
    zeros = total = 0
    alive = set()
    with torch.no_grad():
        for batch in loader:
            x = model.data_preprocessor(batch, False)['inputs']
            stem_out = torch.relu(
                model.backbone.norm1(model.backbone.conv1(x)))
            zeros += int((stem_out == 0).sum())
            total += stem_out.numel()
            alive |= {c for c in range(16) if bool((stem_out[:, c] > 0).any())}
    assert sorted(set(range(16)) - alive) == [0, 1]
    assert float(stem['zero_share']) == pytest.approx(zeros / total)
