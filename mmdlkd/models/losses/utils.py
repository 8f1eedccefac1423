"""Helpers shared by the distillation losses."""
import contextlib
from typing import Iterator, Optional, Sequence, Tuple, Union

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor

SizeLike = Union[int, Sequence[int]]


def upcast(x: Tensor) -> Tensor:
    """Cast half-precision tensors to float32; keep float32/float64 as is."""
    if x.dtype in (torch.float16, torch.bfloat16):
        return x.float()
    return x


@contextlib.contextmanager
def full_precision(x: Tensor) -> Iterator[None]:
    """Disable autocast on ``x``'s device inside the block.

    Softmax, log-softmax, exp and KL must run in float32 even when the
    surrounding step runs under fp16/bf16 autocast; inputs are upcast with
    :func:`upcast` by the caller.
    """
    with torch.autocast(device_type=x.device.type, enabled=False):
        yield


def zero_loss(*tensors: Tensor) -> Tensor:
    """A scalar 0 that is connected to the graph of ``tensors``.

    Returned when a loss has nothing to average over, so that callers (and
    DDP) still see every parameter in the graph and ``backward`` works.
    """
    out = None
    for t in tensors:
        if t is None:
            continue
        term = upcast(t).sum() * 0.
        out = term if out is None else out + term
    assert out is not None, 'zero_loss needs at least one tensor'
    return out


def check_size(name: str, size: SizeLike) -> Tuple[int, int]:
    """Normalise an int or an (h, w) pair to a 2-tuple of positive ints."""
    if isinstance(size, int):
        size = (size, size)
    size = tuple(int(s) for s in size)
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f'{name} must be a positive int or an (h, w) pair, '
                         f'got {size}')
    return size


def match_spatial(s_feat: Tensor, t_feat: Tensor,
                  resize_to: str) -> Tuple[Tensor, Tensor]:
    """Bilinearly resize one of two ``[N, C, H, W]`` maps to the other's size.

    Args:
        s_feat (Tensor): Student map.
        t_feat (Tensor): Teacher map.
        resize_to (str): ``'teacher'`` resizes the student map to the
            teacher's size, ``'student'`` the teacher map to the student's.

    Returns:
        Tuple[Tensor, Tensor]: The two maps with equal spatial size.
    """
    if resize_to not in ('teacher', 'student'):
        raise ValueError("resize_to must be 'teacher' or 'student', "
                         f'got {resize_to!r}')
    if s_feat.shape[-2:] == t_feat.shape[-2:]:
        return s_feat, t_feat
    if resize_to == 'teacher':
        s_feat = F.interpolate(
            s_feat,
            size=t_feat.shape[-2:],
            mode='bilinear',
            align_corners=False)
    else:
        t_feat = F.interpolate(
            t_feat,
            size=s_feat.shape[-2:],
            mode='bilinear',
            align_corners=False)
    return s_feat, t_feat


def resize_labels(labels: Tensor, size: Sequence[int]) -> Tensor:
    """Nearest-neighbour resize of ``[N, H, W]`` integer labels."""
    if labels.shape[-2:] == tuple(size):
        return labels
    out = F.interpolate(
        labels[:, None].float(), size=tuple(size), mode='nearest')
    return out[:, 0].to(labels.dtype)


def check_dims(name: str, x: Tensor, dims: Sequence[int]) -> None:
    """Raise a ValueError naming ``name`` if ``x.dim()`` is not in ``dims``."""
    if x.dim() not in dims:
        raise ValueError(f'{name} must have {" or ".join(map(str, dims))} '
                         f'dims, got shape {tuple(x.shape)}')


class _GatherWithGrad(torch.autograd.Function):
    """All-gather along dim 0 whose backward returns this rank's gradient.

    Every rank computes the same global loss, so the gradient of that loss
    with respect to this rank's rows is the sum of the gradients that all
    ranks computed for them (``all_reduce``); after DDP's averaging over the
    ``W`` ranks the parameters receive exactly the gradient of the global
    loss.
    """

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        ctx.rank = dist.get_rank()
        ctx.rows = x.shape[0]
        out = [torch.empty_like(x) for _ in range(dist.get_world_size())]
        dist.all_gather(out, x.contiguous())
        return torch.cat(out, dim=0)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        grad = grad.contiguous()
        dist.all_reduce(grad)
        start = ctx.rank * ctx.rows
        return grad[start:start + ctx.rows]


def gather_rows(x: Tensor, num_views: int = 1) -> Tensor:
    """Concatenate ``x`` over all processes, keeping a view-major layout.

    ``x`` holds ``num_views`` blocks of equal size along dim 0 (view-major:
    all rows of view 0, then view 1, ...). The result is view-major over the
    global batch: view 0 of rank 0, view 0 of rank 1, ..., view 1 of rank 0,
    and so on. Gradients flow to this process's rows (see
    :class:`_GatherWithGrad`). Without an initialised process group, or with
    one process, ``x`` is returned unchanged. Every process must pass the
    same shape.

    Args:
        x (Tensor): Local rows ``[V * N, ...]``.
        num_views (int): Number of view blocks ``V``. Defaults to 1.

    Returns:
        Tensor: Global rows ``[V * W * N, ...]``.
    """
    if not (dist.is_available() and dist.is_initialized()):
        return x
    world = dist.get_world_size()
    if world == 1:
        return x
    if x.requires_grad:
        full = _GatherWithGrad.apply(x)
    else:
        full = [torch.empty_like(x) for _ in range(world)]
        dist.all_gather(full, x.contiguous())
        full = torch.cat(full, dim=0)
    if num_views == 1:
        return full
    rows = x.shape[0] // num_views
    # [W, V, N, ...] -> [V, W, N, ...]
    full = full.reshape(world, num_views, rows, *x.shape[1:])
    return full.transpose(0, 1).reshape(-1, *x.shape[1:])


def random_subset(num: int, max_num: Optional[int],
                  device: torch.device) -> Optional[Tensor]:
    """Indices of a random subset of size ``max_num`` out of ``num``.

    Uses the torch RNG (so ``torch.manual_seed`` makes it reproducible).
    Returns None when no subsampling is needed.
    """
    if max_num is None or num <= max_num:
        return None
    return torch.randperm(num, device=device)[:max_num]
