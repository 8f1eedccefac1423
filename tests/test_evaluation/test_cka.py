import itertools
import math

import numpy as np
import pytest
import torch

from mmdlkd.evaluation import (cka, cka_from_grams, cka_matrix, hsic,
                               linear_cka, linear_gram, rbf_cka, rbf_gram)

ESTIMATORS = ['debiased', 'biased']


def _feats(n=40, d=12, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=gen, dtype=torch.float64)


def _orthogonal(d, seed=1):
    gen = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(
        torch.randn(d, d, generator=gen, dtype=torch.float64))
    return q


def _loop_hsic_u_statistic(k, g):
    """HSIC of Gram matrices K = k, L = g as the U-statistic that defines
    it (Song et al. 2012): the mean over ordered distinct (i, j, q, r) of
    K_ij L_ij + K_ij L_qr - 2 K_ij L_iq, in plain float64 loops."""
    n = len(k)
    total = 0.0
    for i, j, q, r in itertools.permutations(range(n), 4):
        total += k[i][j] * g[i][j] + k[i][j] * g[q][r] - 2 * k[i][j] * g[i][q]
    return total / (n * (n - 1) * (n - 2) * (n - 3))


def _loop_hsic_closed_form(k, g):
    """Song et al.'s eq. 5 with the diagonals zeroed, in plain loops."""
    n = len(k)
    kt = [[0.0 if i == j else k[i][j] for j in range(n)] for i in range(n)]
    lt = [[0.0 if i == j else g[i][j] for j in range(n)] for i in range(n)]
    trace = sum(kt[i][j] * lt[j][i] for i in range(n) for j in range(n))
    sum_k = sum(map(sum, kt))
    sum_l = sum(map(sum, lt))
    ones_kl_ones = sum(kt[i][j] * lt[j][m] for i in range(n) for j in range(n)
                       for m in range(n))
    return (trace + sum_k * sum_l / ((n - 1) * (n - 2)) - 2 /
            (n - 2) * ones_kl_ones) / (
                n * (n - 3))


def _loop_hsic_biased(k, g):
    """tr(K H L H) / (n - 1)^2 with H = I - 1/n, in plain loops."""
    n = len(k)
    h = [[(1.0 if i == j else 0.0) - 1.0 / n for j in range(n)]
         for i in range(n)]

    def mul(a, b):
        return [[sum(a[i][m] * b[m][j] for m in range(n)) for j in range(n)]
                for i in range(n)]

    prod = mul(mul(mul(k, h), g), h)
    return sum(prod[i][i] for i in range(n)) / (n - 1)**2


def test_hsic_pinned_against_plain_loops():
    # uncentred features with offsets: the estimators must not need centring
    x = _feats(n=7, d=3, seed=10) + 1.5
    y = x[:, :2]**2 + 0.3 * _feats(n=7, d=2, seed=11) - 2
    k, g = linear_gram(x), linear_gram(y)
    loops = (k.tolist(), g.tolist())
    u_stat = _loop_hsic_u_statistic(*loops)
    assert _loop_hsic_closed_form(*loops) == pytest.approx(u_stat, rel=1e-10)
    assert float(hsic(k, g)) == pytest.approx(u_stat, rel=1e-10)
    assert float(hsic(k, g, 'biased')) == pytest.approx(
        _loop_hsic_biased(*loops), rel=1e-10)
    ref = _loop_hsic_u_statistic(*loops) / math.sqrt(
        _loop_hsic_u_statistic(loops[0], loops[0]) *
        _loop_hsic_u_statistic(loops[1], loops[1]))
    assert cka_from_grams(k, g) == pytest.approx(ref, rel=1e-10)
    assert linear_cka(x, y) == pytest.approx(ref, rel=1e-10)
    # the RBF kernel goes through the same estimator
    kr, lr = rbf_gram(x), rbf_gram(y)
    assert float(hsic(kr, lr)) == pytest.approx(
        _loop_hsic_u_statistic(kr.tolist(), lr.tolist()), rel=1e-10)


