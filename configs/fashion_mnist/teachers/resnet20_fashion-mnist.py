# Fashion-MNIST teacher of the CPU pair: CIFAR ResNet-20 (grey stem) trained
# alone on all 60,000 training images, 1,500 iterations at batch 64 (1.6
# epochs), SGD lr 0.05, x0.1 at 1,000 and 1,250. No validation: every training
# image is in its training set. Writes
# work_dirs/fashion_mnist/teachers/resnet20/iter_1500.pth, the path the CPU
# pair's distiller configs load.
_base_ = [
    '../../_base_/models/fashion_mnist_resnet20_resnet8.py',
    '../../_base_/protocols/fashion_mnist_cpu.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = _base_.teacher_model
max_iters = 1500
train_dataloader = dict(dataset=dict(_base_.train_images, _delete_=True))
param_scheduler = dict(milestones=[1000, 1250])
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
val_dataloader = None
val_cfg = None
val_evaluator = None
work_dir = 'work_dirs/fashion_mnist/teachers/resnet20'
