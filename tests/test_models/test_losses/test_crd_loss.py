"""CRDLoss and CRDMemory against an independent float64 evaluation of
RepDistiller's formulas (crd/memory.py ContrastMemory, crd/criterion.py
ContrastLoss, dataset/cifar100.py CIFAR100InstanceSample), written here
with plain Python loops."""
import math

import pytest
import torch
from mmengine.runner.checkpoint import load_state_dict

from mmdlkd.models.losses import CRDLoss
from mmdlkd.registry import MODELS

# 12 training samples with non-contiguous dataset indices, 3 classes
IDS = [3, 4, 8, 9, 15, 16, 23, 42, 43, 50, 51, 70]
LABELS = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 0, 1]


def _unit(v):
    norm = math.sqrt(sum(x * x for x in v))
    return [x / norm for x in v]


def _dot(a, b):
    return sum(x * y for x, y in zip(a, b))


def reference_step(bank_s, bank_t, s, t, pos, neg, tau, z, momentum, eps=1e-7):
    """One CRD step after RepDistiller, on lists.

    ``pos[b]`` is the bank row of sample ``b``, ``neg[b]`` its negatives'
    rows. ``z`` is ``(Z_s, Z_t)`` or None (set from this batch). Returns the
    (unweighted) loss, Z and the updated banks.
    """
    n = len(bank_s)
    s = [_unit(v) for v in s]
    t = [_unit(v) for v in t]
    rows = [[pos[b]] + list(neg[b]) for b in range(len(s))]
    # ContrastMemory: out_v1 = exp(memory_v2 . v1 / T) (student anchor,
    # teacher bank); out_v2 = exp(memory_v1 . v2 / T)
    out_s = [[math.exp(_dot(bank_t[j], s[b]) / tau) for j in rows[b]]
             for b in range(len(s))]
    out_t = [[math.exp(_dot(bank_s[j], t[b]) / tau) for j in rows[b]]
             for b in range(len(s))]
    if z is None:
        entries = len(s) * len(rows[0])
        z = (sum(map(sum, out_s)) / entries * n,
             sum(map(sum, out_t)) / entries * n)

    def contrast_loss(out, zz):
        m = len(out[0]) - 1
        pn = 1. / n
        total = 0.
        for row in out:
            p = [x / zz for x in row]
            total += math.log(p[0] / (p[0] + m * pn + eps))
            for k in range(1, m + 1):
                total += math.log(m * pn / (p[k] + m * pn + eps))
        return -total / len(out)

    loss = contrast_loss(out_s, z[0]) + contrast_loss(out_t, z[1])
    new_s = [list(r) for r in bank_s]
    new_t = [list(r) for r in bank_t]
    for b in range(len(s)):  # index_copy_: a repeated row, the last wins
        for new, old, v in ((new_s, bank_s, s[b]), (new_t, bank_t, t[b])):
            new[pos[b]] = _unit([
                momentum * x + (1 - momentum) * y
                for x, y in zip(old[pos[b]], v)
            ])
    return loss, z, new_s, new_t


def make_loss(k=5, dim=4, **kwargs):
    loss = CRDLoss(feat_dim=dim, num_negatives=k, **kwargs).double()
    torch.manual_seed(0)
    assert loss.memory.setup(IDS, LABELS) is True
    return loss


def test_registered_and_defaults():
    loss = MODELS.build(dict(type='mmdlkd.CRDLoss', loss_weight=0.8))
    assert loss.loss_weight == 0.8
    # RepDistiller's train_student.py defaults
    assert (loss.memory.feat_dim, loss.num_negatives, loss.tau, loss.momentum,
            loss.negatives) == (128, 16384, 0.07, 0.5, 'other_classes')


def test_bank_initialisation():
    loss = CRDLoss(feat_dim=128)
    torch.manual_seed(0)
    loss.memory.setup(list(range(0, 4000, 2)), [0, 1] * 1000)
    bank = torch.cat([loss.memory.bank_s, loss.memory.bank_t])
    stdv = 1 / math.sqrt(128 / 3)
    assert bank.shape == (4000, 128)
    assert bank.min() >= -stdv and bank.max() <= stdv
    assert bank.min() < -0.95 * stdv and bank.max() > 0.95 * stdv
    # not normalised; E|m|^2 = 128 * stdv^2 / 3 = 1
    assert bank.square().sum(1).mean().item() == pytest.approx(1, abs=0.02)
    assert not torch.equal(loss.memory.bank_s, loss.memory.bank_t)
    assert loss.memory.z.tolist() == [-1, -1]


