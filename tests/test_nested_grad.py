"""A gradient called inside a function that is itself differentiated -- gradient descent in an
inner variable (bilevel problems, GradBench's particle and saddle), a force computed as the
gradient of a potential -- written as users write it: ``srcdiff.grad(inner)(x, w)`` in the
body, or a gradient kept in a module-level name.  Checked against central differences in
reverse and forward mode."""

from __future__ import annotations

import numpy as np
import pytest

import srcdiff
from tests.exactness import check_exact


def potential(x, w):
    return np.sum(w * x**2) + np.sum(np.sin(x * w))


FORCE = srcdiff.grad(potential)  # kept at module level, as users keep a compiled gradient


def descend(w):
    x = np.array([1.0, -0.5])
    for _ in range(3):
        x = x - 0.1 * srcdiff.grad(potential)(x, w)
    return np.sum(x**2)


def descend_with_a_global_gradient(w):
    x = np.array([1.0, -0.5])
    for _ in range(3):
        x = x - 0.1 * FORCE(x, w)
    return np.sum(x**2)


def sensitivity(w, x):
    return np.sum(srcdiff.grad(potential, wrt=1)(x, w) ** 2)


def value_and_slope(w):
    x = np.array([0.3, 0.8])
    value, slope = srcdiff.value_and_grad(potential)(x, w)
    return value * np.sum(slope)


def cubic(t, a):
    return a * t**3 + t


def newton_step(a):
    t = 1.0
    for _ in range(2):
        t = t - srcdiff.grad(cubic)(t, a) / (6.0 * a * t)
    return t * t


W = np.array([0.7, 1.3])


@pytest.mark.parametrize(
    "f, args",
    [
        (descend, (W,)),
        (descend_with_a_global_gradient, (W,)),
        (sensitivity, (W, np.array([0.2, -0.4]))),
        (value_and_slope, (W,)),
        (newton_step, (1.5,)),
    ],
    ids=lambda v: getattr(v, "__name__", "") if callable(v) else "",
)
def test_a_gradient_inside_a_differentiated_function(f, args):
    check_exact(f, *args)


def _inner_helper(x):
    return np.sin(x) * x


def calls_a_helper(x):
    return _inner_helper(x) ** 2


def test_reverse_over_a_gradient_whose_function_calls_helpers():
    """vjp (reverse mode) of the gradient of a function calling a helper once read 0.0 (the
    helper's halves handed their values on through a tape reverse mode did not see), then was
    refused; now the gradient is differentiated in a version that calls the helper's vjp
    version, one function, and agrees with finite differences and forward mode."""
    g = srcdiff.grad(calls_a_helper)
    h = 1e-6
    expected = (g(0.7 + h) - g(0.7 - h)) / (2 * h)
    assert srcdiff.vjp(g, 0.7)[1](1.0)[0] == pytest.approx(expected, rel=1e-6)
    assert srcdiff.grad(g)(0.7) == pytest.approx(expected, rel=1e-6)
    assert srcdiff.hessian(calls_a_helper)(0.7) == pytest.approx(expected, rel=1e-6)
    assert srcdiff.jvp(g, (0.7,), (1.0,))[1] == pytest.approx(expected, rel=1e-6)


def bowl(p, q):
    return (p[0] * p[0] + p[1] * p[1]) - (q[0] * q[0] + q[1] * q[1])


def upside_down(q, p):
    return -bowl(p, q)


def inner_ascent(p):
    q = np.array([1.0, 1.0])
    for _ in range(3):
        q = q - 0.1 * srcdiff.grad(upside_down)(q, p)
    return bowl(p, q)


def test_an_inner_gradient_whose_function_calls_a_helper():
    """GradBench's saddle: the inner function calls another (written into it for its gradient)."""
    check_exact(inner_ascent, np.array([0.4, -0.3]))


# -- gradients of functions defined inside (JAX's habit) -------------------------------------
def _loss(p, x):
    return np.sum(np.tanh(p * x) ** 2)


def closure_gradient(w, x):
    scale = 2.0 * np.sum(w)

    def inner(y):
        return scale * np.sum(y**2) + _loss(y, x)

    g = srcdiff.grad(inner)(w)
    return np.sum(g * w) + inner(w)


def maml_step(w, x):
    def inner_loss(p):
        return _loss(p, x)

    adapted = w - 0.1 * srcdiff.grad(inner_loss)(w)
    value, slope = srcdiff.value_and_grad(inner_loss)(adapted)
    return value + 0.5 * np.sum(slope**2)


