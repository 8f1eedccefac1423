"""Global-batch losses across two gloo processes equal single-process ones."""
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from mmdlkd.models.losses import CorrelationLoss, SupConDistillLoss

WORLD = 2


def _global_batch():
    gen = torch.Generator().manual_seed(0)
    views, n = 3, 2  # per process
    s = torch.randn(views, WORLD * n, 5, generator=gen)
    t = torch.randn(views, WORLD * n, 7, generator=gen)
    emb_s = torch.randn(WORLD * 3, 4, generator=gen)
    emb_t = torch.randn(WORLD * 3, 4, generator=gen)
    labels = torch.tensor([0, 1, 255, 1, 0, 2])  # rank 1 has one ignored
    return views, n, s, t, emb_s, emb_t, labels


def _worker(rank, init_file):
    dist.init_process_group(
        'gloo', init_method=f'file://{init_file}', rank=rank, world_size=WORLD)
    try:
        views, n, s, t, emb_s, emb_t, labels = _global_batch()
        # correlation: view-major rows, this process holds n per view
        full_s = s.reshape(-1, 5).requires_grad_()
        ref = CorrelationLoss()(full_s, t.reshape(-1, 7), num_views=views)
        ref.backward()
        ref_grad = full_s.grad.view(views, WORLD, n, 5)[:, rank]
        local_s = s[:, rank * n:(rank + 1) * n].reshape(-1, 5)
        local_s.requires_grad_()
        local_t = t[:, rank * n:(rank + 1) * n].reshape(-1, 7)
        out = CorrelationLoss(gather=True)(local_s, local_t, views)
        out.backward()
        assert torch.allclose(out, ref, rtol=1e-5), (out, ref)
        # DDP averages over processes: then the global gradient is exact
        grad = local_s.grad.view(views, n, 5) / WORLD
        assert torch.allclose(grad, ref_grad, atol=1e-6)
        # supervised loss, unequal valid counts per process
        for mode in ('cross', 'union'):
            full_e = emb_s.clone().requires_grad_()
            ref = SupConDistillLoss(mode=mode)(full_e, emb_t, labels)
            ref.backward()
            rows = slice(rank * 3, (rank + 1) * 3)
            local_e = emb_s[rows].clone().requires_grad_()
            out = SupConDistillLoss(
                mode=mode, gather=True)(local_e, emb_t[rows], labels[rows])
            out.backward()
            assert torch.allclose(out, ref, rtol=1e-5), (mode, out, ref)
            assert torch.allclose(
                local_e.grad / WORLD, full_e.grad[rows], atol=1e-6)
    finally:
        dist.destroy_process_group()


def test_gathered_losses_match_single_process(tmp_path):
    mp.spawn(_worker, args=(str(tmp_path / 'init'), ), nprocs=WORLD)
