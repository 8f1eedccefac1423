"""The memory banks of contrastive representation distillation (CRD).

Written after RepDistiller (HobbitLong/RepDistiller, the authors' code of
Tian et al., ICLR 2020): ``crd/memory.py`` (``ContrastMemory``: the banks,
their initialisation, the momentum update and the normalisation constant
Z) and ``dataset/cifar100.py`` (``CIFAR100InstanceSample``: which bank rows
are a sample's negatives).
"""
import math
from typing import Optional, Sequence, Tuple

import torch
import torch.distributed as dist
import torch.nn as nn
from torch import Tensor

#: Negative sampling modes, see :meth:`CRDMemory.draw_negatives`.
NEGATIVE_MODES = ('other_classes', 'uniform')
# Rows x bank size of one chunk of the sampling keys drawn without
# replacement (64 MiB of float32).
_KEY_CHUNK = 1 << 24


def world_size() -> int:
    """The number of processes (1 without a process group)."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return 1


def all_gather_rows(*tensors: Tensor) -> Tuple[Tensor, ...]:
    """Concatenate tensors over all processes along dim 0 (rank-major).

    The tensors of one process share their first dim, which may differ
    between processes. Without a process group they come back as given.
    """
    world = world_size()
    if world == 1:
        return tensors
    rows = torch.tensor([tensors[0].shape[0]], device=tensors[0].device)
    sizes = [torch.zeros_like(rows) for _ in range(world)]
    dist.all_gather(sizes, rows)
    sizes = [int(s.item()) for s in sizes]
    most = max(sizes)
    out = []
    for x in tensors:
        padded = x.new_zeros((most, *x.shape[1:]))
        padded[:x.shape[0]] = x
        parts = [torch.empty_like(padded) for _ in range(world)]
        dist.all_gather(parts, padded.contiguous())
        out.append(torch.cat([p[:n] for p, n in zip(parts, sizes)]))
    return tuple(out)


def mean_over_ranks(x: Tensor) -> Tensor:
    """The mean of a tensor over all processes."""
    world = world_size()
    if world == 1:
        return x
    x = x.clone()
    dist.all_reduce(x)
    return x / world


class CRDMemory(nn.Module):
    r"""Memory banks of both networks' embeddings over the training set.

    One row per training sample: ``bank_s`` holds the student's embedding
    of it, ``bank_t`` the teacher's (RepDistiller's ``memory_v1`` and
    ``memory_v2``); ``sample_ids`` holds the samples' dataset indices
    (``sample_idx`` of mmengine's ``BaseDataset.get_data_info``, which
    mmpretrain's ``PackInputs`` puts into the data samples), sorted, and
    ``labels`` their class ids. All are buffers, so they are saved in
    checkpoints and ``--resume`` continues with them: ``n_data x feat_dim x
    2`` floats plus ``2 x n_data`` int64 (CIFAR-100: 50,000 x 128 x 2 x 4
    bytes = 51 MB).

    The banks are empty until :meth:`setup` (called by
    :class:`mmdlkd.engine.hooks.CRDMemoryHook` before training) sizes them
    from the training set. Loading a state dict into empty banks takes the
    saved size.

    - Initialisation (``ContrastMemory.__init__``): uniform in
      ``[-a, a]``, ``a = 1 / sqrt(feat_dim / 3)``, not normalised.
    - Update (``ContrastMemory.forward``, after the scores):
      ``m_i <- (momentum * m_i + (1 - momentum) * v_i) / ||.||`` for every
      sample ``i`` of the batch. With several processes the batch is the
      one of all processes together (all-gathered), so every process keeps
      the same banks.
    - Z (``params[2:4]``): ``-1`` until the first training batch sets each
      one, then fixed (see :class:`~mmdlkd.models.losses.CRDLoss`).

    Args:
        feat_dim (int): Embedding dim. Defaults to 128 (``--feat_dim``).
    """

    def __init__(self, feat_dim: int = 128) -> None:
        super().__init__()
        if feat_dim < 1:
            raise ValueError(f'feat_dim must be positive, got {feat_dim}')
        self.feat_dim = int(feat_dim)
        self.register_buffer('bank_s', torch.empty(0, self.feat_dim))
        self.register_buffer('bank_t', torch.empty(0, self.feat_dim))
        self.register_buffer('sample_ids', torch.empty(0, dtype=torch.long))
        self.register_buffer('labels', torch.empty(0, dtype=torch.long))
        # Z of the student-anchor and of the teacher-anchor term
        self.register_buffer('z', torch.full((2, ), -1.))
        self._classes: Optional[Tuple[Tensor, ...]] = None

    @property
    def num_rows(self) -> int:
        """``n_data``: the rows of each bank (0 before :meth:`setup`)."""
        return self.sample_ids.numel()

    def extra_repr(self) -> str:
        return f'feat_dim={self.feat_dim}, n_data={self.num_rows}'

    # ------------------------------------------------------------ set-up

    def setup(self,
              sample_ids: Sequence[int],
              labels: Optional[Sequence[int]] = None,
              where: str = 'CRDMemory') -> bool:
        """Size the banks for a training set, or check the loaded ones.

        Args:
            sample_ids (Sequence[int]): The training samples' dataset
                indices, sorted and unique.
            labels (Sequence[int], optional): Their class ids (needed by
                ``'other_classes'`` negatives). Defaults to None (``-1``).
            where (str): Who asks, for messages.

        Returns:
            bool: True when new banks were initialised; False when the
            banks (loaded from a checkpoint) already cover exactly these
            samples with these labels, and are kept.

        Raises:
            ValueError: ``sample_ids`` empty, unsorted or repeated; banks
                that cover other samples or labels; processes that pass
                different training sets.
        """
        device = self.bank_s.device
        ids = torch.as_tensor(sample_ids, dtype=torch.long).flatten()
        if ids.numel() == 0:
            raise ValueError(f'{where}: the training set is empty')
        if ids.numel() > 1 and not bool((ids[1:] > ids[:-1]).all()):
            raise ValueError(f'{where}: sample_ids must be sorted and unique')
        if labels is None:
            labels = torch.full_like(ids, -1)
        labels = torch.as_tensor(labels, dtype=torch.long).flatten()
        if labels.shape != ids.shape:
            raise ValueError(f'{where}: {labels.numel()} labels for '
                             f'{ids.numel()} samples')
        ids, labels = ids.to(device), labels.to(device)
        self._check_same_on_all_ranks(ids, labels, where)
        if self.num_rows:
            if not (torch.equal(self.sample_ids, ids)
                    and torch.equal(self.labels, labels)):
                raise ValueError(
                    f'{where}: the memory bank (from the checkpoint) covers '
                    f'{self.num_rows} samples (sample_idx '
                    f'{self._span(self.sample_ids)}), the training set '
                    f'{ids.numel()} (sample_idx {self._span(ids)}) or with '
                    'other labels; resume only with the training set the '
                    'checkpoint was trained on')
            return False
        n = ids.numel()
        stdv = 1. / math.sqrt(self.feat_dim / 3)
        banks = torch.rand(
            2, n, self.feat_dim, device=device,
            dtype=self.bank_s.dtype).mul_(2 * stdv).sub_(stdv)
        if world_size() > 1:
            dist.broadcast(banks, 0)
        self.bank_s, self.bank_t = banks[0].clone(), banks[1].clone()
        self.sample_ids, self.labels = ids, labels
        self.z = torch.full_like(self.z, -1.)
        self._classes = None
        return True

    @staticmethod
    def _span(ids: Tensor) -> str:
        return f'{int(ids.min())}..{int(ids.max())}' if ids.numel() else '-'

    @staticmethod
    def _check_same_on_all_ranks(ids: Tensor, labels: Tensor,
                                 where: str) -> None:
        if world_size() == 1:
            return
        # exact in float64 up to 2**53 (far beyond any dataset index)
        digest = torch.stack([
            torch.tensor(float(ids.numel())),
            ids.double().sum().cpu(),
            (ids.double() * 7 + labels.double()).square().sum().cpu()
        ]).to(ids.device)
        low, high = digest.clone(), digest.clone()
        dist.all_reduce(low, op=dist.ReduceOp.MIN)
        dist.all_reduce(high, op=dist.ReduceOp.MAX)
        if not torch.equal(low, high):
            raise ValueError(f'{where}: the processes have different '
                             'training sets; the memory banks must cover '
                             'the same samples on every process')

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict,
                              missing_keys, unexpected_keys,
                              error_msgs) -> None:
        """Empty banks take the size of the saved ones."""
        names = ('bank_s', 'bank_t', 'sample_ids', 'labels')
        saved = {
            name: state_dict[prefix + name]
            for name in names if prefix + name in state_dict
        }
        if saved and any(saved[n].shape != getattr(self, n).shape
                         for n in saved):
            if self.num_rows:
                raise ValueError(
                    f'{prefix}: the saved CRD memory bank has '
                    f'{saved.get("sample_ids", torch.empty(0)).numel()} '
                    f'rows, this one {self.num_rows}')
            for name, value in saved.items():
                own = getattr(self, name)
                setattr(
                    self, name,
                    torch.empty(
                        value.shape, dtype=own.dtype, device=own.device))
        self._classes = None
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)

    # ------------------------------------------------------------ lookup

    def rows_of(self, sample_idx: Tensor, where: str = 'CRDMemory') -> Tensor:
        """The bank rows of dataset indices.

        Raises:
            RuntimeError: The banks are not set up.
            ValueError: An index that is not a training sample.
        """
        if not self.num_rows:
            raise RuntimeError(
                f'{where}: the memory bank is not set up; add '
                "dict(type='mmdlkd.CRDMemoryHook') to custom_hooks, which "
                'sizes it from the training set before training')
        idx = sample_idx.to(self.sample_ids.device, torch.long)
        rows = torch.searchsorted(self.sample_ids, idx)
        rows = rows.clamp_max(self.num_rows - 1)
        bad = self.sample_ids[rows] != idx
        if bool(bad.any()):
            raise ValueError(
                f'{where}: sample_idx {idx[bad].unique()[:8].tolist()} '
                f'{"is" if int(bad.sum()) == 1 else "are"} not in the '
                f'memory bank, which covers the {self.num_rows} training '
                f'samples (sample_idx {self._span(self.sample_ids)}); the '
                'bank was set up from another dataset than the one this '
                'batch comes from')
        return rows

    def class_index(self) -> Tuple[Tensor, ...]:
        """Rows sorted by class, and per row its class's start and count in
        that order."""
        if self._classes is None:
            if bool((self.labels < 0).any()):
                raise ValueError(
                    "'other_classes' negatives need the class of every "
                    "training sample; use negatives='uniform' for a "
                    'dataset without labels')
            _, inverse, counts = torch.unique(
                self.labels, return_inverse=True, return_counts=True)
            if counts.numel() < 2:
                raise ValueError("'other_classes' negatives need at least "
                                 'two classes in the training set')
            order = torch.argsort(inverse, stable=True)
            starts = torch.cumsum(counts, 0) - counts
            self._classes = (order, inverse, starts[inverse], counts[inverse])
        return self._classes

    def draw_negatives(self,
                       rows: Tensor,
                       num: int,
                       mode: str = 'other_classes',
                       generator: Optional[torch.Generator] = None) -> Tensor:
        """Draw ``num`` negative bank rows for each row of a batch.

        ``'other_classes'`` (RepDistiller's ``CIFAR100InstanceSample``, the
        sampling of its CIFAR-100 numbers, ``--mode exact``): uniformly
        from the training samples of the other classes, without
        replacement, or with replacement where the class has fewer than
        ``num`` such samples (``replace = k > len(cls_negative[target])``).
        ``'uniform'`` (``ContrastMemory``'s own fallback, an ``AliasMethod``
        over uniform weights, used when no indices are given): uniformly
        from all rows with replacement, the positive itself not excluded.

        Args:
            rows (Tensor): ``[B]`` bank rows of the positives.
            num (int): ``K``, negatives per row.
            mode (str): ``'other_classes'`` or ``'uniform'``.
            generator (torch.Generator, optional): On the banks' device.
                Defaults to None (torch's default generator).

        Returns:
            Tensor: ``[B, K]`` bank rows.
        """
        if mode not in NEGATIVE_MODES:
            raise ValueError(f'negatives must be one of {NEGATIVE_MODES}, '
                             f'got {mode!r}')
        device = self.bank_s.device
        b, n = rows.numel(), self.num_rows
        if mode == 'uniform':
            return torch.randint(
                n, (b, num), generator=generator, device=device)
        order, inverse, starts, counts = self.class_index()
        rows = rows.to(device)
        others = n - counts[rows]  # [B] samples of the other classes
        out = torch.empty(b, num, dtype=torch.long, device=device)
        replace = others < num
        if bool(replace.any()):
            sel = replace.nonzero().flatten()
            u = torch.rand(
                sel.numel(), num, generator=generator, device=device)
            m = others[sel, None]
            # j-th sample of the other classes: skip the own class's block
            j = (u * m).long().clamp_max(m - 1)
            start = starts[rows[sel], None]
            j = j + (j >= start).long() * counts[rows[sel], None]
            out[sel] = order[j]
        if not bool(replace.all()):
            sel = (~replace).nonzero().flatten()
            chunk = max(1, _KEY_CHUNK // n)
            for first in range(0, sel.numel(), chunk):
                part = sel[first:first + chunk]
                keys = torch.rand(
                    part.numel(), n, generator=generator, device=device)
                # uniform keys, the own class's samples never among the
                # ``num`` smallest: a uniform subset of the other classes
                own = inverse[None, :] == inverse[rows[part], None]
                keys.masked_fill_(own, 2.)
                out[part] = keys.topk(num, dim=1, largest=False).indices
        return out

    # ------------------------------------------------------------ update

    @torch.no_grad()
    def update(self, rows: Tensor, v_s: Tensor, v_t: Tensor,
               momentum: float) -> None:
        """The momentum update of both banks with a batch's embeddings.

        The rows and embeddings of all processes are gathered first, so
        every process makes the same update. A row that occurs more than
        once takes the last occurrence's update.

        Args:
            rows (Tensor): ``[B]`` bank rows.
            v_s (Tensor): ``[B, D]`` unit student embeddings.
            v_t (Tensor): ``[B, D]`` unit teacher embeddings.
            momentum (float): The weight of the old entry.
        """
        rows, v_s, v_t = all_gather_rows(rows, v_s.detach(), v_t.detach())
        unique, inverse = torch.unique(rows, return_inverse=True)
        if unique.numel() < rows.numel():
            pos = torch.arange(rows.numel(), device=rows.device)
            last = torch.full_like(unique,
                                   -1).scatter_reduce_(0, inverse, pos, 'amax')
            rows, v_s, v_t = rows[last], v_s[last], v_t[last]
        for name, v in (('bank_s', v_s), ('bank_t', v_t)):
            bank = getattr(self, name)
            new = bank[rows].to(v.dtype) * momentum + v * (1 - momentum)
            norm = new.norm(dim=1, keepdim=True)
            new = new / norm.clamp_min(torch.finfo(new.dtype).tiny)
            # out of place: this step's scores saved the old bank for their
            # backward (one bank-sized copy, far less than the gathered
            # [B, K + 1, D] rows RepDistiller keeps instead)
            setattr(self, name, bank.index_copy(0, rows, new.to(bank.dtype)))
