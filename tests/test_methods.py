"""Models written as classes: ``srcdiff.grad(model.loss)`` on a bound method (the object is a
constant: its attributes carry no derivative), methods calling other methods on ``self``,
static methods, and a module-level function calling a global object's method -- each checked
against central differences in reverse mode, forward mode and through ``hessian``."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest

import srcdiff
from tests.exactness import fd_gradient


class Regression:
    def __init__(self, X, y):
        self.X = X
        self.y = y

    def predict(self, w):
        return np.tanh(self.X @ w)

    @staticmethod
    def penalty(w):
        return 0.1 * np.sum(w**2)

    def loss(self, w):
        r = self.predict(w) - self.y
        return np.mean(r**2) + self.penalty(w)

    def scaled(self, s, w):
        return s * self.loss(w)


X = np.linspace(-1.0, 1.0, 12).reshape(4, 3)
MODEL = Regression(X, np.array([0.5, -0.2, 0.1, 0.3]))
W = np.array([0.3, -0.7, 1.1])


def uses_the_global_model(w):
    return MODEL.loss(w) * 2.0


def test_grad_of_a_bound_method():
    g = srcdiff.grad(MODEL.loss)(W)
    np.testing.assert_allclose(g, fd_gradient(MODEL.loss, (W,), 0), rtol=1e-6, atol=1e-9)


def test_wrt_counts_the_parameters_after_self():
    g = srcdiff.grad(MODEL.scaled, wrt=1)(2.0, W)
    np.testing.assert_allclose(g, fd_gradient(lambda w: MODEL.scaled(2.0, w), (W,), 0), rtol=1e-6, atol=1e-9)
    value, gs = srcdiff.value_and_grad(MODEL.scaled, wrt=(0, 1))(2.0, W)
    assert value == pytest.approx(MODEL.scaled(2.0, W)) and gs[0] == pytest.approx(MODEL.loss(W))


def test_forward_hessian_and_vjp_of_a_bound_method():
    v = np.array([1.0, 0.5, -2.0])
    value, tangent = srcdiff.jvp(MODEL.loss, (W,), (v,))
    g = srcdiff.grad(MODEL.loss)(W)
    assert value == pytest.approx(MODEL.loss(W)) and tangent == pytest.approx(g @ v)
    h = srcdiff.hessian(MODEL.loss)(W)
    columns = [fd_gradient(lambda w, j=j: srcdiff.grad(MODEL.loss)(w)[j], (W,), 0, h=1e-5) for j in range(3)]
    np.testing.assert_allclose(h, np.array(columns), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(srcdiff.hvp(MODEL.loss)(W, v), h @ v, rtol=1e-8)
    _, pullback = srcdiff.vjp(MODEL.loss, W)
    np.testing.assert_allclose(pullback(1.0)[0], g)


def test_a_function_calling_a_global_objects_method():
    g = srcdiff.grad(uses_the_global_model)(W)
    np.testing.assert_allclose(g, fd_gradient(uses_the_global_model, (W,), 0), rtol=1e-6, atol=1e-9)
    _, t = srcdiff.jvp(uses_the_global_model, (W,), (np.ones(3),))
    assert t == pytest.approx(g.sum())


def test_the_object_is_not_changed():
    before = MODEL.X.copy()
    srcdiff.grad(MODEL.loss)(W)
    np.testing.assert_array_equal(MODEL.X, before)


def test_rebinding_a_method_generates_the_code_again():
    class Model(Regression):
        pass

    m = Model(X, MODEL.y)
    g1 = srcdiff.grad(m.loss)(W)
    Model.penalty = staticmethod(lambda w: 5.0 * w[0])  # (read like a def: not silently stale)
    with_lambda = srcdiff.grad(m.loss)(W)
    change = srcdiff.grad(lambda w: 5.0 * w[0])(W) - srcdiff.grad(Regression.penalty)(W)
    np.testing.assert_allclose(with_lambda - g1, change)
    del Model.penalty
    np.testing.assert_allclose(srcdiff.grad(m.loss)(W), g1)


class Layer(NamedTuple):
    W: np.ndarray
    b: float


class LayerModel:
    def __init__(self, X, y):
        self.X, self.y = X, y

    def predict(self, layer):
        return np.tanh(self.X @ layer.W + layer.b)

    def loss(self, layer):
        return np.mean((self.predict(layer) - self.y) ** 2)


def test_a_method_passes_a_record_to_another_method():
    """The object is passed once: its kinds line up with the parameters (the object was
    prepended twice, so ``layer`` was taken for another model and ``layer.W`` refused)."""
    model = LayerModel(X, MODEL.y)
    layer = Layer(np.array([0.2, -0.1, 0.3]), 0.1)
    value, g = srcdiff.value_and_grad(model.loss)(layer)
    assert type(g) is Layer and value == pytest.approx(model.loss(layer))
    h = 1e-6
    for i in range(3):
        e = np.eye(3)[i] * h
        fd = (model.loss(Layer(layer.W + e, layer.b)) - model.loss(Layer(layer.W - e, layer.b))) / (2 * h)
        assert g.W[i] == pytest.approx(fd, rel=1e-6, abs=1e-9)


def test_a_method_the_object_hides_is_not_the_classs():
    """``self.predict`` is the object's own attribute when it sets one: then the class's method
    is not the one called, and srcdiff must not differentiate it in its place."""

    def other_predict(w):
        return np.cos(X @ w)

    model = Regression(X, MODEL.y)
    model.predict = other_predict
    try:
        g = srcdiff.grad(model.loss)(W)
    except srcdiff.SrcDiffError:
        return  # refused: fine
    np.testing.assert_allclose(g, fd_gradient(model.loss, (W,), 0), rtol=1e-6, atol=1e-9)
