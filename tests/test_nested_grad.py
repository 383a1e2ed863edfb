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
