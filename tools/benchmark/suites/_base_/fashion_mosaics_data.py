# What the Fashion-MNIST mosaics suites share: the data (written by
# tools/data/make_fashion_mosaics.py when missing) and the options that set
# a run's length (``{iters}``, filled by the schedule stage).
data_root = 'data/fashion_mosaics'
prepare = ['python', 'tools/data/make_fashion_mosaics.py', '--out', data_root]
prepare_check = data_root + '/img_dir/test'
options = {
    f'{loader}.dataset.data_root': data_root
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
}
schedule_options = {
    'train_cfg.max_iters': '{iters}',
    'train_cfg.val_interval': '{iters}',
    # a checkpoint every quarter of the run, the newest kept: an
    # interrupted run resumes (run_suite.py keeps it beside the results)
    'default_hooks.checkpoint.interval': '{iters*1//4}',
    'default_hooks.checkpoint.max_keep_ckpts': 1,
    'param_scheduler.0.end': '{iters}',
}
