"""The shipped Fashion-MNIST CRD config (ResNet-20 -> ResNet-8, RepDistiller's
recipe: banks over the training subset, 16,384 negatives) trains through
tools/train.py, changed only where the test needs it: the digits (grey) in
place of the Fashion-MNIST files inside the config's nested subsets,
batch 16, 4 iterations, a random-initialised teacher saved as a
checkpoint."""
import math
import os.path as osp
import re

import torch
from mmengine.registry import init_default_scope
from train_utils import ROOT, fashion_config_on_digits, run_tool

from mmdlkd.engine.hooks import training_samples
from mmdlkd.registry import DATASETS

CONFIG = osp.join(ROOT, 'configs', 'fashion_mnist',
                  'resnet20_resnet8_crd_fashion-mnist.py')


def test_fashion_mnist_crd_trains(digits_root, tmp_path):
    iters, batch = 4, 16
    cfg = fashion_config_on_digits(CONFIG, digits_root, tmp_path, batch)
    cfg.train_cfg = dict(by_epoch=False, max_iters=iters, val_interval=100)
    cfg.param_scheduler = dict(
        type='MultiStepLR', by_epoch=False, milestones=[100])
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', by_epoch=False, interval=2)
    cfg.default_hooks.logger.interval = 1
    cfg.randomness = dict(seed=0)
    cfg.work_dir = str(tmp_path / 'work')
    path = str(tmp_path / 'crd.py')
    cfg.dump(path)

    out = run_tool('train.py', path)
    init_default_scope('mmpretrain')
    train_set = DATASETS.build(cfg.train_dataloader.dataset)
    ids, labels = training_samples(train_set)
    assert f'memory banks of {len(ids)} training samples x 128 x 2' in out
    values = [float(v) for v in re.findall(r'\bloss_crd: (-?\d+\.\d+)', out)]
    assert len(values) == iters and all(map(math.isfinite, values)), out
    # 4 x 16 distinct samples of 117: every positive is a bank row still at
    # its random initialisation, uncorrelated with the anchor, so each
    # step's loss is NCE's value for uninformative scores: per side, with
    # Z the mean score times n_data, about log K (positive) + 1 (the K
    # negatives) + sigma^2 / 2, sigma the spread of the scores / tau
    # (1 / sqrt(128) / 0.07 for random bank rows of norm ~1)
    sigma2 = 1 / 128 / 0.07**2
    expected = 0.8 * 2 * (math.log(16384) + 1 + sigma2 / 2)
    assert all(abs(v - expected) < 1.5 for v in values), (expected, values)
    banks = {}
    for it in (2, iters):
        state = torch.load(
            tmp_path / 'work' / f'iter_{it}.pth',
            map_location='cpu',
            weights_only=False)['state_dict']
        prefix = 'distill_losses.loss_crd.memory.'
        banks[it] = {
            k[len(prefix):]: v
            for k, v in state.items() if k.startswith(prefix)
        }
        bank = banks[it]
        # exactly the training subset's samples, indices of the 1,257
        # digits (not positions in the subset)
        assert bank['sample_ids'].tolist() == ids.tolist()
        assert bank['labels'].tolist() == labels.tolist()
        assert bank['bank_s'].shape == (len(ids), 128)
        # the rows of the it * batch distinct samples seen so far are unit
        # vectors, the others RepDistiller's random initialisation
        for name in ('bank_s', 'bank_t'):
            unit = (bank[name].norm(dim=1) - 1).abs() < 1e-5
            assert int(unit.sum()) == it * batch, (it, name)
    assert (banks[2]['z'] > 0).all()
    assert torch.equal(banks[2]['z'], banks[iters]['z'])
    assert not torch.equal(banks[2]['bank_s'], banks[iters]['bank_s'])
