"""CRDMemoryHook and training_samples: the bank covers exactly the
``sample_idx`` that the training pipeline packs, through nested
RandomSubsets (as the Fashion-MNIST configs nest them) and mmengine's
wrappers; in a run the banks are set up, updated, saved and resumed."""
import copy
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import ConcatDataset, RepeatDataset
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmdlkd.datasets import RandomSubset
from mmdlkd.engine.hooks import training_samples
from mmdlkd.engine.hooks.crd_memory_hook import repeated_negatives
from mmdlkd.models.distillers.host_models import gather_sample_idx
from mmdlkd.models.losses import CRDLoss
from mmdlkd.registry import DATASETS
from mmdlkd.utils import setup_runtime

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def digits(root: str):
    init_default_scope('mmpretrain')
    return DATASETS.build(
        dict(
            type='CustomDataset',
            data_root=root,
            data_prefix='train',
            pipeline=[dict(type='LoadImageFromFile'),
                      dict(type='PackInputs')]))


def nested(base, fraction=0.2):
    """A fraction of the complement of a 1/12 validation split, as in
    configs/_base_/datasets/fashion_mnist.py."""
    rest = RandomSubset(base, fraction=1 / 12, seed=0, complement=True)
    return RandomSubset(rest, fraction=fraction, seed=0)


def test_sample_idx_through_nested_subsets(digits_root):
    base = digits(digits_root)
    train = nested(base)
    ids, labels = training_samples(train)
    # what the pipeline packs, sample by sample
    packed = [train[i]['data_samples'] for i in range(len(train))]
    assert sorted(int(s.sample_idx) for s in packed) == ids.tolist()
    label_of = dict(zip(ids.tolist(), labels.tolist()))
    assert all(label_of[s.sample_idx] == int(s.gt_label) for s in packed)
    # the indices of the innermost dataset, not positions in the subset
    inner = train.dataset
    assert ids.tolist() == sorted(inner.indices[train.indices].tolist())
    assert len(ids) == len(train) < ids.max() < len(base)
    val = RandomSubset(base, fraction=1 / 12, seed=0).indices
    assert not set(val.tolist()) & set(ids.tolist())
    # the source the distiller builds from the packed samples
    idx = gather_sample_idx(packed[:4], 2, 4)
    assert idx.tolist() == [int(s.sample_idx) for s in packed[:4]] * 2
    loss = CRDLoss(feat_dim=4, num_negatives=3)
    loss.memory.setup(ids, labels)
    assert loss(torch.randn(8, 4), torch.randn(8, 4), idx, 2).isfinite()
    held_out = torch.tensor([int(val[0])])
    with pytest.raises(ValueError, match=f'sample_idx \\[{int(val[0])}\\]'):
        loss(torch.randn(1, 4), torch.randn(1, 4), held_out)
    # mmengine's wrappers: a repeated sample is one bank row ...
    repeated = RandomSubset(RepeatDataset(base, times=3), fraction=0.5)
    again, again_labels = training_samples(repeated)
    packed = [repeated[i]['data_samples'] for i in range(0, len(repeated), 7)]
    assert {int(s.sample_idx) for s in packed} <= set(again.tolist())
    assert len(again) == len(set(again.tolist())) < len(repeated)
    gt = np.asarray(base.get_gt_labels())
    assert np.array_equal(again_labels, gt[again])
    # ... and a concatenation, whose parts share indices, is refused
    with pytest.raises(ValueError, match='ConcatDataset'):
        training_samples(ConcatDataset([base, base]))
    with pytest.raises(ValueError, match='sample_idx'):
        gather_sample_idx([packed[0].clone()], 1, 2)


