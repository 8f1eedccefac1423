# Control of the Fashion-MNIST CPU pair: the student alone, trained with CE
# on the original view only, on the same two views per image as DLKD
# (../_base_/datasets/fashion_mnist_augview.py): its batch norms see both
# views, no distillation loss reads them. The distiller wraps the student
# for the two-view batches; the teacher is loaded but never run (nothing is
# recorded from it). Against resnet8_fashion-mnist.py it measures what the
# second view alone gives.
_base_ = [
    '../_base_/models/fashion_mnist_resnet20_resnet8.py',
    '../_base_/protocols/fashion_mnist_cpu_augview.py',
]
custom_imports = dict(imports=['mmdlkd'], allow_failed_imports=False)
model = dict(
    type='mmdlkd.Distiller',
    student=_base_.student_model,
    teacher=_base_.teacher_model,
    teacher_ckpt=_base_.teacher_ckpt,
    data_preprocessor=dict(type='mmdlkd.MultiViewDataPreprocessor'),
    num_views=2)
