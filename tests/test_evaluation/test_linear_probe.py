import torch

from mmdlkd.evaluation import train_linear_probe


def _clusters(n_per_class, seed, num_classes=5, dim=16):
    gen = torch.Generator().manual_seed(seed)
    centres = torch.randn(
        num_classes, dim, generator=torch.Generator().manual_seed(100)) * 3
    feats = centres.repeat_interleave(n_per_class, 0) + torch.randn(
        n_per_class * num_classes, dim, generator=gen)
    return feats, torch.arange(num_classes).repeat_interleave(n_per_class)


def test_linear_probe_separable_features():
    train_x, train_y = _clusters(40, seed=0)
    val_x, val_y = _clusters(10, seed=1)
    result = train_linear_probe(
        train_x,
        train_y,
        val_x,
        val_y,
        epochs=30,
        lr=0.1,
        milestones=(20, ),
        batch_size=32,
        normalize='standardize')
    assert result['top1'] >= 98.0
    assert result['top5'] == 100.0
    assert result['train_top1'] >= 98.0
    assert len(result['history']) == 30
    assert result['history'][-1] < result['history'][0]


def test_linear_probe_deterministic_and_l2():
    train_x, train_y = _clusters(20, seed=2, num_classes=3)
    kwargs = dict(epochs=5, lr=1.0, batch_size=16, normalize='l2')
    a = train_linear_probe(train_x, train_y, train_x, train_y, **kwargs)
    b = train_linear_probe(train_x, train_y, train_x, train_y, **kwargs)
    assert a == b
    assert 'top5' not in a  # 3 classes
