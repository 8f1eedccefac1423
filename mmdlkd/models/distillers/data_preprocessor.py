"""A data preprocessor for batches whose samples carry several views."""
import copy
from typing import List, Optional, Sequence, Union

import torch
from mmengine.model import BaseDataPreprocessor

from mmdlkd.registry import MODELS


def _is_image(x) -> bool:
    return isinstance(x, torch.Tensor) and x.dim() == 3


def view_lists(inputs: Sequence[Sequence[torch.Tensor]],
               num_samples: Optional[int] = None) -> List[list]:
    """Split a list-of-lists multi-view batch into one list per view.

    mmengine's ``pseudo_collate`` transposes the per-sample view lists that
    ``PackInputs`` gives, so its ``inputs`` are ``V`` tuples of ``N``
    images; ``N`` per-sample lists of ``V`` views are accepted too. When
    the number of samples is known and the two lengths differ it decides
    the layout; otherwise tuples are taken as views (``pseudo_collate``)
    and lists as samples.

    Args:
        inputs (Sequence[Sequence[Tensor]]): The nested images.
        num_samples (int, optional): ``N`` (the number of data samples).
            Defaults to None.

    Returns:
        list[list[Tensor]]: ``V`` lists of ``N`` images, view 0 first.
    """
    lengths = {len(x) for x in inputs}
    if len(lengths) != 1:
        raise ValueError('every sample of a multi-view batch must have the '
                         f'same number of views, got {lengths}')
    inner = lengths.pop()
    if num_samples is not None and len(inputs) != inner:
        per_view = inner == num_samples
    else:
        per_view = isinstance(inputs[0], tuple)
    if per_view:
        return [list(v) for v in inputs]
    return [list(v) for v in zip(*inputs)]


@MODELS.register_module()
class MultiViewDataPreprocessor(BaseDataPreprocessor):
    """Wrap a host data preprocessor so that it handles multi-view samples.

    mmpretrain's ``MultiView`` transform followed by ``PackInputs`` gives
    every sample a list of ``V`` view tensors. After ``default_collate`` the
    batch's ``inputs`` is a list of ``V`` batched tensors; after
    ``pseudo_collate`` it is a list of ``V`` tuples of ``N`` image tensors
    (per-sample lists of ``V`` views are accepted too, see
    :func:`view_lists`).
    Each view is passed through the host preprocessor (normalisation,
    channel conversion, padding) separately and the result is a list of
    ``V`` batched tensors, view 0 first, with the data samples of view 0.
    Single-view batches pass through the host unchanged, so validation
    pipelines need no change.

    Batch augmentations (Mixup, CutMix) would mix each view differently and
    are refused for multi-view batches.

    Args:
        preprocessor (dict | BaseDataPreprocessor): The host preprocessor
            (e.g. mmpretrain ``ClsDataPreprocessor``, mmseg
            ``SegDataPreProcessor``), built in the current default scope.
            When used as the distiller's ``data_preprocessor`` without this
            key, the student's preprocessor config is filled in.
    """

    def __init__(self,
                 preprocessor: Union[dict, BaseDataPreprocessor],
                 non_blocking: Optional[bool] = False) -> None:
        super().__init__(non_blocking=non_blocking)
        if isinstance(preprocessor, dict):
            preprocessor = MODELS.build(preprocessor)
        self.preprocessor = preprocessor

    def forward(self, data: dict, training: bool = False) -> dict:
        """Preprocess a single-view or multi-view batch.

        Args:
            data (dict): ``inputs`` and ``data_samples`` from the dataloader.
            training (bool): Whether this is a training step.
                Defaults to False.

        Returns:
            dict: ``inputs`` (a tensor, or a list of ``V`` view batches) and
            ``data_samples``.
        """
        inputs = data['inputs']
        if isinstance(inputs, torch.Tensor) or not inputs or _is_image(
                inputs[0]):
            return self.preprocessor(data, training)
        if all(isinstance(x, torch.Tensor) and x.dim() == 4 for x in inputs):
            views = list(inputs)  # default_collate: V batched views
        elif all(isinstance(x, (list, tuple)) for x in inputs):
            samples = data.get('data_samples', None)
            views = view_lists(inputs,
                               None if samples is None else len(samples))
        else:
            raise TypeError('multi-view inputs must be a list of view batches '
                            'or a list of per-sample lists of views')
        if (training and len(views) > 1 and getattr(
                self.preprocessor, 'batch_augments', None) is not None):
            raise NotImplementedError(
                'batch augmentations (Mixup/CutMix) are not supported with '
                'multi-view batches')
        samples = data.get('data_samples', None)
        out_views = []
        for idx, view in enumerate(views):
            view_samples = samples if idx == 0 else copy.deepcopy(samples)
            result = self.preprocessor(
                dict(inputs=view, data_samples=view_samples), training)
            out_views.append(result['inputs'])
            if idx == 0:
                samples = result['data_samples']
        return dict(inputs=out_views, data_samples=samples)
