"""The authors' rotated views (0/90/180/270 degrees)."""
from typing import Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from mmdlkd.registry import TRANSFORMS
from .multi_view import Transform, build_pipeline, run_views


def rotate_image(img: np.ndarray, angle: int) -> np.ndarray:
    """Rotate an ``(H, W[, C])`` image counter-clockwise by ``angle``.

    ``angle`` must be a multiple of 90. After ``PackInputs`` (HWC -> CHW)
    the result equals ``torch.rot90(x, k=angle // 90, dims=(1, 2))`` of the
    packed unrotated image ``x``.
    """
    k = (angle // 90) % 4
    if k == 0:
        return img
    return np.ascontiguousarray(np.rot90(img, k, axes=(0, 1)))


@TRANSFORMS.register_module()
class RotationViews(BaseTransform):
    """Rotated views of one image, each with its own random augmentation.

    The views of the DLKD authors' protocol (as in SSKD): the image rotated
    by each of ``angles`` (degrees, counter-clockwise), each rotated copy
    passed through ``transforms`` separately, so every view draws its own
    random crop and flip. View 0 is the unrotated image (``angles[0]`` must
    be 0).

    The output follows mmpretrain's ``MultiView``: ``results['img']`` is a
    list of ``V = len(angles)`` images, which ``PackInputs`` packs as a list
    of ``V`` tensors. The distiller (with ``mmdlkd.MultiViewDataPreprocessor``)
    receives ``inputs`` as ``V`` batched tensors, concatenates them
    view-major (rows ``[0:N]`` are the originals), the correlation loss takes
    rows ``[0:N]`` as keys and the rotated rows as queries (``(V-1)N x N``),
    and image-level labels are repeated per view. Other keys of ``results``
    are those of view 0 (e.g. ``img_shape``, ``flip``); per-view annotations
    other than the image (boxes, segmentation maps) are not produced.

    Example:
        >>> train_pipeline = [
        >>>     dict(type='mmdlkd.RotationViews',
        >>>          transforms=[
        >>>              dict(type='RandomCrop', crop_size=32, padding=4),
        >>>              dict(type='RandomFlip', prob=0.5,
        >>>                   direction='horizontal')]),
        >>>     dict(type='PackInputs'),
        >>> ]

    Args:
        transforms (Sequence[dict | callable], optional): The per-view
            pipeline (e.g. ``RandomCrop`` with padding and ``RandomFlip``),
            built with mmcv's ``Compose`` in the current default scope.
            Defaults to None (no augmentation: the views are exact
            rotations).
        angles (Sequence[int]): Rotation angles in degrees, multiples of 90,
            the first one 0. Defaults to (0, 90, 180, 270).
        rotate_first (bool): Rotate the loaded image and then run
            ``transforms`` on it (the authors' order; the views keep the
            pipeline's output size even for non-square images), or run
            ``transforms`` first and rotate its output (a non-square output
            gives views of transposed shapes, which cannot be batched
            together). Defaults to True.
    """

    def __init__(self,
                 transforms: Optional[Sequence[Transform]] = None,
                 angles: Sequence[int] = (0, 90, 180, 270),
                 rotate_first: bool = True) -> None:
        super().__init__()
        angles = tuple(angles)
        if not angles:
            raise ValueError('angles must not be empty')
        for angle in angles:
            if int(angle) != angle or int(angle) % 90 != 0:
                raise ValueError('angles must be multiples of 90 degrees, '
                                 f'got {angles}')
        if int(angles[0]) % 360 != 0:
            raise ValueError('the first angle must be 0 (view 0 is the '
                             f'original view), got {angles}')
        self.angles = tuple(int(a) for a in angles)
        self.rotate_first = rotate_first
        self.pipeline = build_pipeline(transforms)

    def _view(self, angle: int):

        def run(results: dict) -> Optional[dict]:
            if self.rotate_first:
                results['img'] = rotate_image(results['img'], angle)
                results['img_shape'] = results['img'].shape[:2]
                return self.pipeline(results)
            results = self.pipeline(results)
            if results is not None:
                results['img'] = rotate_image(results['img'], angle)
            return results

        return run

    def transform(self, results: dict) -> Optional[dict]:
        """Produce the rotated views.

        Args:
            results (dict): A loaded sample with ``img`` an ``(H, W[, C])``
                array.

        Returns:
            dict | None: View 0's results with ``img`` a list of
            ``len(angles)`` images; None if the pipeline dropped a view.
        """
        return run_views(results, [self._view(a) for a in self.angles])

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(angles={self.angles}, '
                f'rotate_first={self.rotate_first}, '
                f'transforms={self.pipeline})')
