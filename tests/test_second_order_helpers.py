"""Second (and third) derivatives through srcdiff's own adjoint helpers, in both modes: the
gradient's code is differentiated again by reverse mode (grad of grad, vjp of a gradient) as
well as by forward mode (hessian, hvp), and must agree with finite differences -- never be
refused where the function is smooth, never be wrong."""

from __future__ import annotations

import numpy as np
import pytest

import srcdiff

W34 = np.arange(1.0, 13.0).reshape(3, 4) / 7.0
RNG = np.random.default_rng(7)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((4, 5))


def einsum_matmul(a, b):
    return np.sum(np.sin(np.einsum("ij,jk->ik", a, b)))


def einsum_sublists(a, b):
    return np.sum(np.sin(np.einsum(a, [0, 1], b, [1, 2], [0, 2])))


def einsum_ellipsis(a, b):
    return np.sum(np.sin(np.einsum("...j,jk", a, b)))


def einsum_three(a, b):
    return np.sum(np.einsum("ij,jk,ij->k", a, b, a) ** 2)


def matmul_operator(a, b):
    return np.sum(np.sin(a @ b))


def dot(a, b):
    return np.sum(np.sin(np.dot(a, b)))


def tensordot(a, b):
    return np.sum(np.sin(np.tensordot(a, b, axes=1)))


def inner(a, b):
    return np.sum(np.sin(np.inner(a, b.T)))


def outer(a, b):
    return np.sum(np.sin(np.outer(a, b)))


def array_of_numbers(a, b):
    return np.sum(np.array([a[0, 0], a[1, 1] * b[0, 0], a[0, 1] + 2.5]) ** 2)


def atleast_2d_product(a, b):  # a zero adjoint (0.0) reached np.reshape in reverse over reverse
    return np.sum(np.sin(np.atleast_2d(a[0]) @ b))


def builtin_sum(a, b):  # sum_items read 0.0 for an array's adjoint: a wrong reverse-over-reverse
    return np.sum(a / sum(a) ** 2) + np.sum(b * b)


def cumprod_with_zeros(a, b):
    return np.sum(np.cumprod(a * np.array([1.0, 0.0, 1.0, 1.0]), axis=1) * W34) + np.sum(b)


def shape_written(a, b):  # (scipy's logsumexp writes into np.asarray(a.shape))
    shape = np.asarray(a.shape)
    shape[0] = 1
    return np.sum(np.reshape(np.max(a, axis=0), tuple(shape)) * np.exp(a)) + np.sum(b)


CASES = [
    einsum_matmul,
    einsum_sublists,
    einsum_ellipsis,
    einsum_three,
    matmul_operator,
    dot,
    tensordot,
    inner,
    outer,
    array_of_numbers,
    atleast_2d_product,
    builtin_sum,
    cumprod_with_zeros,
    shape_written,
]


def _args(f):
    if f is outer:
        return [A[0], B[0]]
    if f is einsum_three:
        return [A, B]
    return [A.copy(), B.copy()]


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_gradient_differentiated_again_in_both_modes(f):
    args = _args(f)
    df = srcdiff.grad(f, wrt=(0, 1))
    srcdiff.check_grads(df, args, order=1, rtol=1e-4, atol=1e-5)  # forward and reverse over it


def _inner_helper(x):
    return np.sin(x) * x


def calls_a_helper(x):
    return _inner_helper(x) ** 2 + _inner_helper(2.0 * x)


def _fun(x):
    return np.sin(np.sin(x) + np.sin(x))


_dfun = srcdiff.grad(_fun)


def calls_a_gradient(x):
    return _dfun(x) * x


def _fd(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("f", [calls_a_helper, calls_a_gradient], ids=lambda f: f.__name__)
def test_second_and_third_derivatives_through_helpers(f):
    x = 0.3
    g = srcdiff.grad(f)
    second = _fd(g, x)
    assert srcdiff.vjp(g, x)[1](1.0)[0] == pytest.approx(second, rel=1e-6)
    assert srcdiff.grad(g)(x) == pytest.approx(second, rel=1e-6)
    third = _fd(lambda y: _fd(g, y, 1e-4), x, 1e-4)
    assert srcdiff.grad(srcdiff.grad(g))(x) == pytest.approx(third, rel=1e-4)
    assert srcdiff.vjp(srcdiff.grad(g), x)[1](1.0)[0] == pytest.approx(third, rel=1e-4)


def _recursive(x, n):
    if n == 0:
        return x
    return np.sin(_recursive(x, n - 1)) * x


def calls_a_recursive_helper(x):
    return _recursive(x, 3)


def test_a_recursive_helper_to_second_order_and_refused_at_the_third():
    g = srcdiff.grad(calls_a_recursive_helper)
    assert srcdiff.grad(g)(0.3) == pytest.approx(_fd(g, 0.3), rel=1e-6)
    with pytest.raises(srcdiff.NoDerivativeError, match="recursive helper"):
        srcdiff.grad(srcdiff.grad(g))(0.3)


W43 = np.arange(12.0).reshape(4, 3)


def swapped_in_one_branch(x, flag):
    y = np.swapaxes(x, 0, 1)
    if flag > 0:
        z = np.sum(y * W43)
    else:
        z = np.sum(x * x)
    return z


def reshaped_in_one_branch(x, flag):
    y = np.reshape(x, (4, 3))
    if flag > 0:
        z = np.sum(np.sin(y) * W43)
    else:
        z = np.sum(x * x)
    return z


@pytest.mark.parametrize("f", [swapped_in_one_branch, reshaped_in_one_branch], ids=lambda f: f.__name__)
@pytest.mark.parametrize("flag", [1, 0])
def test_an_adjoint_zero_on_this_run_reaches_a_rule_that_moves_axes(f, flag):
    # (the adjoint of y stays a plain 0.0 when the other branch runs: np.swapaxes(0.0, 0, 1)
    # raised AxisError, np.reshape(0.0, (3, 4)) a ValueError)
    x = RNG.standard_normal((3, 4))
    srcdiff.check_grads(lambda_free(f, flag), [x], order=2, rtol=1e-4, atol=1e-5)


def lambda_free(f, flag):
    return {(swapped_in_one_branch, 1): _swap1, (swapped_in_one_branch, 0): _swap0,
            (reshaped_in_one_branch, 1): _reshape1, (reshaped_in_one_branch, 0): _reshape0}[(f, flag)]


def _swap1(x):
    return swapped_in_one_branch(x, 1)


def _swap0(x):
    return swapped_in_one_branch(x, 0)


def _reshape1(x):
    return reshaped_in_one_branch(x, 1)


def _reshape0(x):
    return reshaped_in_one_branch(x, 0)


def _cube(x):
    return x * x * x


def test_grad_of_grad_follows_a_helper_rebound_since(tmp_path):
    from helpers import load_module

    module = load_module(tmp_path, "rebound_helper", "def sq(x):\n    return x * x\n\n\ndef f(x):\n    return sq(x) * x\n")
    assert srcdiff.grad(srcdiff.grad(module.f))(2.0) == pytest.approx(12.0)
    module.sq = _cube
    assert srcdiff.grad(srcdiff.grad(module.f))(2.0) == pytest.approx(48.0)
    assert srcdiff.vjp(srcdiff.grad(module.f), 2.0)[1](1.0)[0] == pytest.approx(48.0)
