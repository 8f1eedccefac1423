"""The teacher's and the student's forward passes through mmseg and
mmpretrain models.

They call the host models' parts directly (``extract_feat``, the heads'
``forward``, ``decode_head.loss_by_feat``, mmpretrain's private
``head._get_loss``). Batches hold ``V`` views view-major: rows ``[0:N]``
are the original images, rows ``[v*N:(v+1)*N]`` view ``v``; teacher and
student each run one forward pass over all ``V*N`` rows.
"""
from typing import Any, Dict, List

import torch
import torch.nn as nn


def model_kind(model: nn.Module) -> str:
    """What kind of host model ``model`` is.

    Args:
        model (nn.Module): A student or teacher.

    Returns:
        str: ``'seg'`` (mmseg EncoderDecoder-like), ``'cls'`` (mmpretrain
        ImageClassifier-like) or ``'other'``.
    """
    if not hasattr(model, 'extract_feat'):
        return 'other'
    head = getattr(model, 'decode_head', None)
    if isinstance(head, nn.Module) and not isinstance(head, nn.ModuleList):
        return 'seg'
    if isinstance(getattr(model, 'head', None), nn.Module):
        return 'cls'
    return 'other'


def expand_samples(data_samples: list, num_views: int, n: int, kind: str,
                   what: str) -> list:
    """Return one data sample per row of a ``V*N`` batch.

    Samples are used as given when there is one per row (``V*N``);
    otherwise (``N``, the original view's) they are repeated per view,
    which is only right for image-level labels (classification).

    Args:
        data_samples (list): ``N`` or ``V*N`` samples.
        num_views (int): ``V``.
        n (int): ``N``, the number of original images.
        kind (str): See :func:`model_kind`.
        what (str): What needs the samples, for messages.

    Returns:
        list: ``V*N`` samples, view-major.
    """
    if len(data_samples) == n * num_views:
        return list(data_samples)
    if len(data_samples) != n:
        raise ValueError(
            f'{what}: got {len(data_samples)} data samples for {n} images '
            f'in {num_views} views; expected {n} or {n * num_views}')
    if kind == 'seg':
        raise ValueError(
            f'{what} with {num_views} views of a segmentation batch needs '
            'pixel labels for every view; the original view\'s labels are '
            'not repeated (they would be wrong for geometric views). Use '
            "task_loss_views='original' and no 'labels' source")
    return list(data_samples) * num_views


def check_hard_labels(data_samples: list) -> None:
    """Refuse class labels that are not one hard label per image.

    mmpretrain's Mixup / CutMix batch augments (``data_preprocessor.
    batch_augments``) mix the images and put the mixed labels in
    ``gt_score``, leaving the unmixed ``gt_label`` behind, and multi-label
    datasets give several classes per image: a loss reading one hard label
    per row would learn from wrong labels.

    Args:
        data_samples (list): mmpretrain ``DataSample`` objects.

    Raises:
        ValueError: A sample has a ``gt_score`` or not exactly one label.
    """
    for i, sample in enumerate(data_samples):
        if 'gt_score' in sample:
            raise ValueError(
                "the 'labels' source reads one hard gt_label per image, but "
                f'data sample {i} carries mixed scores (gt_score), as '
                "mmpretrain's Mixup / CutMix batch augments (data_preprocessor"
                '.batch_augments) leave them: a label-aware distillation '
                'loss (e.g. mmdlkd.SupConDistillLoss) cannot use them. '
                'Remove the batch augments or the loss that reads labels.')
        if sample.gt_label.numel() != 1:
            raise ValueError(
                "the 'labels' source needs one class per image, but data "
                f'sample {i} has gt_label {sample.gt_label.tolist()} '
                '(multi-label data)')


def gather_labels(data_samples: list, num_views: int, n: int) -> torch.Tensor:
    """The ground-truth labels of all ``V*N`` rows.

    Args:
        data_samples (list): ``N`` or ``V*N`` samples, see
            :func:`expand_samples`.
        num_views (int): ``V``.
        n (int): ``N``, the number of original images.

    Returns:
        Tensor: ``[V*N]`` class indices (mmpretrain ``gt_label``) or
        ``[V*N, H, W]`` pixel labels (mmseg ``gt_sem_seg``).
    """
    if not data_samples:
        raise ValueError("the 'labels' source needs data samples")
    first = data_samples[0]
    if 'gt_label' in first:
        check_hard_labels(data_samples)
        samples = expand_samples(data_samples, num_views, n, 'cls',
                                 "the 'labels' source")
        return torch.cat([s.gt_label.flatten() for s in samples])
    if 'gt_sem_seg' in first:
        samples = expand_samples(data_samples, num_views, n, 'seg',
                                 "the 'labels' source")
        return torch.stack([s.gt_sem_seg.data[0] for s in samples])
    raise ValueError("the 'labels' source needs gt_label (mmpretrain) or "
                     'gt_sem_seg (mmseg) in the data samples')