@pytest.mark.parametrize("f", [closure_gradient, maml_step])
def test_the_gradient_of_a_local_function_is_exact(f):
    """The local function reads the enclosing variables (``scale``, ``x``): they are passed to it
    where it is used, so the outer derivative flows through them too."""
    w, x = np.array([0.3, -0.5]), np.array([1.0, 2.0])
    check_exact(f, w, x)


# -- a gradient made by a function of the user's (autograd-like ``grad(fun, argnum)``) -------------


def ag_grad(fun, argnum=0):
    """An autograd-like maker: ``grad(fun)(x)`` in the differentiated function."""
    return srcdiff.grad(fun, wrt=argnum)


def summed_keepdims(x):
    return np.sum(np.sin(x) ** 2, keepdims=True)


def sum_of_made_gradient(x):
    return np.sum(ag_grad(summed_keepdims)(x))  # (a gradient of a one-element array)


def summed_scalar(x):
    return np.sum(np.sin(x) ** 2)


def gradient_of_made_gradient(x):
    return np.sum(ag_grad(summed_scalar)(x) * x)


def closure_made_gradient(x):
    def inner(y):
        return x * y**2

    return x * ag_grad(inner)(2.0)


def closure_by_position(w, x):
    def inner(a, b):
        return np.sum(np.sin(a * b) * w)

    return np.sum(ag_grad(inner, 1)(x, w) ** 2)


@pytest.mark.parametrize(
    "f, args",
    [
        (gradient_of_made_gradient, (np.array([0.3, -0.5, 0.9]),)),
        (sum_of_made_gradient, (np.array([[0.3, -0.5], [0.9, 0.2]]),)),
        (closure_made_gradient, (1.3,)),
        (closure_by_position, (np.array([0.4, 1.2]), np.array([0.7, -0.2]))),
    ],
)
def test_a_gradient_made_by_the_users_function_is_differentiated(f, args):
    check_exact(f, *args, hessian=False)


def test_a_made_gradient_of_a_local_function_differentiated_twice():
    """d2/dx2 of x * (d/dy x y**2 at 2) = 4 x**2 is 8, in every second-order mode (the maker
    was written into the gradient's code, and the local function it was given was lost)."""
    f, x = closure_made_gradient, 1.3
    assert np.isclose(srcdiff.hessian(f)(x), 8.0)
    G = srcdiff.grad(f)
    assert np.isclose(srcdiff.vjp(G, x)[1](1.0)[0], 8.0)
    assert np.isclose(srcdiff.grad(G)(x), 8.0)


def lambda_made_gradient(x):
    inner = lambda y: x * y**3  # noqa: E731
    return x * ag_grad(inner)(2.0)


def test_a_lambda_bound_to_a_name_made_a_gradient():
    """d/dx of x * (3 * 4 x) = 24 x (the lambda itself is no function srcdiff reads when it runs
    un-differentiated, so the check is by value)."""
    assert np.isclose(srcdiff.grad(lambda_made_gradient)(1.3), 24 * 1.3)
    assert np.isclose(srcdiff.jvp(lambda_made_gradient, (1.3,), (1.0,))[1], 24 * 1.3)


def makes_something_else(k):
    grad = k  # (reads the name `grad`: called when transformed, and its result is no gradient)
    return lambda y: grad * y


def calls_what_it_made(x):
    return makes_something_else(2.0)(x)


def test_a_function_made_by_another_that_is_no_gradient_is_refused():
    with pytest.raises(srcdiff.SrcDiffError, match="a value computed in the function"):
        srcdiff.grad(calls_what_it_made)(1.5)


def squared(x):
    return x**2


def cubed(x):
    return x**3


INNER = squared


def made_of_a_global(x):
    return ag_grad(INNER)(x) * x


def made_by_srcdiff_of_a_global(x):
    return srcdiff.grad(INNER)(x) * x


@pytest.mark.parametrize("f", [made_of_a_global, made_by_srcdiff_of_a_global])
def test_a_gradient_made_of_a_global_is_made_again_when_it_is_rebound(f):
    """(The code kept the first gradient: 8 where 36 is right.)"""
    global INNER
    try:
        INNER = squared
        assert srcdiff.grad(f)(2.0) == pytest.approx(8.0)  # d/dx 2x * x
        INNER = cubed
        assert srcdiff.grad(f)(2.0) == pytest.approx(36.0)  # d/dx 3x^2 * x
    finally:
        INNER = squared
