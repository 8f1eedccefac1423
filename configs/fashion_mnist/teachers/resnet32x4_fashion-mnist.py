# Fashion-MNIST teacher of the GPU pair: resnet32x4 (grey stem) trained alone
# on all 60,000 training images, 28,200 iterations at batch 64 (about 30
# epochs), SGD lr 0.05, x0.1 at 2/3 and 5/6. No validation: every training
# image is in its training set. Writes
# work_dirs/fashion_mnist/teachers/resnet32x4/iter_28200.pth, the path the GPU
# pair's distiller configs load.
_base_ = [
    '../../_base_/models/fashion_mnist_resnet32x4_resnet8x4.py',
    '../../_base_/protocols/fashion_mnist_gpu.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = _base_.teacher_model
max_iters = 28200
train_dataloader = dict(dataset=dict(_base_.train_images, _delete_=True))
param_scheduler = dict(milestones=[18800, 23500])
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
val_dataloader = None
val_cfg = None
val_evaluator = None
work_dir = 'work_dirs/fashion_mnist/teachers/resnet32x4'