@pytest.mark.parametrize('tau,momentum', [(0.07, 0.5), (0.2, 0.3)])
def test_two_steps_match_the_reference(tau, momentum):
    k = 5
    loss = make_loss(k=k, loss_weight=0.8, tau=tau, momentum=momentum).train()
    mem = loss.memory
    gen = torch.Generator().manual_seed(0)
    z = None
    # the second batch repeats a sample: the last occurrence updates it
    for batch in ([9, 42, 3, 70], [16, 50, 16, 4, 23]):
        s = torch.randn(len(batch), 4, dtype=torch.float64, generator=gen)
        t = torch.randn(len(batch), 4, dtype=torch.float64, generator=gen)
        rows = mem.rows_of(torch.tensor(batch))
        assert rows.tolist() == [IDS.index(i) for i in batch]
        neg_rows = mem.draw_negatives(rows, k, generator=gen)
        contrast_idx = mem.sample_ids[neg_rows]
        for b, i in enumerate(batch):  # other classes only
            label = LABELS[IDS.index(i)]
            assert all(LABELS[IDS.index(int(j))] != label
                       for j in contrast_idx[b])
        before = (mem.bank_s.tolist(), mem.bank_t.tolist())
        ref_loss, z, ref_s, ref_t = reference_step(*before, s.tolist(),
                                                   t.tolist(), rows.tolist(),
                                                   neg_rows.tolist(), tau, z,
                                                   momentum)
        out = loss(s, t, torch.tensor(batch), contrast_idx=contrast_idx)
        assert out.item() == pytest.approx(0.8 * ref_loss, rel=1e-10)
        assert mem.z.tolist() == pytest.approx(list(z), rel=1e-12)
        for bank, ref in ((mem.bank_s, ref_s), (mem.bank_t, ref_t)):
            ref = torch.tensor(ref, dtype=torch.float64)
            assert torch.allclose(bank, ref, atol=1e-12)
        seen = sorted(set(rows.tolist()))
        assert torch.allclose(mem.bank_s[seen].norm(dim=1),
                              torch.ones(len(seen), dtype=torch.float64))
    # Z was set by the first batch only
    assert z is not None and mem.z.tolist() == pytest.approx(list(z))


