# Fashion-MNIST teacher of the CPU pair: CIFAR ResNet-20 (grey stem) trained
# alone on the 55,000 training images outside the 5,000-image validation
# split (the students' validation split stays unseen by the teacher), SGD
# lr 0.05, momentum 0.9, wd 5e-4, batch 64, x0.1 at 2/3 and 5/6 of the run,
# validated on that split at the end. The length is the one chosen on the
# validation split (docs/results_fashion_mnist.md); the model-zoo checkpoint
# is configs/fashion_mnist/metafile.yml's resnet20_fashion_mnist.
_base_ = [
    '../../_base_/models/fashion_mnist_resnet20_resnet8.py',
    '../../_base_/protocols/fashion_mnist_cpu.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = _base_.teacher_model
max_iters = 48000
param_scheduler = dict(milestones=[max_iters * 2 // 3, max_iters * 5 // 6])
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
work_dir = 'work_dirs/fashion_mnist/teachers/resnet20'
