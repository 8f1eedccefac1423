# The Fashion-MNIST mosaics teacher's schedule, chosen on the validation
# mosaics: the teacher config (seed 0) trains for 1,600, 3,200, ...
# iterations (poly decay over the run) until a doubling gains less than 0.5
# validation mIoU; the longer of the last two is the teacher (it is already
# trained). With --jobs 2 the next doubling trains beside each length. No
# test: the chosen checkpoint is tested once when it is published
# (tools/model_converters/publish_model.py --hash-name, then tools/test.py;
# docs/results_fashion_mosaics.md).
_base_ = ['./_base_/fashion_mosaics_data.py']
work_dir = 'work_dirs/suites/fashion_mosaics_teacher'
results_dir = 'docs/results/fashion_mosaics_teacher'
metric = 'mIoU'
metric_label = 'val mIoU (%)'
schedule = dict(
    runs=['teacher'],
    start=1600,
    gain=0.5,
    max_iters=25600,
    seed=0,
    pick='longer',
    ahead=True,
    options={{_base_.schedule_options}})
report = False
runs = [
    dict(
        name='teacher',
        config='configs/fashion_mosaics/pspnet_teacher_fashion_mosaics.py',
        group='teacher')
]
