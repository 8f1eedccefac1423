"""Knowledge quantification by perturbation entropy (paper Sec. IV).

For an input ``x`` (C, H, W) and a representation ``f``, a per-pixel noise
scale ``sigma_i`` (shared by the C channels of pixel i) is learned so that
``x~ = x + sigma * eps``, ``eps ~ N(0, I)``, keeps ``f(x~)`` close to ``f(x)``
while the entropy of the perturbation is as large as possible (Guan et al.,
ICML 2019; Cheng et al., CVPR 2020). The minimised objective, per image, is::

    E_eps ||f(x~) - f(x)||^2 / (D * s)  -  lam * mean_i H_i,
    H_i = log sigma_i + 0.5 * log(2 pi e),

with ``D`` the feature dimension and ``s`` the mean squared feature value of
``f(x)`` (so the distortion is a relative MSE), estimated with
``num_noise`` noise draws per step and minimised by Adam over
``log sigma``. Pixels the representation depends on keep a small sigma (low
``H_i``); pixels it ignores get a growing sigma. ``H_bar`` is the mean of
``H_i``; a pixel is a *visual concept* if ``H_i < H_bar`` (eq. 9).
Because ignored pixels keep growing, ``H_bar`` values are only comparable
between models evaluated with identical settings (steps, lr, lam, inputs).
"""
import math
from typing import Callable, Optional, Sequence, Tuple

import torch
from mmengine.utils import ProgressBar

ENTROPY_OFFSET = 0.5 * math.log(2 * math.pi * math.e)


def perturbation_entropy(feature_fn: Callable[[torch.Tensor], torch.Tensor],
                         inputs: torch.Tensor,
                         num_steps: int = 200,
                         lr: float = 0.05,
                         lam: float = 1.0,
                         num_noise: int = 4,
                         init_sigma: float = 0.1,
                         seed: int = 0,
                         progress: bool = False) -> torch.Tensor:
    """Learn the per-pixel perturbation entropy ``H_i`` of a batch.

    Images are optimised together but independently (the loss is a sum of
    per-image terms and Adam is element-wise); ``feature_fn`` must therefore
    treat samples independently (models in ``eval()`` mode).

    Args:
        feature_fn (Callable): Maps a (B, C, H, W) input to a (B, D) (or
            (B, ...)) representation. It is not modified; only the noise
            scale receives gradients.
        inputs (torch.Tensor): Model inputs (already normalised),
            (B, C, H, W).
        num_steps (int): Adam steps. Defaults to 200.
        lr (float): Adam learning rate on ``log sigma``. Defaults to 0.05.
        lam (float): Weight of the entropy term. Defaults to 1.0.
        num_noise (int): Noise draws per step. Defaults to 4.
        init_sigma (float): Initial noise scale (inputs are normalised,
            std ~1). Defaults to 0.1.
        seed (int): Seed of the noise. Defaults to 0.
        progress (bool): Show a progress bar over steps. Defaults to False.

    Returns:
        torch.Tensor: ``H_i`` for every pixel, (B, H, W).
    """
    inputs = inputs.detach()
    batch, _, height, width = inputs.shape
    with torch.no_grad():
        target = feature_fn(inputs).reshape(batch, -1)
    scale = target.pow(2).mean(dim=1).clamp_min(1e-12)
    log_sigma = torch.full((batch, 1, height, width),
                           math.log(init_sigma),
                           device=inputs.device,
                           requires_grad=True)
    optimizer = torch.optim.Adam([log_sigma], lr=lr)
    gen = torch.Generator(device=inputs.device).manual_seed(seed)
    repeated = inputs.repeat(num_noise, 1, 1, 1)
    bar = ProgressBar(num_steps) if progress else None
    for _ in range(num_steps):
        noise = torch.randn(
            repeated.shape, generator=gen, device=inputs.device)
        sigma = log_sigma.exp().repeat(num_noise, 1, 1, 1)
        feats = feature_fn(repeated + sigma * noise).reshape(
            num_noise, batch, -1)
        distortion = (feats - target).pow(2).mean(dim=(0, 2)) / scale
        entropy = log_sigma.mean(dim=(1, 2, 3)) + ENTROPY_OFFSET
        loss = (distortion - lam * entropy).sum()
        optimizer.zero_grad()
        (log_sigma.grad, ) = torch.autograd.grad(loss, [log_sigma])
        optimizer.step()
        if bar is not None:
            bar.update()
    return (log_sigma.detach() + ENTROPY_OFFSET)[:, 0]


def mean_entropy(entropy: torch.Tensor) -> torch.Tensor:
    """``H_bar``: the mean of ``H_i`` over the pixels of each image.

    Args:
        entropy (torch.Tensor): (B, H, W) or (H, W) entropy maps.

    Returns:
        torch.Tensor: (B,) or scalar.
    """
    return entropy.mean(dim=(-2, -1))


def concept_mask(entropy: torch.Tensor) -> torch.Tensor:
    """Visual concepts: pixels with ``H_i < H_bar`` of their own image.

    Args:
        entropy (torch.Tensor): (B, H, W) or (H, W) entropy maps.

    Returns:
        torch.Tensor: Boolean mask of the same shape.
    """
    return entropy < mean_entropy(entropy)[..., None, None]


