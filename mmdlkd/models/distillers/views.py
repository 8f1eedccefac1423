"""Multi-view batches: counting, checking and concatenating the views.

Views are concatenated view-major: rows ``[0:N]`` are the original images,
rows ``[v*N:(v+1)*N]`` view ``v``.
"""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from .data_preprocessor import view_lists


def concat_views(
    inputs: Union[torch.Tensor, Sequence[torch.Tensor]]
) -> Tuple[torch.Tensor, int]:
    """Concatenate a list of view batches view-major.

    Args:
        inputs (Tensor | list[Tensor]): One batch ``(N, C, H, W)`` or ``V``
            of them (view 0 is the original view).

    Returns:
        tuple: The ``(V*N, C, H, W)`` batch and ``V``.
    """
    if isinstance(inputs, torch.Tensor):
        return inputs, 1
    views = list(inputs)
    shapes = {tuple(v.shape) for v in views}
    if len(shapes) != 1:
        raise ValueError(
            'all views of a batch must have the same shape to run in one '
            f'forward pass, got {[tuple(v.shape) for v in views]}')
    return torch.cat(views, dim=0), len(views)


def count_views(inputs, num_samples: Optional[int] = None) -> int:
    """The number of views of a collated training batch (1 if single-view).

    Args:
        inputs: ``data['inputs']`` from the dataloader: a tensor or a list
            of ``(C, H, W)`` images (one view), ``V`` tuples of ``N`` images
            (``pseudo_collate``) or ``V`` batched ``(N, C, H, W)`` views
            (``default_collate``).
        num_samples (int, optional): ``N``, to tell the nested layouts
            apart. Defaults to None.

    Returns:
        int: ``V``.
    """
    if not isinstance(inputs, (list, tuple)) or not inputs:
        return 1
    first = inputs[0]
    if isinstance(first, (list, tuple)):
        return len(view_lists(inputs, num_samples))
    if getattr(first, 'dim', None) is not None and first.dim() == 4:
        return len(inputs)
    return 1


def check_preprocessor_takes_views(data: dict,
                                   preprocessor: nn.Module) -> None:
    """Refuse a raw multi-view batch for a single-view data preprocessor.

    Args:
        data (dict): The collated batch (``inputs``, ``data_samples``).
        preprocessor (nn.Module): The distiller's data preprocessor.

    Raises:
        ValueError: The batch has several views but the preprocessor takes
            one image per sample.
    """
    samples = data.get('data_samples')
    views = count_views(
        data.get('inputs'), None if samples is None else len(samples))
    if views > 1 and not hasattr(preprocessor, 'preprocessor'):
        raise ValueError(
            f'the training pipeline gives {views} views per sample (a '
            'multi-view transform such as mmdlkd.RotationViews, '
            'mmdlkd.AugmentedViews or MultiView in '
            "train_dataloader.dataset.pipeline), but the distiller's data "
            f'preprocessor {type(preprocessor).__name__} takes one image '
            "per sample. Set model.data_preprocessor=dict(type='mmdlkd."
            "MultiViewDataPreprocessor') (it wraps the student's).")


def check_num_views(num_views: int, expected: Optional[int]) -> None:
    """Refuse a batch whose number of views is not the configured one.

    Args:
        num_views (int): ``V`` of the batch.
        expected (int, optional): The distiller's ``num_views``; None
            accepts any.

    Raises:
        ValueError: ``num_views`` differs from ``expected``; the message
            says how each multi-view transform sets it.
    """
    if expected is None or num_views == expected:
        return
    raise ValueError(
        f'the distiller expects {expected} views per batch '
        f'(model.num_views={expected}), the training pipeline gives '
        f'{num_views}. Make the multi-view transform of '
        f'train_dataloader.dataset.pipeline produce {expected} views '
        '(mmdlkd.RotationViews: len(angles); mmdlkd.AugmentedViews: '
        "1 + num_extra_views; mmpretrain's MultiView: sum(num_views)) with "
        "data_preprocessor=dict(type='mmdlkd.MultiViewDataPreprocessor'), "
        'or change num_views.')
