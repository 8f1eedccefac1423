"""Centered kernel alignment (CKA) between two sets of representations.

CKA (Kornblith et al., ICML 2019) compares two representations ``X`` (n x p)
and ``Y`` (n x q) of the same ``n`` examples through their Gram matrices
``K`` and ``L``::

    CKA(K, L) = HSIC(K, L) / sqrt(HSIC(K, K) * HSIC(L, L))

with one of two estimators of HSIC:

- ``'debiased'`` (the default): the unbiased estimator of Song et al.
  (JMLR 2012, eq. 5), used for CKA by Nguyen et al. (ICLR 2021) and in
  Kornblith et al.'s reference code (``debiased=True``). With ``K~``, ``L~``
  the Gram matrices with their diagonals set to 0 and ``n >= 4``::

      HSIC_1 = [tr(K~ L~) + (1'K~1)(1'L~1) / ((n-1)(n-2))
                - 2/(n-2) 1'K~L~1] / (n (n-3))

  It is the U-statistic of HSIC: the CKA of independent representations is
  near 0 (it may be slightly negative) whatever their width.
- ``'biased'``: ``HSIC_0 = tr(K H L H) / (n-1)^2`` with ``H = I - 1/n``, the
  form of Kornblith et al.'s paper. It is biased upwards when the width is
  large against ``n``: independent Gaussian features of width 4,096 at 1,000
  samples give a linear CKA near 0.8 (``tests/test_evaluation/test_cka.py``
  measures width 2,048 at 256 samples).

The linear kernel ``K = X X^T`` is computed in feature space when that is
smaller (``||Y_c^T X_c||_F^2`` and the row norms). The RBF kernel is
``K_ij = exp(-||x_i - x_j||^2 / (2 sigma^2))`` with the median heuristic
``sigma = threshold * sqrt(median_ij ||x_i - x_j||^2)`` (median over all
``n^2`` pairs, diagonal included, as in the authors' reference notebook).
Both estimators are invariant to orthogonal transforms and isotropic scaling
of either representation. All computations run in float64.
"""
from typing import Optional, Sequence, Union

import numpy as np
import torch

ArrayLike = Union[torch.Tensor, np.ndarray]
ESTIMATORS = ('debiased', 'biased')


def _as_2d(x: ArrayLike) -> torch.Tensor:
    """Return ``x`` as a float64 (n, d) tensor (extra dims flattened)."""
    x = torch.as_tensor(x).detach().to(torch.float64)
    if x.dim() == 1:
        x = x[:, None]
    return x.reshape(x.shape[0], -1)


def _check(estimator: str, n: int) -> None:
    """Validate the estimator name and the number of examples."""
    if estimator not in ESTIMATORS:
        raise ValueError(
            f'estimator must be one of {ESTIMATORS}, got {estimator!r}')
    if estimator == 'debiased' and n < 4:
        raise ValueError(f'the debiased HSIC needs n >= 4 examples, got {n}')


def center_gram(gram: torch.Tensor) -> torch.Tensor:
    """Double-centre a Gram matrix: ``H K H`` with ``H = I - 1/n``.

    Args:
        gram (torch.Tensor): A symmetric (n, n) matrix.

    Returns:
        torch.Tensor: The centred matrix.
    """
    gram = gram - gram.mean(dim=0, keepdim=True)
    return gram - gram.mean(dim=1, keepdim=True)


def hsic(gram_x: torch.Tensor,
         gram_y: torch.Tensor,
         estimator: str = 'debiased') -> torch.Tensor:
    """HSIC of two symmetric (n, n) Gram matrices.

    Args:
        gram_x (torch.Tensor): Gram matrix of the first representation.
        gram_y (torch.Tensor): Gram matrix of the second representation.
        estimator (str): ``'debiased'`` (Song et al. 2012) or ``'biased'``
            (``tr(KHLH) / (n-1)^2``). Defaults to ``'debiased'``.

    Returns:
        torch.Tensor: A float64 scalar.
    """
    gram_x = gram_x.to(torch.float64)
    gram_y = gram_y.to(torch.float64)
    n = gram_x.shape[0]
    _check(estimator, n)
    if estimator == 'biased':
        return (center_gram(gram_x) * center_gram(gram_y)).sum() / (n - 1)**2
    kt = gram_x - torch.diag(gram_x.diagonal())
    lt = gram_y - torch.diag(gram_y.diagonal())
    trace = (kt * lt).sum()  # tr(K~ L~) for symmetric matrices
    sums = kt.sum() * lt.sum() / ((n - 1) * (n - 2))
    rows = 2 / (n - 2) * (kt.sum(dim=1) @ lt.sum(dim=1))
    return (trace + sums - rows) / (n * (n - 3))


def _feature_hsic(x: torch.Tensor, y: torch.Tensor,
                  estimator: str) -> torch.Tensor:
    """Linear-kernel HSIC from column-centred features (no n x n matrix).

    With centred ``X``: ``K~ 1 = -r_x`` (``r_x`` the squared row norms) and
    ``1'K~1 = -s_x`` (``s_x = sum r_x``), so ``HSIC_1 = (||Y'X||^2 -
    n/(n-2) r_x.r_y + s_x s_y / ((n-1)(n-2))) / (n(n-3))``.
    """
    n = x.shape[0]
    dot = torch.linalg.matrix_norm(y.T @ x)**2
    if estimator == 'biased':
        return dot / (n - 1)**2
    rx, ry = (x * x).sum(dim=1), (y * y).sum(dim=1)
    return (dot - n / (n - 2) * (rx @ ry) + rx.sum() * ry.sum() /
            ((n - 1) * (n - 2))) / (
                n * (n - 3))


