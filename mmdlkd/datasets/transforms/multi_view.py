"""Helpers shared by the multi-view transforms.

Output convention (that of mmpretrain's ``MultiView``): ``results['img']``
becomes a list of ``V`` images, view 0 first. mmpretrain's ``PackInputs``
then packs ``inputs`` as a list of ``V`` ``(C, H, W)`` tensors per sample.
After collation the distiller receives ``inputs`` as ``V`` batched tensors
``(N, C, H, W)``, view 0 being the original view; it concatenates them
view-major (rows ``[0:N]`` are view 0, rows ``[v*N:(v+1)*N]`` view ``v``),
so the correlation loss uses rows ``[0:N]`` as keys and the other views as
queries, and image-level labels are repeated per view.
"""
import copy
from typing import Callable, List, Optional, Sequence, Union

from mmcv.transforms import Compose

Transform = Union[dict, Callable[[dict], Optional[dict]]]


def build_pipeline(transforms: Optional[Sequence[Transform]]) -> Compose:
    """Build a sub-pipeline with mmcv's ``Compose``.

    Transform configs are built in the current default scope (e.g.
    ``RandomCrop`` resolves in mmpretrain under mmpretrain's scope); a
    ``scope.`` prefix picks another one.

    Args:
        transforms (Sequence[dict | callable], optional): Transform configs
            or callables. None or empty means the identity.

    Returns:
        Compose: The pipeline.
    """
    if transforms is None:
        transforms = []
    if isinstance(transforms, dict) or callable(transforms):
        transforms = [transforms]
    return Compose(list(transforms))


def run_views(results: dict, views: List[Callable[[dict],
                                                  Optional[dict]]]) -> \
        Optional[dict]:
    """Run every view function on its own deep copy of ``results``.

    Args:
        results (dict): The loaded sample (``img`` an ``(H, W[, C])`` array).
        views (list[callable]): One function per view, view 0 first; each
            takes and returns a results dict (or None to drop the sample).

    Returns:
        dict | None: View 0's results with ``img`` replaced by the list of
        the views' images (so meta keys such as ``img_shape`` or ``flip``
        describe view 0), or None if any view returned None.
    """
    imgs = []
    first = None
    for view in views:
        out = view(copy.deepcopy(results))
        if out is None:
            return None
        if first is None:
            first = out
        imgs.append(out['img'])
    first['img'] = imgs
    return first
