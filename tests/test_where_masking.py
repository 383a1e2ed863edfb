"""``np.where``-guarded expressions: where the mask drops an entry, the function is locally
constant there and its derivative is exactly zero -- not the NaN of ``0 * inf`` that the masked
branch's partials would give."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import srcdiff
from tests.exactness import check_exact


def safe_ratio(n, d):
    return np.sum(np.where(d > 0, n / d, 0.0))


def safe_log_ratio(n, d):
    return np.sum(np.where(d > 0, np.log(n / d), 0.0) ** 2)


def safe_sqrt(n, d):
    return np.sum(np.where(d > 0, np.sqrt(d) * n, -1.0))


N = np.array([1.0, 2.0, 3.0])
D = np.array([2.0, 0.0, 4.0])  # the middle entry is masked out


@pytest.mark.parametrize("f", [safe_ratio, safe_log_ratio, safe_sqrt], ids=lambda f: f.__name__)
def test_masked_entries_get_exact_zeros(f):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the function itself divides by zero
        dn, dd = srcdiff.grad(f, wrt=(0, 1))(N, D)
        hessian = srcdiff.hessian(f, wrt=1)(N, D)
        _, tangent = srcdiff.jvp(f, (N, D), (np.ones(3), np.ones(3)))
    assert dn[1] == 0.0 and dd[1] == 0.0
    assert np.all(np.isfinite(hessian)) and np.all(hessian[1] == 0.0) and np.all(hessian[:, 1] == 0.0)
    # elsewhere, the derivatives of the branch taken
    kept = [0, 2]
    expected_n = check_exact(f, N[kept], D[kept], wrt=0)
    expected_d = check_exact(f, N[kept], D[kept], wrt=1)
    np.testing.assert_allclose(dn[kept], expected_n)
    np.testing.assert_allclose(dd[kept], expected_d)
    assert np.isfinite(tangent)
