# A diagnosis of CRD on the Fashion-MNIST CPU protocol's 10% subset
# (docs/results_fashion_mnist.md, the paragraph after the tuning table):
# RepDistiller's recipe draws 16,384 negatives per sample from the training
# set's other classes, which on CIFAR-100 (50,000 images) is 0.33 of the
# set; on the 5,500-image subset each other-class row is drawn about 3.3
# times a step and the NCE noise term K / n is 3.0 instead of 0.33. This
# suite trains CRD exactly as ./fashion_mnist_cpu.py tunes it (seed 0,
# 12,800 iterations, scored on the validation split), at the chosen x0.25
# weight and at x1 (where the reference recipe lost 2.4 points), with the
# number of negatives scaled to keep CIFAR-100's K / n: 16,384 x 5,500 /
# 50,000 = 1,802. The reference recipe stays what the methods table
# reports; these runs only test the candidate cause of its failure.
_base_ = ['./fashion_mnist_cpu.py']
work_dir = 'work_dirs/suites/fashion_mnist_crd_negatives'
results_dir = 'docs/results/fashion_mnist_crd_negatives'
metric_label = 'val top-1 (%)'
schedule = dict(
    _delete_=True, iters=12800, options={{_base_.schedule.options}})
tune = dict(scales=[0.25, 1])
report = False
runs = [
    dict(
        name='CRD, 1,802 negatives',
        config='configs/fashion_mnist/resnet20_resnet8_crd_fashion-mnist.py',
        options={'model.distill.losses.loss_crd.num_negatives': 1802},
        group='methods')
]
compare = None
charts = []
transfer = None
