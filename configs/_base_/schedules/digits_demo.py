# Short iteration-based schedule for the digits demo (CPU, minutes).
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4))
max_iters = 150
param_scheduler = dict(
    type='MultiStepLR', by_epoch=False, milestones=[100, 130], gamma=0.1)
train_cfg = dict(by_epoch=False, max_iters=max_iters, val_interval=max_iters)
val_cfg = dict()
test_cfg = dict()
