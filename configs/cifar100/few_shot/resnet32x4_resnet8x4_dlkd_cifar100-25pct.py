# Few-shot (paper Fig. 4): DLKD resnet32x4 -> resnet8x4 trained on a fixed
# 25% of the CIFAR-100 training set (class-stratified, seed 0: the same
# images on every run and rank), tested on the whole test set. Same
# protocol (240 epochs) otherwise. Another fraction or seed:
#   --cfg-options train_dataloader.dataset.fraction=0.3 \
#                 train_dataloader.dataset.seed=1
_base_ = ['../dlkd/resnet32x4_resnet8x4_dlkd_cifar100.py']
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='mmdlkd.RandomSubset',
        fraction=0.25,
        seed=0,
        dataset={{_base_.train_dataloader.dataset}}))
