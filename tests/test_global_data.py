"""Data kept where users keep it -- module-level arrays and numbers, closures -- is specialized on
like an argument: its shape is known to the transform (the generated code is as lean as with the
data passed in), rebinding it to data of the same kind keeps the code (and uses the new data),
and rebinding it to another shape generates the code again."""

from __future__ import annotations

import numpy as np
import pytest

import srcdiff
from tests.exactness import check_exact

RNG = np.random.default_rng(3)
X = RNG.normal(size=(40, 5))
Y = (RNG.normal(size=40) > 0).astype(float)
SCALE = 0.5
STEPS = 3


def logistic_loss(w):
    z = X @ w
    return np.mean(np.log1p(np.exp(-z * (2 * Y - 1)))) + SCALE * np.sum(w**2)


def logistic_loss_of(w, X, Y):
    z = X @ w
    return np.mean(np.log1p(np.exp(-z * (2 * Y - 1)))) + SCALE * np.sum(w**2)


def repeated(w):
    out = 0.0
    for _ in range(STEPS):
        out = out + np.sum(np.tanh(X @ w))
    return out


def transforms():
    return srcdiff.cache_info()["transforms"]


def _restore(**values):
    globals().update(values)


@pytest.fixture
def keep_globals():
    saved = {k: globals()[k] for k in ("X", "Y", "SCALE", "STEPS")}
    yield
    _restore(**saved)


def test_module_level_data_is_exact():
    check_exact(logistic_loss, RNG.normal(size=5))
    check_exact(repeated, RNG.normal(size=5))


def test_the_code_is_as_lean_as_with_the_data_passed_in():
    w = RNG.normal(size=5)
    g, h = srcdiff.grad(logistic_loss), srcdiff.grad(logistic_loss_of)
    g(w), h(w, X, Y)
    body = srcdiff.source(g)
    for helper in ("matmul_adjoint", "unbroadcast(", "mean_adjoint(d_t", "expand("):
        assert (helper in body) == (helper in srcdiff.source(h)), helper
    assert "X.T @" in body


def test_rebinding_to_data_of_the_same_kind_keeps_the_code(keep_globals):
    global X, Y, SCALE
    w = RNG.normal(size=5)
    g, h = srcdiff.grad(logistic_loss), srcdiff.grad(logistic_loss_of)
    g(w), h(w, X, Y)
    before = transforms()
    X, Y, SCALE = RNG.normal(size=(40, 5)), np.ones(40), 2.0
    np.testing.assert_allclose(g(w), h(w, X, Y))
    assert transforms() == before


def test_rebinding_to_another_shape_specializes_again(keep_globals):
    global X, Y
    w = RNG.normal(size=5)
    g = srcdiff.grad(logistic_loss)
    g(w)
    X, Y = RNG.normal(size=(7, 5)), np.zeros(7)
    np.testing.assert_allclose(g(w), srcdiff.grad(logistic_loss_of)(w, X, Y))
    assert "(7,)" in srcdiff.source(g) or "7" in srcdiff.source(g)


def test_an_int_is_specialized_on_its_value(keep_globals):
    global STEPS
    w = RNG.normal(size=5)
    g = srcdiff.grad(repeated)
    first = g(w)
    STEPS = 5
    np.testing.assert_allclose(g(w), first * 5 / 3)


def test_closure_data_is_specialized_on_its_shape():
    def make_loss(A):
        def loss(w):
            return np.sum((A @ w) ** 2)

        return loss

    w = RNG.normal(size=5)
    A = RNG.normal(size=(6, 5))
    loss = make_loss(A)
    check_exact(loss, w)
    g = srcdiff.grad(loss)
    g(w)
    assert "matmul_adjoint" not in srcdiff.source(g)
    np.testing.assert_allclose(g(w), 2 * A.T @ (A @ w))
