# The CPU Fashion-MNIST protocol: ../datasets/fashion_mnist.py with the
# short schedule of ../schedules/fashion_mnist_cpu.py, one checkpoint at the
# end. Not a model: combine with a model or distill base.
_base_ = [
    '../datasets/fashion_mnist.py',
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
