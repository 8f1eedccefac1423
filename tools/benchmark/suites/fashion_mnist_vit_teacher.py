# The ViT teacher's schedule for ./fashion_mnist_vit.py, chosen on the
# validation split as ./fashion_mnist_teacher.py chooses the ResNet-20's:
# configs/transformers/vit-d6-p4_fashion-mnist.py (seed 0, the 55,000
# images outside the validation split) trains for 3,000, 6,000, ...
# iterations (its 10% linear warm-up and x0.1 steps at 2/3 and 5/6 of each
# length) until a doubling gains less than 0.3 validation points; the longer
# of the last two is the teacher. No test: the chosen checkpoint is tested
# once when it is published (tools/model_converters/publish_model.py).
_base_ = ['./fashion_mnist_teacher.py']
work_dir = 'work_dirs/suites/fashion_mnist_vit_teacher'
results_dir = 'docs/results/fashion_mnist_vit_teacher'
schedule = dict(
    max_iters=24000,
    ahead=False,
    options={
        '_delete_': True,
        'train_cfg.max_iters': '{iters}',
        'train_cfg.val_interval': '{iters}',
        'default_hooks.checkpoint.interval': 3000,
        'default_hooks.checkpoint.max_keep_ckpts': 1,
        'param_scheduler.0.end': '{iters*1//10}',
        'param_scheduler.1.milestones': ['{iters*2//3}', '{iters*5//6}'],
    })
runs = [
    dict(
        name='teacher',
        config='configs/transformers/vit-d6-p4_fashion-mnist.py',
        group='teacher')
]
