# The CPU Fashion-MNIST protocol (./fashion_mnist_cpu.py) with the two
# training views of ../datasets/fashion_mnist_augview.py.
_base_ = [
    '../datasets/fashion_mnist_augview.py',
    '../schedules/fashion_mnist_cpu.py',
    '../default_runtime_iters.py',
]
default_hooks = dict(
    logger=dict(interval=100), checkpoint=dict(interval={{_base_.max_iters}}))
# channels-last convolutions for the trained networks: faster steps of these
# small CIFAR networks on oneDNN (measured in docs/benchmarks.md)
custom_hooks = [
    dict(type='mmdlkd.NonFiniteLossHook'),
    dict(type='mmdlkd.DatasetCheckHook'),
    dict(type='mmdlkd.ChannelsLastHook'),
]
