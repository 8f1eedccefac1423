# The GPU Fashion-MNIST benchmark's schedule: about 30 epochs of the 55,000
# training images at batch 64; SGD momentum 0.9, wd 5e-4, lr 0.05, x0.1 at
# 2/3 and 5/6 of the iterations.
# Another length: a child config sets max_iters, train_cfg, the milestones
# and the checkpoint interval together (as the teacher configs do).
max_iters = 25800
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(
    type='MultiStepLR',
    by_epoch=False,
    milestones=[max_iters * 2 // 3, max_iters * 5 // 6],
    gamma=0.1)
train_cfg = dict(by_epoch=False, max_iters=max_iters, val_interval=max_iters)
val_cfg = dict()
test_cfg = dict()
