# The Fashion-MNIST CPU pair's teacher schedule, chosen on the validation
# split: the teacher config (seed 0; it trains on the 55,000 images outside
# the 5,000-image validation split) trains for 3,000, 6,000, ... iterations
# (x0.1 at 2/3 and 5/6 of the run) until a doubling gains less than 0.3
# validation points; the longer of the last two is the teacher (it is
# already trained). With --jobs 2 the next doubling trains beside each
# length (ahead). No test: the chosen checkpoint is tested once when it is
# published (tools/model_converters/publish_model.py, then tools/test.py;
# docs/results_fashion_mnist.md).
work_dir = 'work_dirs/suites/fashion_mnist_teacher'
results_dir = 'docs/results/fashion_mnist_teacher'
metric = 'accuracy/top1'
metric_label = 'val top-1 (%)'
prepare = [
    'python', 'tools/data/prepare_fashion_mnist.py', '--out',
    'data/fashion_mnist'
]
prepare_check = 'data/fashion_mnist/t10k-labels-idx1-ubyte'
schedule = dict(
    runs=['teacher'],
    start=3000,
    gain=0.3,
    max_iters=48000,
    seed=0,
    pick='longer',
    ahead=True,
    options={
        'train_cfg.max_iters': '{iters}',
        'train_cfg.val_interval': '{iters}',
        # a checkpoint every 3,000 iterations: an interrupted run resumes
        'default_hooks.checkpoint.interval': 3000,
        'default_hooks.checkpoint.max_keep_ckpts': 1,
        'param_scheduler.milestones': ['{iters*2//3}', '{iters*5//6}'],
    })
report = False
runs = [
    dict(
        name='teacher',
        config='configs/fashion_mnist/teachers/resnet20_fashion-mnist.py',
        group='teacher')
]
