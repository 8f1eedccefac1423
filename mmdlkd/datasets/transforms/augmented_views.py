"""The original view plus generic augmented views."""
from typing import Optional, Sequence

from mmcv.transforms import BaseTransform

from mmdlkd.registry import TRANSFORMS
from .multi_view import Transform, build_pipeline, run_views


@TRANSFORMS.register_module()
class AugmentedViews(BaseTransform):
    """The original view and ``num_extra_views`` other augmented views.

    The generic alternative to :class:`RotationViews`: view 0 is the image
    through ``transforms`` (the usual training pipeline), views
    ``1..num_extra_views`` are the image through ``extra_transforms`` (e.g.
    a different random crop and colour jitter), each drawn independently.

    The output follows mmpretrain's ``MultiView``: ``results['img']`` is a
    list of ``1 + num_extra_views`` images, packed by ``PackInputs`` as a
    list of tensors. The distiller receives ``inputs`` as ``V`` batched
    tensors, view 0 the original; the correlation loss takes rows ``[0:N]``
    as keys and the extra views as queries; labels are repeated per view.
    All views must have the same size to be batched together. Other keys
    of ``results`` are those of view 0.

    Example:
        >>> train_pipeline = [
        >>>     dict(type='mmdlkd.AugmentedViews',
        >>>          transforms=[
        >>>              dict(type='RandomCrop', crop_size=32, padding=4),
        >>>              dict(type='RandomFlip', prob=0.5)],
        >>>          extra_transforms=[
        >>>              dict(type='RandomResizedCrop', scale=32,
        >>>                   crop_ratio_range=(0.2, 1.0)),
        >>>              dict(type='RandomFlip', prob=0.5),
        >>>              dict(type='ColorJitter', brightness=0.4,
        >>>                   contrast=0.4, saturation=0.4, hue=0.1)]),
        >>>     dict(type='PackInputs'),
        >>> ]

    Args:
        transforms (Sequence[dict | callable], optional): Pipeline of the
            original view, built with mmcv's ``Compose`` in the current
            default scope. Defaults to None (the image as loaded).
        extra_transforms (Sequence[dict | callable], optional): Pipeline of
            the extra views. Defaults to None (the same as ``transforms``,
            i.e. independent draws of one pipeline).
        num_extra_views (int): Number ``K >= 1`` of extra views.
            Defaults to 1.
    """

    def __init__(self,
                 transforms: Optional[Sequence[Transform]] = None,
                 extra_transforms: Optional[Sequence[Transform]] = None,
                 num_extra_views: int = 1) -> None:
        super().__init__()
        if int(num_extra_views) != num_extra_views or num_extra_views < 1:
            raise ValueError('num_extra_views must be a positive int, got '
                             f'{num_extra_views}')
        self.num_extra_views = int(num_extra_views)
        self.pipeline = build_pipeline(transforms)
        if extra_transforms is None:
            self.extra_pipeline = self.pipeline
        else:
            self.extra_pipeline = build_pipeline(extra_transforms)

    def transform(self, results: dict) -> Optional[dict]:
        """Produce the original view and the extra views.

        Args:
            results (dict): A loaded sample with ``img`` an ``(H, W[, C])``
                array.

        Returns:
            dict | None: View 0's results with ``img`` a list of
            ``1 + num_extra_views`` images; None if a pipeline dropped a
            view.
        """
        views = [self.pipeline] + [self.extra_pipeline] * self.num_extra_views
        return run_views(results, views)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}('
                f'num_extra_views={self.num_extra_views}, '
                f'transforms={self.pipeline}, '
                f'extra_transforms={self.extra_pipeline})')
