"""Functions passed as arguments, as an ODE solver takes its right-hand side: calls of the
parameter are calls of the function passed (the generated code is specialized to it, like
to an argument's shape: passing another function generates code again) -- each checked
against central differences in reverse and forward mode and through ``hessian``."""

from __future__ import annotations

import numpy as np
import pytest

import srcdiff
from tests.exactness import check_exact


def decay(y):
    return -0.5 * y


def oscillator(y):
    return np.array([y[1], -y[0]])


def rk4_step(f, y, h):
    k1 = f(y)
    k2 = f(y + h / 2 * k1)
    k3 = f(y + h / 2 * k2)
    k4 = f(y + h * k3)
    return y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def simulate(y0, f):
    y = y0
    for _ in range(5):
        y = rk4_step(f, y, 0.1)
    return np.sum(y**2)


def simulate_decay(y0):
    return simulate(y0, decay)


Y0 = np.array([0.7, -0.3])


@pytest.mark.parametrize("f", [decay, oscillator], ids=lambda f: f.__name__)
def test_the_function_passed_is_differentiated(f):
    check_exact(simulate, Y0, f, hessian=False)


def test_a_helper_passes_a_global_function_on():
    check_exact(simulate_decay, Y0, hessian=False)


def test_second_derivatives_through_a_function_passed_are_refused():
    """Not yet supported: refused, never a wrong Hessian (forward mode over the generated
    gradient misaligned the tangents of the stack a helper called through ``f`` pushes)."""
    with pytest.raises(srcdiff.SrcDiffError, match="function passed as an argument"):
        srcdiff.hessian(simulate_decay)(Y0)


def test_another_function_generates_code_again():
    g = srcdiff.grad(simulate)
    a, b = g(Y0, decay), g(Y0, oscillator)
    assert not np.allclose(a, b)
    np.testing.assert_allclose(g(Y0, decay), a)


def test_a_lambda_passed_is_read_like_a_def():
    g = srcdiff.grad(simulate)(Y0, lambda y: -0.5 * y)
    np.testing.assert_allclose(g, srcdiff.grad(simulate)(Y0, decay), rtol=1e-12)


BASE = np.array([0.5, 1.5, 2.0])


def reduced_by_default(a, _r=np.sum):
    return _r(np.exp(a) * BASE)


def reduced_by(a, reduction):
    return reduction(np.exp(a) * BASE) * 2.0


@pytest.mark.parametrize("reduction", [np.sum, np.prod, np.max, np.min], ids=lambda f: f.__name__)
def test_a_library_function_with_a_rule_passed_or_left_as_a_default_is_called_by_its_rule(reduction):
    """(autograd's plain-numpy reductions test: ``def f(a, _r=numpy.sum)``.)"""
    a = np.array([0.1, -0.3, 0.2])
    check_exact(reduced_by, a, reduction)
    check_exact(reduced_by_default, a)
