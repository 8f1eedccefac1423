"""CRD's memory banks stay identical on every process: 2 processes (gloo,
CPU), each with its own samples, update their banks with both processes'
embeddings, exactly as one process does with the global batch."""
import os.path as osp
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from mmdlkd.models.losses import CRDLoss

IDS = list(range(5, 45))
LABELS = [i % 4 for i in IDS]
STEPS, BATCH, DIM = 3, 4, 8


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def batches(rank: int, world: int):
    """The samples and (fixed) embeddings of each step on ``rank``; the
    processes see different samples, one process (world 1) all of them."""
    gen = torch.Generator().manual_seed(0)
    perm = torch.randperm(len(IDS), generator=gen)
    for step in range(STEPS):
        ids = torch.tensor(IDS)[perm[step * 2 * BATCH:(step + 1) * 2 * BATCH]]
        s = torch.randn(2 * BATCH, DIM, generator=gen)
        t = torch.randn(2 * BATCH, DIM, generator=gen)
        if world == 2:
            part = slice(rank * BATCH, (rank + 1) * BATCH)
            ids, s, t = ids[part], s[part], t[part]
        yield ids, s.requires_grad_(), t.requires_grad_()


def worker(rank: int, port: int, out_dir: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group(
        'gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank, world_size=2)
    try:
        torch.manual_seed(rank)  # different seeds: rank 0's banks win
        loss = CRDLoss(feat_dim=DIM, num_negatives=6).train()
        loss.memory.setup(IDS, LABELS)
        state = dict(start={
            k: v.clone()
            for k, v in loss.state_dict().items()
        })
        for ids, s, t in batches(rank, 2):
            loss(s, t, ids).backward()
        state['end'] = loss.state_dict()
        try:  # a process with another training set is refused on all
            n = len(IDS) - rank
            loss.memory.setup(IDS[:n], LABELS[:n])
        except ValueError as err:
            state['refused'] = str(err)
        torch.save(state, osp.join(out_dir, f'rank{rank}.pth'))
    finally:
        dist.destroy_process_group()


def test_banks_identical_on_two_processes(tmp_path):
    # fork: the children start with this process's imports, in no time
    mp.start_processes(
        worker,
        args=(free_port(), str(tmp_path)),
        nprocs=2,
        start_method='fork')
    ranks = [torch.load(tmp_path / f'rank{r}.pth') for r in range(2)]
    for key in ranks[0]['start']:
        for when in ('start', 'end'):
            assert torch.equal(ranks[0][when][key], ranks[1][when][key]), \
                (when, key)
    end = ranks[0]['end']
    assert not torch.equal(end['memory.bank_s'],
                           ranks[0]['start']['memory.bank_s'])
    assert (end['memory.z'] > 0).all()
    assert all('different training sets' in r.get('refused', '')
               for r in ranks)
    # one process with the global batch (rank 0's samples, then rank 1's)
    # makes the same updates
    one = CRDLoss(feat_dim=DIM, num_negatives=6).train()
    one.memory.setup(IDS, LABELS)
    one.load_state_dict(ranks[0]['start'])
    for ids, s, t in batches(0, 1):
        rows = one.memory.rows_of(ids)
        one.memory.update(rows, torch.nn.functional.normalize(s, dim=1),
                          torch.nn.functional.normalize(t, dim=1),
                          one.momentum)
    for key in ('memory.bank_s', 'memory.bank_t'):
        assert torch.allclose(one.state_dict()[key], end[key], atol=1e-6)