def test_repeated_negatives_are_named():
    labels = np.array([0, 0, 0, 1, 1, 2])  # class 0: 3 other-class rows
    assert repeated_negatives(3, 'other_classes', labels) is None
    note = repeated_negatives(4, 'other_classes', labels)
    # 4 draws from 3 rows: 1.3 each; K / n_data = 4 / 6
    assert note.startswith('4 negatives per sample, but the smallest pool '
                           'is 3 samples of the other classes')
    assert 'about 1.3 times' in note and 'K / n_data is 0.67' in note
    assert repeated_negatives(6, 'uniform', labels) is None
    assert 'pool is 6 training samples' in repeated_negatives(
        7, 'uniform', labels)
    # the recipe on the Fashion-MNIST 10% subset: 550 per class
    subset = np.repeat(np.arange(10), 550)
    assert 'about 3.3 times' in repeated_negatives(16384, 'other_classes',
                                                   subset)
    # and on CIFAR-100's 50,000 training images: distinct draws
    cifar = np.repeat(np.arange(100), 500)
    assert repeated_negatives(16384, 'other_classes', cifar) is None


def crd_cfg(tiny_distill_cfg, work_dir, iters: int) -> Config:
    """The tiny digits distiller with the shipped CRD recipe (crd_cls.py),
    trained on a nested subset of the digits."""
    cfg = copy.deepcopy(tiny_distill_cfg)
    crd = Config.fromfile(
        osp.join(ROOT, 'configs', '_base_', 'distill', 'crd_cls.py'))
    distill = crd.model.distill
    for name in ('embed_s', 'embed_t'):
        distill.connectors[name].in_channels = 64
    cfg.model.distill = distill
    cfg.custom_hooks = cfg.custom_hooks + [crd.crd_memory_hook]
    data = cfg.train_dataloader
    base = dict(data.dataset, type='CustomDataset')
    data.dataset = dict(
        type='mmdlkd.RandomSubset',
        fraction=0.2,
        dataset=dict(
            type='mmdlkd.RandomSubset',
            fraction=1 / 12,
            complement=True,
            dataset=base))
    data.sampler = dict(type='InfiniteSampler', shuffle=True)
    cfg.train_cfg = dict(by_epoch=False, max_iters=iters, val_interval=100)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', by_epoch=False, interval=2)
    cfg.work_dir = str(work_dir)
    cfg.log_level = 'WARNING'
    cfg.experiment_name = f'crd_{osp.basename(str(work_dir))}_{iters}'
    return cfg


def bank(work_dir, it: int) -> dict:
    ckpt = torch.load(
        osp.join(work_dir, f'iter_{it}.pth'),
        map_location='cpu',
        weights_only=False)
    prefix = 'distill_losses.loss_crd.memory.'
    return {
        k[len(prefix):]: v
        for k, v in ckpt['state_dict'].items() if k.startswith(prefix)
    }


def test_run_sets_up_updates_and_resumes(tiny_distill_cfg, digits_root,
                                         tmp_path):
    work = tmp_path / 'w'
    Runner.from_cfg(crd_cfg(tiny_distill_cfg, work, 2)).train()
    # the recipe's 16,384 negatives on a few hundred digits: warned
    log = open(glob.glob(str(work / '*' / '*.log'))[0]).read()
    assert 'distill_losses.loss_crd (CRDLoss): 16384 negatives per' in log
    first = bank(work, 2)
    ids, labels = training_samples(nested(
        digits(digits_root)))  # the run's training set
    assert first['sample_ids'].tolist() == ids.tolist()
    assert first['labels'].tolist() == labels.tolist()
    n = len(ids)
    assert first['bank_s'].shape == first['bank_t'].shape == (n, 128)
    # 2 iterations of 8 distinct samples: 16 rows updated (unit norm),
    # the others still RepDistiller's random initialisation
    unit = (first['bank_s'].norm(dim=1) - 1).abs() < 1e-5
    assert int(unit.sum()) == 16
    assert (first['z'] > 0).all()
    # resume to 4: the saved banks go on (rows untouched by iterations 3
    # and 4 are the saved ones), Z stays
    cfg = crd_cfg(tiny_distill_cfg, work, 4)
    cfg.resume = True
    setup_runtime()  # as tools/train.py: mmengine checkpoints load
    Runner.from_cfg(cfg).train()
    second = bank(work, 4)
    assert torch.equal(second['z'], first['z'])
    changed = (second['bank_s'] != first['bank_s']).any(dim=1)
    assert 0 < int(changed.sum()) <= 16
    assert torch.equal(second['bank_t'][~changed], first['bank_t'][~changed])
    assert int(((second['bank_s'].norm(dim=1) - 1).abs() < 1e-5).sum()) > 16
