"""Second derivatives through linear-algebra rules whose adjoint is still zero on a path (the
gradient does not depend on the argument): exact zeros, not a numpy error from the adjoint's
helper (autograd's test_solve_arg2, reverse over reverse)."""

from __future__ import annotations

import numpy as np
import pytest

import srcdiff

RNG = np.random.default_rng(0)
A = RNG.standard_normal((4, 4)) + 10 * np.eye(4)
U = RNG.standard_normal((4, 3))


def solved(B):
    return np.sum(np.linalg.solve(A, B) * U)


def outer_product(v):
    return np.sum(np.outer(A[0], v) * U[:, :1])


@pytest.mark.parametrize(
    "f, x", [(solved, U * 0.5), (outer_product, np.ones(1))], ids=lambda v: getattr(v, "__name__", "")
)
def test_reverse_over_reverse_of_a_linear_function_is_zero(f, x):
    _, pullback = srcdiff.vjp(srcdiff.grad(f), x)
    (second,) = pullback(np.ones_like(x))
    np.testing.assert_array_equal(second, np.zeros_like(x))
    np.testing.assert_array_equal(srcdiff.hessian(f)(x), np.zeros(x.shape + x.shape))
