# Fashion-MNIST on a CPU: CIFAR ResNet-20 teacher (all 60,000 training
# images) -> ResNet-8 students on a fixed, class-stratified 10% of the
# training images (per seed), tested once on the 10,000 test images.
# Groups: the methods, DLKD's loss ablation (paper Table VIII), the spindle
# ratio (Table VII) and the training fraction (Fig. 4).
# docs/results_fashion_mnist.md has the results and the command.
work_dir = 'work_dirs/suites/fashion_mnist_cpu'
metric = 'accuracy/top1'
metric_label = 'test top-1 (%)'
seeds = [0, 1, 2]
prepare = [
    'python', 'tools/data/prepare_fashion_mnist.py', '--out',
    'data/fashion_mnist'
]
prepare_check = 'data/fashion_mnist/t10k-labels-idx1-ubyte'
cfg_dir = 'configs/fashion_mnist/'
options = {
    'train_dataloader.dataset.fraction': 0.1,
    # the subset follows the seed: each seed trains on its own 10%
    'train_dataloader.dataset.seed': '{seed}',
    # reported runs read the test set once and need no validation split
    'val_cfg': None,
    'val_dataloader': None,
    'val_evaluator': None,
}
teacher = dict(config=cfg_dir + 'teachers/resnet20_fashion-mnist.py', seed=0)
methods = [
    ('student alone', 'resnet8_fashion-mnist.py'),
    ('KD', 'resnet20_resnet8_kd_fashion-mnist.py'),
    ('FitNet', 'resnet20_resnet8_fitnet_fashion-mnist.py'),
    ('AT', 'resnet20_resnet8_at_fashion-mnist.py'),
    ('SP', 'resnet20_resnet8_sp_fashion-mnist.py'),
    ('RKD', 'resnet20_resnet8_rkd_fashion-mnist.py'),
    ('CRD', 'resnet20_resnet8_crd_fashion-mnist.py'),
    ('DLKD', 'resnet20_resnet8_dlkd_fashion-mnist.py'),
    ('DLKD + KD', 'resnet20_resnet8_dlkd-kd_fashion-mnist.py'),
]
runs = [
    dict(name=name, config=cfg_dir + cfg, group='methods')
    for name, cfg in methods
]
runs += [
    dict(
        name=f'DLKD: {terms}',
        config=cfg_dir + f'ablation/resnet20_resnet8_dlkd-{suffix}'
        '_fashion-mnist.py',
        group='ablation')
    for terms, suffix in [('align', 'align'), ('corr', 'corr'), (
        'sup', 'sup'), ('align + corr',
                        'align-corr'), ('align + sup',
                                        'align-sup'), ('corr + sup',
                                                       'corr-sup')]
]
runs.append(
    dict(name='DLKD: align + corr + sup', same_as='DLKD', group='ablation'))
runs += [
    dict(
        name=f'DLKD, spindle r={ratio}',
        config=cfg_dir + 'resnet20_resnet8_dlkd_fashion-mnist.py',
        options={'model.distill.connectors.align.hidden_ratio': ratio},
        group='spindle',
        x=ratio,
        series='DLKD') for ratio in (0.25, 1, 4)
]
runs.append(
    dict(
        name='DLKD, spindle r=16',
        same_as='DLKD',
        group='spindle',
        x=16,
        series='DLKD'))
few_shot = [methods[0], methods[1], methods[7]]
runs += [
    dict(
        name=f'{name}, 10%', same_as=name, group='few-shot', x=10, series=name)
    for name, _ in few_shot
]
runs += [
    dict(
        name=f'{name}, {pct}%',
        config=cfg_dir + cfg,
        options={'train_dataloader.dataset.fraction': pct / 100},
        group='few-shot',
        x=pct,
        series=name) for name, cfg in few_shot for pct in (25, 50, 100)
]
charts = [
    dict(
        group='methods',
        kind='bar',
        title='Fashion-MNIST, ResNet-20 -> '
        'ResNet-8, 10% of the training images'),
    dict(group='ablation', kind='bar', title='DLKD loss ablation'),
    dict(
        group='spindle',
        kind='line',
        xlabel='spindle hidden width / teacher dim',
        xscale='log',
        title='DLKD spindle ratio'),
    dict(
        group='few-shot',
        kind='line',
        xlabel='training images used (%)',
        title='Few-shot: accuracy against the training fraction'),
]
