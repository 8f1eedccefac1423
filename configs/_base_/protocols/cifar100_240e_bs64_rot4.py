# The CIFAR-100 KD-benchmark protocol (240 epochs, batch 64, SGD lr 0.05,
# x0.1 at 150/180/210, wd 5e-4; see ../schedules/cifar100_sgd_240e.py) with
# the training views of ../datasets/cifar100_bs64_rot4.py.
# Not a model: combine with a model or distill base.
_base_ = [
    '../datasets/cifar100_bs64_rot4.py',
    '../schedules/cifar100_sgd_240e.py',
    '../default_runtime_epochs.py',
]
