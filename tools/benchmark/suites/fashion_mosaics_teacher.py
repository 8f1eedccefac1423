# The Fashion-MNIST mosaics teacher's schedule, chosen on the validation
# mosaics: the teacher config (seed 0) trains for 1,600, 3,200, ...
# iterations (poly decay over the run) until a doubling gains less than 0.5
# validation mIoU; the longer of the last two is the teacher (it is already
# trained). With --jobs 2 the next doubling trains beside each length. No
# test: the chosen checkpoint is tested once when it is published
# (tools/model_converters/publish_model.py --hash-name, then tools/test.py;
# docs/results_fashion_mosaics.md).
work_dir = 'work_dirs/suites/fashion_mosaics_teacher'
results_dir = 'docs/results/fashion_mosaics_teacher'
metric = 'mIoU'
metric_label = 'val mIoU (%)'
data_root = 'data/fashion_mosaics'
prepare = ['python', 'tools/data/make_fashion_mosaics.py', '--out', data_root]
prepare_check = data_root + '/img_dir/test'
options = {
    f'{loader}.dataset.data_root': data_root
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
}
schedule = dict(
    runs=['teacher'],
    start=1600,
    gain=0.5,
    max_iters=25600,
    seed=0,
    pick='longer',
    ahead=True,
    options={
        'train_cfg.max_iters': '{iters}',
        'train_cfg.val_interval': '{iters}',
        # a checkpoint every quarter of the run, the newest kept: an
        # interrupted run resumes (run_suite.py keeps it beside the results)
        'default_hooks.checkpoint.interval': '{iters*1//4}',
        'default_hooks.checkpoint.max_keep_ckpts': 1,
        'param_scheduler.0.end': '{iters}',
    })
report = False
runs = [
    dict(
        name='teacher',
        config='configs/fashion_mosaics/pspnet_teacher_fashion_mosaics.py',
        group='teacher')
]
