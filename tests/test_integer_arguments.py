"""An integer argument that is an order, a count or a dimension (``polygamma(n, x)``,
``multigammaln(a, d)``): vjp (and a reverse-mode Jacobian, made of it) gives it no cotangent
rather than refusing the call, since no derivative flows through it; asked for its derivative
by name, srcdiff refuses, naming the function it stands for (not a file srcdiff made)."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import srcdiff

special = pytest.importorskip("scipy.special")

X = np.array([1.5, 2.0, 3.25])


def _fd(f, x, h=1e-6):
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(x.size)])


@pytest.mark.parametrize("n", [0, 1, 2])
def test_vjp_of_polygamma_gives_no_cotangent_for_its_order(n):
    value, pullback = srcdiff.vjp(special.polygamma, n, X)
    u = np.array([1.0, -0.5, 2.0])
    dn, dx = pullback(u)
    assert dn is None
    assert np.allclose(dx, u @ _fd(lambda x: special.polygamma(n, x), X), rtol=1e-5)
    jac = srcdiff.jacobian(special.polygamma, wrt=1, mode="reverse")(n, X)
    assert np.allclose(jac, _fd(lambda x: special.polygamma(n, x), X).T, rtol=1e-5)


def test_vjp_of_multigammaln_gives_no_cotangent_for_its_dimension():
    value, pullback = srcdiff.vjp(special.multigammaln, 4.5, 3)
    da, dd = pullback(1.0)
    assert dd is None
    h = 1e-6
    assert np.isclose(da, (special.multigammaln(4.5 + h, 3) - special.multigammaln(4.5 - h, 3)) / (2 * h))


def with_an_integer_power(n, x):
    return np.sum(x**n)


def test_an_integer_argument_a_derivative_flows_through_keeps_its_cotangent():
    """(x ** n has a derivative in n: the integer is differentiated like a number.)"""
    _, pullback = srcdiff.vjp(with_an_integer_power, 2, X)
    dn, dx = pullback(1.0)
    assert np.isclose(dn, np.sum(X**2 * np.log(X))) and np.allclose(dx, 2 * X)


def test_its_derivative_asked_for_is_refused_at_the_function_it_stands_for():
    with pytest.raises(srcdiff.NoDerivativeError, match="`polygamma`") as info:
        srcdiff.grad(special.polygamma, wrt=0)(1.0, 1.5)
    assert not info.value.filename.startswith("<srcdiff") and "scipy" in info.value.filename


def scaled(w, **options):
    return w * options["k"]


def uses_real(w, X):
    return np.sum(scaled(w, k=w * X))  # (a differentiated value into **options: refused)


def test_a_refusal_in_a_partial_names_the_users_function():
    with pytest.raises(srcdiff.SrcDiffError) as info:
        srcdiff.grad(functools.partial(uses_real, X=2.0))(1.0)
    assert info.value.filename == __file__
