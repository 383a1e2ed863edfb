"""``functools.partial`` objects made at module level, as JAX users bind data
(``srcdiff.grad(partial(loss, X=X, y=y))``): handed to every transform, and called inside a
function being differentiated; each checked against central differences."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import srcdiff
from tests.exactness import check_exact

RNG = np.random.default_rng(11)
X = RNG.normal(size=(5, 3))
Y = RNG.normal(size=5)
W = RNG.normal(size=3)


def loss(w, X, y, l2=0.0):
    r = np.tanh(X @ w) - y
    return np.sum(r**2) + l2 * np.sum(w**2)


ON_DATA = functools.partial(loss, X=X, y=Y, l2=0.5)
AT_WEIGHTS = functools.partial(loss, W)  # the first argument bound


def calls_the_partial(w):
    return ON_DATA(w) * 2.0 + np.sum(w)


def test_a_partial_binding_data_is_exact():
    check_exact(ON_DATA, W)
    check_exact(calls_the_partial, W)


def test_wrt_counts_the_partials_own_parameters():
    g = srcdiff.grad(AT_WEIGHTS)(X, Y)  # with respect to X, its first parameter
    h = 1e-6
    fd = np.zeros_like(X)
    for i in np.ndindex(X.shape):
        e = np.zeros_like(X)
        e[i] = h
        fd[i] = (AT_WEIGHTS(X + e, Y) - AT_WEIGHTS(X - e, Y)) / (2 * h)
    assert np.allclose(g, fd, rtol=1e-5, atol=1e-7)


def test_every_transform_takes_a_partial():
    g = srcdiff.grad(ON_DATA)(W)
    value, g2 = srcdiff.value_and_grad(ON_DATA)(W)
    assert np.isclose(value, ON_DATA(W)) and np.allclose(g, g2)
    v = RNG.normal(size=3)
    assert np.isclose(srcdiff.jvp(ON_DATA, (W,), (v,))[1], g @ v)
    _, pullback = srcdiff.vjp(ON_DATA, W)
    assert np.allclose(pullback(1.0)[0], g)
    assert np.allclose(srcdiff.jacobian(ON_DATA)(W), g)
    H = srcdiff.hessian(ON_DATA)(W)
    assert np.allclose(srcdiff.hvp(ON_DATA)(W, v), H @ v)
    assert np.allclose(srcdiff.grad(ON_DATA)(W, l2=0.0), srcdiff.grad(loss)(W, X, Y))  # a bound keyword overridden
    assert "def grad_loss" in srcdiff.source(srcdiff.grad(ON_DATA))


def test_scipy_minimize_with_a_partial():
    optimize = pytest.importorskip("scipy.optimize")
    found = optimize.minimize(ON_DATA, np.zeros(3), jac=srcdiff.grad(ON_DATA), method="BFGS")
    assert found.success and np.linalg.norm(srcdiff.grad(ON_DATA)(found.x)) < 1e-4


def test_a_library_function_with_a_rule_is_differentiated_by_its_rule():
    """``srcdiff.grad(scipy.special.logsumexp)``: the rule, not scipy's own source (refused: it
    writes in place)."""
    special = pytest.importorskip("scipy.special")
    x = np.array([0.3, -1.2, 2.0])
    softmax = np.exp(x) / np.sum(np.exp(x))
    assert np.allclose(srcdiff.grad(special.logsumexp)(x), softmax)
    assert np.isclose(srcdiff.jvp(special.logsumexp, (x,), (np.ones(3),))[1], 1.0)
    assert np.allclose(srcdiff.hessian(special.logsumexp)(x), np.diag(softmax) - np.outer(softmax, softmax))


def test_a_library_function_called_with_an_argument_its_rule_lacks_is_refused():
    """(It crashed: the function made for the rule took the rule's parameters only.)"""
    special = pytest.importorskip("scipy.special")
    x = np.array([0.3, -1.2, 2.0])
    assert np.allclose(srcdiff.grad(special.logsumexp)(x, 0, None, False), srcdiff.grad(special.logsumexp)(x))
    with pytest.raises(srcdiff.SrcDiffError, match="return_sign"):
        srcdiff.grad(special.logsumexp)(x, return_sign=True)