def _normalise(hsic_xy, hsic_xx, hsic_yy) -> float:
    """``HSIC(X, Y) / sqrt(HSIC(X, X) HSIC(Y, Y))``; NaN if degenerate."""
    norm = hsic_xx * hsic_yy
    if norm <= 0:
        return float('nan')
    return float(hsic_xy / torch.sqrt(norm))


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


def cka_from_grams(gram_x: torch.Tensor,
                   gram_y: torch.Tensor,
                   estimator: str = 'debiased') -> float:
    """CKA of two (n, n) Gram matrices.

    Args:
        gram_x (torch.Tensor): Gram matrix of the first representation.
        gram_y (torch.Tensor): Gram matrix of the second representation.
        estimator (str): HSIC estimator, ``'debiased'`` or ``'biased'``.
            Defaults to ``'debiased'``.

    Returns:
        float: The similarity (at most 1; the debiased one may be slightly
        negative); NaN if a representation is constant.
    """
    return _normalise(
        hsic(gram_x, gram_y, estimator), hsic(gram_x, gram_x, estimator),
        hsic(gram_y, gram_y, estimator))


def linear_cka(x: ArrayLike,
               y: ArrayLike,
               estimator: str = 'debiased') -> float:
    """Linear CKA, in feature space or with Gram matrices (the smaller).

    Args:
        x (ArrayLike): First representation, (n, ...).
        y (ArrayLike): Second representation of the same n examples.
        estimator (str): HSIC estimator, ``'debiased'`` or ``'biased'``.
            Defaults to ``'debiased'``.

    Returns:
        float: The similarity.
    """
    x, y = _as_2d(x), _as_2d(y)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f'CKA needs the same examples, got {x.shape[0]} '
                         f'and {y.shape[0]} rows')
    _check(estimator, x.shape[0])
    x = x - x.mean(dim=0, keepdim=True)
    y = y - y.mean(dim=0, keepdim=True)
    if x.shape[0] <= max(x.shape[1], y.shape[1]):
        return cka_from_grams(x @ x.T, y @ y.T, estimator)
    return _normalise(
        _feature_hsic(x, y, estimator), _feature_hsic(x, x, estimator),
        _feature_hsic(y, y, estimator))


def rbf_cka(x: ArrayLike,
            y: ArrayLike,
            sigma: Optional[float] = None,
            threshold: float = 1.0,
            estimator: str = 'debiased') -> float:
    """RBF-kernel CKA (the variant of the paper's Fig. 3).

    Args:
        x (ArrayLike): First representation, (n, ...).
        y (ArrayLike): Second representation of the same n examples.
        sigma (float, optional): Fixed bandwidth for both; None uses the
            median heuristic per representation. Defaults to None.
        threshold (float): Multiplier of the median distance.
            Defaults to 1.0.
        estimator (str): HSIC estimator, ``'debiased'`` or ``'biased'``.
            Defaults to ``'debiased'``.

    Returns:
        float: The similarity.
    """
    return cka_from_grams(
        rbf_gram(x, sigma, threshold), rbf_gram(y, sigma, threshold),
        estimator)


def cka(x: ArrayLike,
        y: ArrayLike,
        kernel: str = 'linear',
        estimator: str = 'debiased',
        **kwargs) -> float:
    """CKA with the kernel and the HSIC estimator chosen by name.

    Args:
        x (ArrayLike): First representation, (n, ...).
        y (ArrayLike): Second representation of the same n examples.
        kernel (str): ``'linear'`` or ``'rbf'``. Defaults to ``'linear'``.
        estimator (str): HSIC estimator, ``'debiased'`` or ``'biased'``.
            Defaults to ``'debiased'``.
        **kwargs: Passed to :func:`rbf_cka` (``sigma``, ``threshold``).

    Returns:
        float: The similarity.
    """
    if kernel == 'linear':
        return linear_cka(x, y, estimator)
    if kernel == 'rbf':
        return rbf_cka(x, y, estimator=estimator, **kwargs)
    raise ValueError(f"kernel must be 'linear' or 'rbf', got {kernel!r}")


def cka_matrix(feats_a: Sequence[ArrayLike],
               feats_b: Sequence[ArrayLike],
               kernel: str = 'linear',
               estimator: str = 'debiased',
               **kwargs) -> np.ndarray:
    """CKA between every pair of representations from two lists.

    Args:
        feats_a (Sequence[ArrayLike]): Representations of model A (e.g. one
            per layer), each (n, ...).
        feats_b (Sequence[ArrayLike]): Representations of model B.
        kernel (str): ``'linear'`` or ``'rbf'``. Defaults to ``'linear'``.
        estimator (str): HSIC estimator, ``'debiased'`` or ``'biased'``.
            Defaults to ``'debiased'``.
        **kwargs: Passed to :func:`cka`.

    Returns:
        np.ndarray: (len(feats_a), len(feats_b)) matrix.
    """
    out = np.zeros((len(feats_a), len(feats_b)))
    for i, fa in enumerate(feats_a):
        for j, fb in enumerate(feats_b):
            out[i, j] = cka(fa, fb, kernel, estimator, **kwargs)
    return out
