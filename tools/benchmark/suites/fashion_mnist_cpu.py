# Fashion-MNIST on a CPU: the shipped CIFAR ResNet-20 teacher (trained on the
# 55,000 training images outside the validation split) -> ResNet-8 students
# on a fixed, class-stratified 10% of those images (per seed). Stages: the
# student schedule is chosen on the 5,000-image validation split (student
# alone and DLKD, doubling until a doubling gains < 0.3 points), then every
# method's distillation weights (x0.25, x1, x4 of its reference recipe, one
# seed) on the same split; the reported runs train at those settings and
# read the 10,000 test images once each. Groups: the methods (with the
# two-view controls), DLKD's loss ablation (Table VIII), the spindle ratio
# (Table VII) and the training fraction (Fig. 4, passes kept equal).
# docs/results_fashion_mnist.md has the results and the command.
work_dir = 'work_dirs/suites/fashion_mnist_cpu'
results_dir = 'docs/results/fashion_mnist_cpu'
metric = 'accuracy/top1'
metric_label = 'top-1 (%)'
# reported seeds: not 0, the seed the schedule and tune stages train with
# (a reported seed 0 would repeat the run whose validation score chose
# its setting)
seeds = [1, 2, 3]
prepare = [
    [
        'python', 'tools/data/prepare_fashion_mnist.py', '--out',
        'data/fashion_mnist'
    ],
    [
        'python', 'tools/data/make_digits_dataset.py', 'data/digits_28',
        '--size', '28'
    ],
]
prepare_check = [
    'data/fashion_mnist/t10k-labels-idx1-ubyte', 'data/digits_28/val'
]
cfg_dir = 'configs/fashion_mnist/'
options = {
    'train_dataloader.dataset.fraction': 0.1,
    # the subset follows the seed: each seed trains on its own 10%
    'train_dataloader.dataset.seed': '{seed}',
}
# reported runs read the test set once and need no validation
report_options = {
    'val_cfg': None,
    'val_dataloader': None,
    'val_evaluator': None,
}
# the frozen teacher in bf16 (where the CPU has bf16 arithmetic), its batch
# norms folded, channels-last (docs/benchmarks.md: the speed of this
# protocol)
distiller_options = {
    'model.teacher_dtype': 'auto',
    'model.teacher_fuse_bn': True,
    'model.teacher_channels_last': True,
}
teacher = dict(checkpoint=cfg_dir + 'zoo/resnet20_fashion-mnist-1b509a62.pth')
schedule = dict(
    runs=['student alone', 'DLKD'],
    start=400,
    gain=0.3,
    max_iters=12800,
    seed=0,
    options={
        'train_cfg.max_iters': '{iters}',
        'train_cfg.val_interval': '{iters}',
        # a checkpoint every quarter of the run, the newest kept: an
        # interrupted run resumes (run_suite.py keeps it beside the results)
        'default_hooks.checkpoint.interval': '{iters*1//4}',
        'default_hooks.checkpoint.max_keep_ckpts': 1,
        'param_scheduler.milestones': ['{iters*2//3}', '{iters*5//6}'],
    })
tune = dict(scales=[0.25, 1, 4], seed=0, groups=['methods'])
five = [1, 2, 3, 4, 5]
methods = [
    ('student alone', 'resnet8_fashion-mnist.py', five),
    ('KD', 'resnet20_resnet8_kd_fashion-mnist.py', five),
    ('FitNet', 'resnet20_resnet8_fitnet_fashion-mnist.py', None),
    ('AT', 'resnet20_resnet8_at_fashion-mnist.py', None),
    ('SP', 'resnet20_resnet8_sp_fashion-mnist.py', None),
    ('RKD', 'resnet20_resnet8_rkd_fashion-mnist.py', None),
    ('CRD', 'resnet20_resnet8_crd_fashion-mnist.py', five),
    ('DLKD', 'resnet20_resnet8_dlkd_fashion-mnist.py', five),
    ('DLKD + KD', 'resnet20_resnet8_dlkd-kd_fashion-mnist.py', five),
    # DLKD's second augmented view given to the student alone and to KD
    # (cross-entropy on the original view, as DLKD)
    ('student alone, 2 views', 'resnet8_2view_fashion-mnist.py', None),
    ('KD, 2 views', 'resnet20_resnet8_kd-2view_fashion-mnist.py', None),
]
runs = [
    dict(name=name, config=cfg_dir + cfg, group='methods', seeds=seeds)
    for name, cfg, seeds in methods
]
# the students kept for the model zoo: DLKD's of every seed (the entry is
# the one with the best validation score, not test score), KD's first
runs[7]['export_seeds'] = five
runs[1]['export_seeds'] = five[:1]
runs += [
    dict(
        name=f'DLKD: {terms}',
        config=cfg_dir + f'ablation/resnet20_resnet8_dlkd-{suffix}'
        '_fashion-mnist.py',
        group='ablation',
        tuned_as='DLKD')
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
        tuned_as='DLKD',
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
    for name, _, _ in few_shot
]
# the same number of passes over the data at every fraction
runs += [
    dict(
        name=f'{name}, {pct}%',
        config=cfg_dir + cfg,
        options={'train_dataloader.dataset.fraction': pct / 100},
        iters_scale=pct / 10,
        group='few-shot',
        x=pct,
        series=name,
        **({} if name == 'student alone' else dict(tuned_as=name)))
    for name, cfg, _ in few_shot for pct in (5, 25)
]
# Tables IX/X: a linear probe of each frozen student's pooled feature on the
# digits (28x28 grey, padded), a data set none of them trained on
transfer = dict(
    config=cfg_dir + 'transfer/resnet8_digits_probe.py',
    metric_label='digits linear-probe top-1 (%)')
probed = [
    'student alone', 'KD', 'DLKD', 'DLKD: align', 'DLKD: corr',
    'DLKD: align + corr'
]
for run in runs:
    if run['name'] in probed and 'same_as' not in run:
        run['probe'] = True
compare = dict(
    reference='DLKD',
    against=[
        'student alone', 'KD', 'FitNet', 'AT', 'SP', 'RKD', 'CRD', 'DLKD + KD',
        'student alone, 2 views', 'KD, 2 views'
    ])
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