def shift_view(inputs: torch.Tensor,
               offset: Tuple[int, int] = (0, 0),
               flip: bool = False) -> torch.Tensor:
    """A translated (and optionally flipped) view of the same size.

    Pixel ``(r, c)`` of the view (before the flip) is pixel
    ``(r + dy, c + dx)`` of the image; outside pixels are zero (the mean
    colour of normalised inputs). This is a CIFAR-style padded random crop.

    Args:
        inputs (torch.Tensor): (..., H, W) images.
        offset (tuple[int, int]): ``(dy, dx)``. Defaults to (0, 0).
        flip (bool): Flip the view horizontally. Defaults to False.

    Returns:
        torch.Tensor: The view, same shape as ``inputs``.
    """
    dy, dx = offset
    height, width = inputs.shape[-2:]
    out = torch.zeros_like(inputs)
    src_r = slice(max(dy, 0), min(height + dy, height))
    src_c = slice(max(dx, 0), min(width + dx, width))
    dst_r = slice(max(-dy, 0), min(height - dy, height))
    dst_c = slice(max(-dx, 0), min(width - dx, width))
    out[..., dst_r, dst_c] = inputs[..., src_r, src_c]
    return out.flip(-1) if flip else out


def view_to_image(mask: torch.Tensor,
                  offset: Tuple[int, int] = (0, 0),
                  flip: bool = False) -> Tuple[torch.Tensor, torch.Tensor]:
    """Map a mask of a :func:`shift_view` view back to image coordinates.

    Args:
        mask (torch.Tensor): (H, W) mask of the view.
        offset (tuple[int, int]): The view's ``(dy, dx)``. Defaults to (0, 0).
        flip (bool): Whether the view was flipped. Defaults to False.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: The mask in image coordinates and
        the boolean map of image pixels that the view contains.
    """
    dy, dx = offset
    mask = mask.flip(-1) if flip else mask
    inverse = shift_view(mask, (-dy, -dx))
    covered = shift_view(torch.ones_like(mask, dtype=torch.bool), (-dy, -dx))
    return inverse.bool(), covered


def consistency_iou(mask1: torch.Tensor,
                    mask2: torch.Tensor,
                    offset1: Tuple[int, int] = (0, 0),
                    offset2: Tuple[int, int] = (0, 0),
                    flip1: bool = False,
                    flip2: bool = False) -> float:
    """IoU of the visual concepts of two views over their shared pixels.

    Eq. 9 for one image: both masks are mapped back to image coordinates and
    only image pixels present in both views count.

    Args:
        mask1 (torch.Tensor): (H, W) concept mask of view 1.
        mask2 (torch.Tensor): (H, W) concept mask of view 2.
        offset1 (tuple[int, int]): View 1's ``(dy, dx)``. Defaults to (0, 0).
        offset2 (tuple[int, int]): View 2's ``(dy, dx)``. Defaults to (0, 0).
        flip1 (bool): View 1 is flipped. Defaults to False.
        flip2 (bool): View 2 is flipped. Defaults to False.

    Returns:
        float: The IoU; NaN when neither view has a concept in the shared
        pixels.
    """
    m1, cov1 = view_to_image(mask1.bool(), offset1, flip1)
    m2, cov2 = view_to_image(mask2.bool(), offset2, flip2)
    shared = cov1 & cov2
    inter = (m1 & m2 & shared).sum()
    union = ((m1 | m2) & shared).sum()
    return float('nan') if union == 0 else float(inter) / float(union)


def random_view_params(num: int,
                       max_shift: int = 4,
                       flip: bool = True,
                       seed: int = 0) -> Sequence[dict]:
    """Seeded random ``offset``/``flip`` pairs for :func:`shift_view`.

    Args:
        num (int): Number of views.
        max_shift (int): Largest absolute shift per axis. Defaults to 4.
        flip (bool): Draw random horizontal flips. Defaults to True.
        seed (int): Seed. Defaults to 0.

    Returns:
        list[dict]: ``dict(offset=(dy, dx), flip=bool)`` per view.
    """
    gen = torch.Generator().manual_seed(seed)
    shifts = torch.randint(-max_shift, max_shift + 1, (num, 2), generator=gen)
    flips = torch.rand(num, generator=gen) < 0.5
    return [
        dict(offset=(int(s[0]), int(s[1])), flip=bool(f) and flip)
        for s, f in zip(shifts, flips)
    ]


def knowledge_scores(feature_fn: Callable[[torch.Tensor], torch.Tensor],
                     inputs: torch.Tensor,
                     views: Optional[Sequence[dict]] = None,
                     **kwargs) -> dict:
    """``H`` maps, ``H_bar`` and the two-view consistency IoU of a batch.

    Args:
        feature_fn (Callable): See :func:`perturbation_entropy`.
        inputs (torch.Tensor): (B, C, H, W) normalised inputs.
        views (Sequence[dict], optional): Two ``dict(offset, flip)`` view
            definitions shared by the batch. Defaults to two seeded random
            views (shift <= 4, random flip).
        **kwargs: Passed to :func:`perturbation_entropy`.

    Returns:
        dict: ``entropy`` (B, H, W) of the original images, ``h_bar`` (B,),
        ``view_entropy`` (2, B, H, W) and ``iou`` (B,) (NaN when undefined).
    """
    views = views or random_view_params(2, seed=kwargs.get('seed', 0))
    batch = inputs.shape[0]
    stacked = torch.cat(
        [inputs] +
        [shift_view(inputs, v['offset'], v['flip']) for v in views[:2]])
    entropy = perturbation_entropy(feature_fn, stacked, **kwargs)
    orig, view1, view2 = entropy.split(batch)
    masks1, masks2 = concept_mask(view1), concept_mask(view2)
    iou = torch.tensor([
        consistency_iou(m1, m2, views[0]['offset'], views[1]['offset'],
                        views[0]['flip'], views[1]['flip'])
        for m1, m2 in zip(masks1, masks2)
    ])
    return dict(
        entropy=orig,
        h_bar=mean_entropy(orig),
        view_entropy=torch.stack([view1, view2]),
        iou=iou)
