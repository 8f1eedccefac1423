# Pixel-level distillation on real image content: CPU PSPNets segmenting
# Fashion-MNIST mosaics (teacher 2x wider -> student), test mIoU on mosaics
# of the 10,000 test images; docs/results_fashion_mosaics.md.
work_dir = 'work_dirs/suites/fashion_mosaics_cpu'
metric = 'mIoU'
metric_label = 'test mIoU (%)'
seeds = [0, 1, 2]
data_root = 'data/fashion_mosaics'
prepare = ['python', 'tools/data/make_fashion_mosaics.py', '--out', data_root]
prepare_check = data_root + '/img_dir/test'
options = {
    f'{loader}.dataset.data_root': data_root
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
}
cfg_dir = 'configs/fashion_mosaics/'
teacher = dict(
    config=cfg_dir + 'pspnet_teacher_fashion_mosaics.py',
    seed=0,
    options=options)
methods = [
    ('student alone', 'student'),
    ('pixel KD', 'kd'),
    ('CWD', 'cwd'),
    ('SKD', 'skd'),
    ('DLKD', 'dlkd'),
    ('DLKD + sup', 'dlkd-sup'),
]
runs = [
    dict(
        name=name,
        config=cfg_dir + f'pspnet_{key}_fashion_mosaics.py',
        group='methods') for name, key in methods
]
charts = [
    dict(
        group='methods',
        kind='bar',
        title='Fashion-MNIST mosaics, PSPNet R18 w32 -> w16, test mIoU')
]
