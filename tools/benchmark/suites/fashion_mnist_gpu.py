# Fashion-MNIST on a GPU: the paper's CIFAR pair, resnet32x4 teacher (all
# 60,000 training images) -> resnet8x4 students on all 55,000 training
# images left after the validation split, about 30 epochs, every method,
# tested once on the 10,000 test images. docs/results_fashion_mnist.md.
work_dir = 'work_dirs/suites/fashion_mnist_gpu'
metric = 'accuracy/top1'
metric_label = 'test top-1 (%)'
seeds = [0, 1, 2]
prepare = [
    'python', 'tools/data/prepare_fashion_mnist.py', '--out',
    'data/fashion_mnist'
]
prepare_check = 'data/fashion_mnist/t10k-labels-idx1-ubyte'
cfg_dir = 'configs/fashion_mnist/'
options = {'train_dataloader.dataset.fraction': 1.0}
report_options = {
    'val_cfg': None,
    'val_dataloader': None,
    'val_evaluator': None,
}
teacher = dict(config=cfg_dir + 'teachers/resnet32x4_fashion-mnist.py', seed=0)
pair = 'resnet32x4_resnet8x4_'
runs = [
    dict(
        name='student alone',
        config=cfg_dir + 'resnet8x4_fashion-mnist.py',
        group='methods')
]
runs += [
    dict(
        name=name,
        config=cfg_dir + pair + method + '_fashion-mnist.py',
        group='methods')
    for name, method in [('KD', 'kd'), ('FitNet', 'fitnet'), (
        'AT',
        'at'), ('SP',
                'sp'), ('RKD',
                        'rkd'), ('CRD',
                                 'crd'), ('DLKD',
                                          'dlkd'), ('DLKD + KD', 'dlkd-kd')]
]
charts = [
    dict(
        group='methods',
        kind='bar',
        title='Fashion-MNIST, resnet32x4 -> resnet8x4, all training images')
]
