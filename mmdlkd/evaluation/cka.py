"""Centered kernel alignment (CKA) between two sets of representations.

CKA (Kornblith et al., ICML 2019) compares two representations ``X`` (n x p)
and ``Y`` (n x q) of the same ``n`` examples through their Gram matrices
``K`` and ``L``::

    CKA(K, L) = HSIC(K, L) / sqrt(HSIC(K, K) * HSIC(L, L)),
    HSIC(K, L) = trace(K H L H),  H = I - 1/n

(the ``1/(n-1)^2`` factor of HSIC cancels). The linear kernel ``K = X X^T``
gives ``||Y_c^T X_c||_F^2 / (||X_c^T X_c||_F ||Y_c^T Y_c||_F)`` with
column-centred ``X_c, Y_c``. The RBF kernel is
``K_ij = exp(-||x_i - x_j||^2 / (2 sigma^2))`` with the median heuristic
``sigma = threshold * sqrt(median_ij ||x_i - x_j||^2)`` (median over all
``n^2`` pairs, diagonal included, as in the authors' reference notebook).
Both are invariant to orthogonal transforms and isotropic scaling of either
representation. All computations run in float64.
"""
from typing import Optional, Sequence, Union

import numpy as np
import torch

ArrayLike = Union[torch.Tensor, np.ndarray]


def _as_2d(x: ArrayLike) -> torch.Tensor:
    """Return ``x`` as a float64 (n, d) tensor (extra dims flattened)."""
    x = torch.as_tensor(x).detach().to(torch.float64)
    if x.dim() == 1:
        x = x[:, None]
    return x.reshape(x.shape[0], -1)


def center_gram(gram: torch.Tensor) -> torch.Tensor:
    """Double-centre a Gram matrix: ``H K H`` with ``H = I - 1/n``.

    Args:
        gram (torch.Tensor): A symmetric (n, n) matrix.

    Returns:
        torch.Tensor: The centred matrix.
    """
    gram = gram - gram.mean(dim=0, keepdim=True)
    return gram - gram.mean(dim=1, keepdim=True)


def linear_gram(x: ArrayLike) -> torch.Tensor:
    """Gram matrix of the linear kernel, ``X X^T``.

    Args:
        x (ArrayLike): Representations, (n, ...).

    Returns:
        torch.Tensor: (n, n) float64 matrix.
    """
    x = _as_2d(x)
    return x @ x.T


def rbf_gram(x: ArrayLike,
             sigma: Optional[float] = None,
             threshold: float = 1.0) -> torch.Tensor:
    """Gram matrix of the RBF kernel with a median-heuristic bandwidth.

    Args:
        x (ArrayLike): Representations, (n, ...).
        sigma (float, optional): Fixed bandwidth. If None, it is
            ``threshold * sqrt(median squared distance)``. Defaults to None.
        threshold (float): Multiplier of the median distance.
            Defaults to 1.0.

    Returns:
        torch.Tensor: (n, n) float64 matrix.
    """
    x = _as_2d(x)
    sq_norms = (x * x).sum(dim=1)
    sq_dist = (sq_norms[:, None] + sq_norms[None, :] - 2 * x @ x.T)
    sq_dist = sq_dist.clamp_min(0)
    if sigma is None:
        sq_sigma = threshold**2 * sq_dist.flatten().quantile(0.5)
    else:
        sq_sigma = torch.tensor(float(sigma)**2, dtype=torch.float64)
    sq_sigma = sq_sigma.clamp_min(torch.finfo(torch.float64).tiny)
    return torch.exp(-sq_dist / (2 * sq_sigma))


def cka_from_grams(gram_x: torch.Tensor, gram_y: torch.Tensor) -> float:
    """CKA of two (n, n) Gram matrices.

    Args:
        gram_x (torch.Tensor): Gram matrix of the first representation.
        gram_y (torch.Tensor): Gram matrix of the second representation.

    Returns:
        float: The similarity in [0, 1]; NaN if a representation is
        constant.
    """
    gx, gy = center_gram(gram_x), center_gram(gram_y)
    hsic_xy = (gx * gy).sum()
    norm = torch.sqrt((gx * gx).sum() * (gy * gy).sum())
    if norm == 0:
        return float('nan')
    return float(hsic_xy / norm)


def linear_cka(x: ArrayLike, y: ArrayLike) -> float:
    """Linear CKA, computed in feature space (cheap for large ``n``).

    Args:
        x (ArrayLike): First representation, (n, ...).
        y (ArrayLike): Second representation of the same n examples.

    Returns:
        float: The similarity in [0, 1].
    """
    x, y = _as_2d(x), _as_2d(y)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f'CKA needs the same examples, got {x.shape[0]} '
                         f'and {y.shape[0]} rows')
    x = x - x.mean(dim=0, keepdim=True)
    y = y - y.mean(dim=0, keepdim=True)
    cross = torch.linalg.matrix_norm(y.T @ x)**2
    norm = (
        torch.linalg.matrix_norm(x.T @ x) * torch.linalg.matrix_norm(y.T @ y))
    if norm == 0:
        return float('nan')
    return float(cross / norm)


def rbf_cka(x: ArrayLike,
            y: ArrayLike,
            sigma: Optional[float] = None,
            threshold: float = 1.0) -> float:
    """RBF-kernel CKA (the variant of the paper's Fig. 3).

    Args:
        x (ArrayLike): First representation, (n, ...).
        y (ArrayLike): Second representation of the same n examples.
        sigma (float, optional): Fixed bandwidth for both; None uses the
            median heuristic per representation. Defaults to None.
        threshold (float): Multiplier of the median distance.
            Defaults to 1.0.

    Returns:
        float: The similarity in [0, 1].
    """
    return cka_from_grams(
        rbf_gram(x, sigma, threshold), rbf_gram(y, sigma, threshold))


def cka(x: ArrayLike, y: ArrayLike, kernel: str = 'linear', **kwargs) -> float:
    """CKA with the kernel chosen by name.

    Args:
        x (ArrayLike): First representation, (n, ...).
        y (ArrayLike): Second representation of the same n examples.
        kernel (str): ``'linear'`` or ``'rbf'``. Defaults to ``'linear'``.
        **kwargs: Passed to :func:`rbf_cka` (``sigma``, ``threshold``).

    Returns:
        float: The similarity.
    """
    if kernel == 'linear':
        return linear_cka(x, y)
    if kernel == 'rbf':
        return rbf_cka(x, y, **kwargs)
    raise ValueError(f"kernel must be 'linear' or 'rbf', got {kernel!r}")


def cka_matrix(feats_a: Sequence[ArrayLike],
               feats_b: Sequence[ArrayLike],
               kernel: str = 'linear',
               **kwargs) -> np.ndarray:
    """CKA between every pair of representations from two lists.

    Args:
        feats_a (Sequence[ArrayLike]): Representations of model A (e.g. one
            per layer), each (n, ...).
        feats_b (Sequence[ArrayLike]): Representations of model B.
        kernel (str): ``'linear'`` or ``'rbf'``. Defaults to ``'linear'``.
        **kwargs: Passed to :func:`cka`.

    Returns:
        np.ndarray: (len(feats_a), len(feats_b)) matrix.
    """
    out = np.zeros((len(feats_a), len(feats_b)))
    for i, fa in enumerate(feats_a):
        for j, fb in enumerate(feats_b):
            out[i, j] = cka(fa, fb, kernel, **kwargs)
    return out
