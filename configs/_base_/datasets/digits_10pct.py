# A fixed, class-stratified 10% of the digits training split (the paper's
# few-shot scenario, Fig. 4); validation keeps the whole val split.
_base_ = ['./digits.py']
train_fraction = 0.1
train_dataloader = dict(
    batch_size=32,
    dataset=dict(
        _delete_=True,
        type='mmdlkd.RandomSubset',
        fraction=train_fraction,
        seed=0,
        dataset={{_base_.train_dataloader.dataset}}))
