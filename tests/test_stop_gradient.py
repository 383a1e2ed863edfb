"""srcdiff.stop_gradient: a value taken as a constant, in reverse and forward mode and through
hessian -- and the package's version and type marker."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

import srcdiff


def scaled_by_itself(x):
    return x * srcdiff.stop_gradient(x)


def regression_to_a_moving_target(w, X):
    target = srcdiff.stop_gradient(np.tanh(X @ w))  # (the target moves with w, its gradient does not)
    return np.sum((X @ w - 0.9 * target) ** 2)


def test_no_derivative_flows_through_it():
    assert srcdiff.grad(scaled_by_itself)(3.0) == pytest.approx(3.0)
    assert srcdiff.jvp(scaled_by_itself, (3.0,), (1.0,))[1] == pytest.approx(3.0)
    assert srcdiff.hessian(scaled_by_itself)(3.0) == pytest.approx(0.0)


def test_a_target_computed_from_the_parameters():
    rng = np.random.default_rng(2)
    w, X = rng.normal(size=3), rng.normal(size=(5, 3))
    target = np.tanh(X @ w)
    expected = 2 * X.T @ (X @ w - 0.9 * target)
    np.testing.assert_allclose(srcdiff.grad(regression_to_a_moving_target)(w, X), expected)
    v = rng.normal(size=3)
    np.testing.assert_allclose(srcdiff.jvp(regression_to_a_moving_target, (w, X), (v, None))[1], expected @ v)
    np.testing.assert_allclose(srcdiff.hessian(regression_to_a_moving_target)(w, X), 2 * X.T @ X, atol=1e-12)


def test_version_and_type_marker():
    assert isinstance(srcdiff.__version__, str) and srcdiff.__version__[0].isdigit()
    assert (pathlib.Path(srcdiff.__file__).parent / "py.typed").exists()


def power(x, y):
    return x**3 * y


def vector(x):
    return np.sin(x) * x[::-1]


def test_jax_names():
    """argnums= for wrt= in every transform; jacfwd / jacrev are jacobian in each mode."""
    assert srcdiff.grad(power, argnums=1)(2.0, 3.0) == pytest.approx(8.0)
    assert srcdiff.grad(power, argnums=(0, 1))(2.0, 3.0) == pytest.approx((36.0, 8.0))
    assert srcdiff.value_and_grad(power, argnums=1)(2.0, 3.0) == pytest.approx((24.0, 8.0))
    assert srcdiff.hessian(power, argnums=0)(2.0, 3.0) == pytest.approx(36.0)
    assert srcdiff.jacobian(power, argnums=1)(2.0, 3.0) == pytest.approx(8.0)
    with pytest.raises(TypeError, match="not both"):
        srcdiff.grad(power, wrt=1, argnums=0)
    x = np.array([0.3, -0.7, 1.1])
    np.testing.assert_allclose(srcdiff.jacfwd(vector)(x), srcdiff.jacrev(vector)(x))
    np.testing.assert_allclose(srcdiff.jacfwd(vector)(x), srcdiff.jacobian(vector)(x))