def test_eval_mode_changes_nothing():
    loss = make_loss().eval()
    state = {k: v.clone() for k, v in loss.state_dict().items()}
    s, t = torch.randn(3, 4).double(), torch.randn(3, 4).double()
    out = loss(s, t, torch.tensor([3, 4, 8]))
    assert out.isfinite()
    for key, value in loss.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_negatives_other_classes_without_and_with_replacement():
    mem = make_loss().memory
    labels = torch.tensor(LABELS)
    rows = torch.arange(len(IDS))
    others = [sum(1 for y in LABELS if y != LABELS[r]) for r in range(12)]
    # K = 7 <= every class's other samples (7..9): without replacement
    neg = mem.draw_negatives(
        rows, 7, generator=torch.Generator().manual_seed(1))
    assert neg.shape == (12, 7)
    assert ((neg >= 0) & (neg < 12)).all()
    assert (labels[neg] != labels[rows, None]).all()
    assert all(len(set(r.tolist())) == 7 for r in neg)
    # K = 2000 > others: with replacement, uniform over the other classes
    neg = mem.draw_negatives(
        rows, 2000, generator=torch.Generator().manual_seed(2))
    assert (labels[neg] != labels[rows, None]).all()
    for r in range(12):
        counts = torch.bincount(neg[r], minlength=12)
        members = labels != labels[r]
        assert (counts[~members] == 0).all()
        expect = 2000 / others[r]
        assert (counts[members] - expect).abs().max() < 6 * math.sqrt(expect)
    # the same generator state draws the same negatives
    a = mem.draw_negatives(rows, 7, generator=torch.Generator().manual_seed(3))
    b = mem.draw_negatives(rows, 7, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    # uniform: any row, the positive included, with replacement
    neg = mem.draw_negatives(
        rows, 3000, 'uniform', generator=torch.Generator().manual_seed(4))
    assert set(neg.flatten().tolist()) == set(range(12))


def test_gradcheck_float64():
    loss = make_loss(k=6, tau=0.07).eval()
    loss.memory.z.copy_(torch.tensor([3.0e3, 2.5e3]))
    gen = torch.Generator().manual_seed(5)
    s = torch.randn(4, 4, dtype=torch.float64, requires_grad=True)
    t = torch.randn(4, 4, dtype=torch.float64, requires_grad=True)
    idx = torch.tensor([3, 15, 43, 51])
    neg = loss.memory.sample_ids[loss.memory.draw_negatives(
        loss.memory.rows_of(idx), 6, generator=gen)]
    assert torch.autograd.gradcheck(
        lambda a, b: loss(a, b, idx, contrast_idx=neg), (s, t))
    # the training step's backward works after its own bank update
    loss.train()
    loss(s, t, idx).backward()
    assert s.grad.abs().sum() > 0 and t.grad.abs().sum() > 0


def test_multi_view_uses_the_original_view():
    a, b = make_loss().train(), make_loss().train()
    s, t = torch.randn(6, 4).double(), torch.randn(6, 4).double()
    idx = torch.tensor([3, 4, 8])
    neg = a.memory.sample_ids[a.memory.draw_negatives(
        a.memory.rows_of(idx), 5, generator=torch.Generator().manual_seed(0))]
    two = a(s, t, idx.repeat(2), num_views=2, contrast_idx=neg)
    one = b(s[:3], t[:3], idx, contrast_idx=neg)
    assert two.item() == pytest.approx(one.item(), rel=1e-12)
    assert torch.equal(a.memory.bank_s, b.memory.bank_s)


def test_refusals():
    loss = CRDLoss(feat_dim=4, num_negatives=3)
    s = torch.randn(2, 4)
    with pytest.raises(RuntimeError, match='mmdlkd.CRDMemoryHook'):
        loss(s, s, torch.tensor([3, 4]))
    loss.memory.setup(IDS, LABELS)
    with pytest.raises(ValueError, match=r'sample_idx \[5\] is not in the'):
        loss(s, s, torch.tensor([3, 5]))
    with pytest.raises(ValueError, match='feat_dim=4'):
        loss(torch.randn(2, 8), torch.randn(2, 8), torch.tensor([3, 4]))
    with pytest.raises(ValueError, match='sorted and unique'):
        CRDLoss(feat_dim=4).memory.setup([3, 3, 4])
    unlabelled = CRDLoss(feat_dim=4, num_negatives=3)
    unlabelled.memory.setup([1, 2, 3])
    with pytest.raises(ValueError, match="negatives='uniform'"):
        unlabelled(s, s, torch.tensor([1, 2]))
    uniform = CRDLoss(feat_dim=4, num_negatives=3, negatives='uniform')
    uniform.memory.setup([1, 2, 3])
    assert uniform(s, s, torch.tensor([1, 2])).isfinite()
    with pytest.raises(ValueError, match='negatives must be'):
        CRDLoss(negatives='relax')


def test_checkpoint_round_trip_and_resume_checks():
    loss = make_loss().train()
    loss(
        torch.randn(3, 4).double(),
        torch.randn(3, 4).double(), torch.tensor([3, 4, 8]))
    saved = {k: v.clone() for k, v in loss.state_dict().items()}
    assert set(saved) == {
        'memory.bank_s', 'memory.bank_t', 'memory.sample_ids', 'memory.labels',
        'memory.z'
    }
    # as the runner loads a checkpoint: empty banks take the saved size
    fresh = CRDLoss(feat_dim=4, num_negatives=5).double()
    load_state_dict(fresh, saved, strict=True)
    for key, value in fresh.state_dict().items():
        assert torch.equal(value, saved[key]), key
    # the hook's set-up then keeps them for the same training set ...
    assert fresh.memory.setup(IDS, LABELS) is False
    assert torch.equal(fresh.memory.bank_s, saved['memory.bank_s'])
    # ... and refuses another one
    with pytest.raises(ValueError, match='covers 12 samples'):
        fresh.memory.setup(IDS[:-1], LABELS[:-1])
    with pytest.raises(ValueError, match='other labels'):
        fresh.memory.setup(IDS, LABELS[::-1])