def gather_sample_idx(data_samples: list, num_views: int,
                      n: int) -> torch.Tensor:
    """The dataset indices of all ``V*N`` rows.

    ``sample_idx`` is the index that mmengine's ``BaseDataset.get_data_info``
    gives a sample (through wrappers such as ``mmdlkd.RandomSubset``, the
    index in the innermost dataset); mmpretrain's ``PackInputs`` puts it
    into the metainfo by default (mmseg's ``PackSegInputs`` only when
    ``meta_keys`` names it). With ``N`` samples for
    ``V`` views each is repeated per view (every view of an image has its
    index).

    Args:
        data_samples (list): ``N`` or ``V*N`` samples.
        num_views (int): ``V``.
        n (int): ``N``, the number of original images.

    Returns:
        Tensor: ``[V*N]`` int64 indices, view-major.
    """
    if len(data_samples) not in (n, n * num_views):
        raise ValueError(
            f"the 'sample_idx' source: got {len(data_samples)} data samples "
            f'for {n} images in {num_views} views; expected {n} or '
            f'{n * num_views}')
    if not all('sample_idx' in s for s in data_samples):
        raise ValueError(
            "the 'sample_idx' source needs sample_idx in the data samples' "
            "metainfo; keep it in the meta_keys of the pipeline's Pack* "
            'transform (mmpretrain PackInputs has it by default)')
    idx = torch.tensor([int(s.sample_idx) for s in data_samples],
                       dtype=torch.long)
    return idx if idx.numel() == n * num_views else idx.repeat(num_views)


def teacher_forward(teacher: nn.Module, inputs: torch.Tensor,
                    sources: List[str]) -> None:
    """Run the teacher only as far as its recorded modules need.

    The backbone and neck always run when anything is recorded (nothing
    runs when nothing is); the (decode/auxiliary) heads only when a recorder
    sits inside them. The teacher never computes a loss.

    Args:
        teacher (nn.Module): The frozen teacher.
        inputs (Tensor): The ``V*N`` batch.
        sources (list[str]): The module paths its recorders record.
    """
    if not sources:
        return  # nothing recorded: nothing to run
    kind = model_kind(teacher)

    def needs(prefix: str) -> bool:
        return any(s == prefix or s.startswith(prefix + '.') for s in sources)

    if kind == 'other':
        teacher(inputs, mode='tensor')
        return
    feats = teacher.extract_feat(inputs)
    if kind == 'cls':
        if needs('head'):
            teacher.head(feats)
        return
    if needs('decode_head'):
        teacher.decode_head.forward(feats)
    if needs('auxiliary_head'):
        aux = teacher.auxiliary_head
        for head in (aux if isinstance(aux, nn.ModuleList) else [aux]):
            head.forward(feats)


def _prefixed(losses: Dict[str, torch.Tensor], prefix: str) -> dict:
    return {f'{prefix}.{k}': v for k, v in losses.items()}


def scale_losses(losses: Dict[str, Any], weight: float) -> Dict[str, Any]:
    """``losses`` with every entry whose name contains ``loss`` (a tensor or
    a list of tensors, as mmengine's ``parse_losses`` sums them) multiplied
    by ``weight``; other entries (accuracies) unchanged."""
    if weight == 1:
        return losses
    scaled = {}
    for name, value in losses.items():
        if 'loss' not in name:
            scaled[name] = value
        elif isinstance(value, list):
            scaled[name] = [v * weight for v in value]
        else:
            scaled[name] = value * weight
    return scaled


def student_task_loss(student: nn.Module, inputs: torch.Tensor, num_views: int,
                      data_samples: list,
                      views: str) -> Dict[str, torch.Tensor]:
    """The student's own losses from one forward pass over all rows.

    Args:
        student (nn.Module): The student.
        inputs (Tensor): The ``V*N`` batch.
        num_views (int): ``V``.
        data_samples (list): Samples of the original view (``N``) or of all
            rows (``V*N``).
        views (str): ``'original'``: the task loss uses rows ``[0:N]``;
            ``'all'``: all rows.

    Returns:
        dict[str, Tensor]: The student's losses, named as its own ``loss``
        names them.
    """
    if num_views == 1:
        return student.loss(inputs, data_samples)
    kind = model_kind(student)
    if kind == 'other':
        raise NotImplementedError(
            f'multi-view batches are supported for mmseg EncoderDecoder and '
            f'mmpretrain ImageClassifier students, not {type(student)}')
    n = inputs.shape[0] // num_views
    if views == 'all':
        samples = expand_samples(data_samples, num_views, n, kind,
                                 "task_loss_views='all'")
        rows = n * num_views
    else:
        samples, rows = list(data_samples[:n]), n
    feats = student.extract_feat(inputs)
    if kind == 'cls':
        if not hasattr(student.head, '_get_loss'):
            raise NotImplementedError(
                f'multi-view batches need a head with _get_loss, '
                f'{type(student.head).__name__} has none')
        return student.head._get_loss(student.head(feats)[:rows], samples)
    losses = _prefixed(
        student.decode_head.loss_by_feat(
            student.decode_head.forward(feats)[:rows], samples), 'decode')
    if getattr(student, 'with_auxiliary_head', False):
        aux = student.auxiliary_head
        if isinstance(aux, nn.ModuleList):
            for idx, head in enumerate(aux):
                losses.update(
                    _prefixed(
                        head.loss_by_feat(head.forward(feats)[:rows], samples),
                        f'aux_{idx}'))
        else:
            losses.update(
                _prefixed(
                    aux.loss_by_feat(aux.forward(feats)[:rows], samples),
                    'aux'))
    return losses