@pytest.mark.parametrize('n,d', [(256, 2048), (1000, 16)])
def test_independent_features_debiased_near_zero_biased_high(n, d):
    x, y = _feats(n, d, seed=20), _feats(n, d, seed=21)
    assert abs(linear_cka(x, y)) < 0.02
    biased = linear_cka(x, y, 'biased')
    if d > n:
        # the biased estimator's upward bias at a large width: this is why
        # the debiased one is the default
        assert biased > 0.8
    else:
        assert biased < 0.05
    assert abs(rbf_cka(x, y)) < 0.02


@pytest.mark.parametrize('estimator', ESTIMATORS)
@pytest.mark.parametrize('kernel', ['linear', 'rbf'])
def test_self_similarity_is_one(kernel, estimator):
    x = _feats()
    assert cka(x, x, kernel, estimator) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize('estimator', ESTIMATORS)
@pytest.mark.parametrize('kernel', ['linear', 'rbf'])
def test_invariant_to_rotation_and_isotropic_scaling(kernel, estimator):
    x = _feats(seed=0)
    y = x[:, :7] + 0.5 * _feats(d=7, seed=2)  # related: clearly above 0
    ref = cka(x, y, kernel, estimator)
    assert 0.2 < ref < 1
    transformed = 3.7 * x @ _orthogonal(x.shape[1])
    assert cka(transformed, y, kernel, estimator) == pytest.approx(
        ref, abs=1e-10)
    assert cka(transformed, x, kernel, estimator) == pytest.approx(
        1.0, abs=1e-10)
    # not invariant to a non-isotropic scaling
    stretched = x * torch.linspace(0.1, 10, x.shape[1], dtype=x.dtype)
    assert cka(stretched, x, kernel, estimator) < 0.99


def test_linear_cka_hand_computed():
    # 1-D case, biased: CKA is the squared Pearson correlation.
    # x_c = (-1, 0, 1), y_c = (-5, -2, 7)/3: (x.y)^2 / (|x|^2 |y|^2)
    # = 4^2 / (2 * 26/3) = 12/13.
    x = np.array([[0.], [1.], [2.]])
    y = np.array([[0.], [1.], [4.]])
    assert linear_cka(x, y, 'biased') == pytest.approx(12 / 13, abs=1e-12)
    assert cka_from_grams(linear_gram(x), linear_gram(y),
                          'biased') == pytest.approx(
                              12 / 13, abs=1e-12)
    with pytest.raises(ValueError, match='n >= 4'):
        linear_cka(x, y)  # three examples: no debiased estimate
    with pytest.raises(ValueError, match='estimator'):
        linear_cka(x, y, 'unbiased')


@pytest.mark.parametrize('estimator', ESTIMATORS)
def test_gram_and_feature_forms_agree(estimator):
    # n = 40 > d: linear_cka takes the feature-space form
    x, y = _feats(seed=3), _feats(d=5, seed=4)
    y = y + x[:, :5]
    assert cka_from_grams(linear_gram(x), linear_gram(y),
                          estimator) == pytest.approx(
                              linear_cka(x, y, estimator), abs=1e-10)


def test_rbf_gram_hand_computed():
    # Points 0, 1, 3 on a line: squared distances 0, 1, 4, 9 (x2) and 0 (x3);
    # the median of the nine entries is 1, so K_01 = exp(-1/2).
    gram = rbf_gram(torch.tensor([[0.], [1.], [3.]]))
    assert gram[0, 1] == pytest.approx(math.exp(-0.5))
    assert gram[0, 2] == pytest.approx(math.exp(-4.5))
    assert gram[1, 2] == pytest.approx(math.exp(-2.0))
    assert torch.allclose(gram.diagonal(), torch.ones(3, dtype=gram.dtype))


def test_rbf_fixed_sigma_and_matrix():
    x = _feats()
    assert rbf_cka(x, x, sigma=2.0) == pytest.approx(1.0)
    mat = cka_matrix([x, 2 * x], [x, _feats(seed=5)], kernel='linear')
    assert mat.shape == (2, 2)
    assert mat[0, 0] == pytest.approx(1.0) and mat[1, 0] == pytest.approx(1)
    assert abs(mat[0, 1]) < 0.2
    biased = cka_matrix([x], [_feats(seed=5)], 'linear', 'biased')
    assert biased[0,
                  0] == pytest.approx(linear_cka(x, _feats(seed=5), 'biased'))
    with pytest.raises(ValueError):
        cka(x, x, kernel='poly')
    with pytest.raises(ValueError):
        linear_cka(x, x[:-1])
