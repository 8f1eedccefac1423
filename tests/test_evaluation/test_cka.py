import math

import numpy as np
import pytest
import torch

from mmdlkd.evaluation import (cka, cka_from_grams, cka_matrix, linear_cka,
                               linear_gram, rbf_cka, rbf_gram)


def _feats(n=40, d=12, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=gen, dtype=torch.float64)


def _orthogonal(d, seed=1):
    gen = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(
        torch.randn(d, d, generator=gen, dtype=torch.float64))
    return q


@pytest.mark.parametrize('kernel', ['linear', 'rbf'])
def test_self_similarity_is_one(kernel):
    x = _feats()
    assert cka(x, x, kernel) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize('kernel', ['linear', 'rbf'])
def test_invariant_to_rotation_and_isotropic_scaling(kernel):
    x, y = _feats(seed=0), _feats(d=7, seed=2)
    ref = cka(x, y, kernel)
    assert 0 < ref < 1
    transformed = 3.7 * x @ _orthogonal(x.shape[1])
    assert cka(transformed, y, kernel) == pytest.approx(ref, abs=1e-10)
    assert cka(transformed, x, kernel) == pytest.approx(1.0, abs=1e-10)
    # not invariant to a non-isotropic scaling
    stretched = x * torch.linspace(0.1, 10, x.shape[1], dtype=x.dtype)
    assert cka(stretched, x, kernel) < 0.99


def test_linear_cka_hand_computed():
    # 1-D case: CKA is the squared Pearson correlation.
    # x_c = (-1, 0, 1), y_c = (-5, -2, 7)/3: (x.y)^2 / (|x|^2 |y|^2)
    # = 4^2 / (2 * 26/3) = 12/13.
    x = np.array([[0.], [1.], [2.]])
    y = np.array([[0.], [1.], [4.]])
    assert linear_cka(x, y) == pytest.approx(12 / 13, abs=1e-12)
    assert cka_from_grams(linear_gram(x), linear_gram(y)) == pytest.approx(
        12 / 13, abs=1e-12)


def test_gram_and_feature_forms_agree():
    x, y = _feats(seed=3), _feats(d=5, seed=4)
    assert cka_from_grams(linear_gram(x), linear_gram(y)) == pytest.approx(
        linear_cka(x, y), abs=1e-10)


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
    assert mat[0, 1] < 0.9
    with pytest.raises(ValueError):
        cka(x, x, kernel='poly')
    with pytest.raises(ValueError):
        linear_cka(x, x[:-1])
