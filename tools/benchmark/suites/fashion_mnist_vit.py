# A transformer teacher on the Fashion-MNIST CPU protocol: the ViT of
# configs/transformers/vit-d6-p4_fashion-mnist.py (seed 0, the 55,000
# images outside the validation split, at the length
# ./fashion_mnist_vit_teacher.py chose on that split) -> the CPU pair's
# ResNet-8 student. The student schedule is the one ./fashion_mnist_cpu.py
# chose (from its committed results), the distillation weights are tuned
# the same way (x0.25, x1, x4, one seed, validation split), 3 seeds are
# tested once. The student alone is the same run as in
# ./fashion_mnist_cpu.py (its own seeds here).
# docs/results_fashion_mnist.md.
_base_ = ['./fashion_mnist_cpu.py']
work_dir = 'work_dirs/suites/fashion_mnist_vit'
results_dir = 'docs/results/fashion_mnist_vit'
# the teacher is the run that search chose (refused while it is undecided)
teacher = dict(
    _delete_=True,
    from_suite='tools/benchmark/suites/fashion_mnist_vit_teacher.py',
    run='teacher')
schedule = dict(
    _delete_=True,
    from_suite='tools/benchmark/suites/fashion_mnist_cpu.py',
    options={{_base_.schedule.options}})
cfg_dir = 'configs/transformers/'
runs = [
    dict(
        name='student alone',
        config='configs/fashion_mnist/resnet8_fashion-mnist.py',
        group='methods'),
    dict(
        name='KD',
        config=cfg_dir + 'vit-d6-p4_resnet8_kd_fashion-mnist.py',
        group='methods'),
    dict(
        name='DLKD',
        config=cfg_dir + 'vit-d6-p4_resnet8_dlkd_fashion-mnist.py',
        group='methods'),
]
transfer = None  # no transfer probe in this suite
compare = dict(reference='DLKD', against=['student alone', 'KD'])
charts = [
    dict(
        group='methods',
        kind='bar',
        title='Fashion-MNIST, ViT (6 layers, 128-d) -> ResNet-8, '
        '10% of the training images'),
]
