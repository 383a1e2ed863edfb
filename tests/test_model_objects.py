"""A model written as a class, differentiated with respect to the model itself: its array
attributes carry the derivative, and the gradient is an object of the same class holding the
attributes' gradients (other attributes kept) -- ``grad(Model.loss)(model, x, y)`` or
``grad(model.loss, wrt="self")``.  Checked against central differences per attribute, forward
mode against reverse, and ``hessian`` blocks against differences of the gradient."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import srcdiff


class Layer:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.activation = "tanh"  # (not a number: kept as it is in the gradient)

    def __call__(self, x):
        return np.tanh(x @ self.W + self.b)


class Net:
    def __init__(self, first, second, scale):
        self.first = first
        self.second_W = second
        self.scale = scale

    def predict(self, x):
        hidden = np.tanh(x @ self.first.W + self.first.b)
        return hidden @ self.second_W * self.scale

    def loss(self, x, y):
        return np.mean((self.predict(x) - y) ** 2)


class Linear:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.name = "linear"

    def predict(self, x):
        return np.tanh(x @ self.W + self.b)

    def loss(self, x, y):
        return np.sum((self.predict(x) - y) ** 2)


RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 3))
Y = RNG.normal(size=(4, 2))
MODEL = Linear(RNG.normal(size=(3, 2)) * 0.5, RNG.normal(size=2) * 0.1)


def fd_attribute(f, obj, attr, h=1e-6):
    """Central differences of f(obj) in each number of the array attribute ``attr``."""
    base = getattr(obj, attr)
    out = np.zeros(np.shape(base))
    for j in range(np.size(base)):
        up, down = copy.deepcopy(obj), copy.deepcopy(obj)
        getattr(up, attr).flat[j] += h
        getattr(down, attr).flat[j] -= h
        out.flat[j] = (f(up) - f(down)) / (2 * h)
    return out


def test_gradient_with_respect_to_the_model_is_a_model():
    before = copy.deepcopy(MODEL)
    g = srcdiff.grad(Linear.loss)(MODEL, X, Y)
    assert type(g) is Linear and g.name == "linear"
    for attr in ("W", "b"):
        expected = fd_attribute(lambda m: Linear.loss(m, X, Y), MODEL, attr)
        assert np.allclose(getattr(g, attr), expected, rtol=1e-5, atol=1e-7), attr
    assert np.array_equal(MODEL.W, before.W) and np.array_equal(MODEL.b, before.b)


def test_wrt_self_on_a_bound_method():
    g = srcdiff.grad(MODEL.loss, wrt="self")(X, Y)
    h = srcdiff.grad(Linear.loss)(MODEL, X, Y)
    assert type(g) is Linear
    assert np.allclose(g.W, h.W) and np.allclose(g.b, h.b)


def test_forward_mode_with_a_model_tangent_agrees_with_reverse():
    direction = Linear(RNG.normal(size=(3, 2)), RNG.normal(size=2))
    value, tangent = srcdiff.jvp(Linear.loss, (MODEL, X, Y), (direction, None, None))
    g = srcdiff.grad(Linear.loss)(MODEL, X, Y)
    assert value == pytest.approx(Linear.loss(MODEL, X, Y))
    assert tangent == pytest.approx(np.sum(g.W * direction.W) + np.sum(g.b * direction.b), rel=1e-9)


def test_nested_objects():
    net = Net(Layer(RNG.normal(size=(3, 4)) * 0.5, np.zeros(4)), RNG.normal(size=(4, 2)), 1.5)
    g = srcdiff.grad(Net.loss)(net, X, Y)
    assert type(g) is Net and type(g.first) is Layer and g.first.activation == "tanh"
    loss = lambda n: Net.loss(n, X, Y)  # noqa: E731
    assert np.allclose(g.second_W, fd_attribute(loss, net, "second_W"), rtol=1e-5, atol=1e-7)
    layer_W = fd_attribute(lambda layer: Net.loss(Net(layer, net.second_W, net.scale), X, Y), net.first, "W")
    assert np.allclose(g.first.W, layer_W, rtol=1e-5, atol=1e-7)
    assert g.scale == pytest.approx(
        (loss(Net(net.first, net.second_W, 1.5 + 1e-6)) - loss(Net(net.first, net.second_W, 1.5 - 1e-6))) / 2e-6,
        rel=1e-5,
    )


def test_hessian_with_respect_to_the_model_has_a_block_per_attribute():
    h = srcdiff.hessian(Linear.loss)(MODEL, X, Y)
    g = lambda m: srcdiff.grad(Linear.loss)(m, X, Y).b  # noqa: E731
    column = np.zeros(2)
    for j in range(2):
        up, down = copy.deepcopy(MODEL), copy.deepcopy(MODEL)
        up.b[j] += 1e-6
        down.b[j] -= 1e-6
        column = (g(up) - g(down)) / 2e-6
        assert np.allclose(h.b.b[:, j], column, rtol=1e-5, atol=1e-6)


class Dense:
    """A layer as PyTorch users write one: called like a function."""

    def __init__(self, W, b):
        self.W, self.b = W, b

    def __call__(self, x):
        return np.tanh(x @ self.W + self.b)

    def forward(self, x):
        return self(x)


class Stack:
    def __init__(self, first, second):
        self.first, self.second = first, second

    def loss(self, x):
        h = self.first(x)
        return np.sum(self.second.forward(h) ** 2)


def test_layers_called_as_functions():
    net = Stack(Dense(RNG.normal(size=(3, 4)) * 0.5, np.zeros(4)), Dense(RNG.normal(size=(4, 2)), np.ones(2) * 0.1))
    g = srcdiff.grad(Stack.loss)(net, X)
    assert type(g.first) is Dense and type(g.second) is Dense
    for layer, name in ((net.first, "first"), (net.second, "second")):
        for attr in ("W", "b"):

            def loss_of(changed, name=name):
                other = copy.deepcopy(net)
                setattr(other, name, changed)
                return Stack.loss(other, X)

            expected = fd_attribute(loss_of, layer, attr)
            assert np.allclose(getattr(getattr(g, name), attr), expected, rtol=1e-5, atol=1e-7), (name, attr)
    gx = srcdiff.grad(net.loss)(X)  # with respect to the data, the model a constant
    h = 1e-6
    up, down = X.copy(), X.copy()
    up[0, 0] += h
    down[0, 0] -= h
    assert gx[0, 0] == pytest.approx((net.loss(up) - net.loss(down)) / (2 * h), rel=1e-5)
    direction = copy.deepcopy(net)
    _, tangent = srcdiff.jvp(Stack.loss, (net, X), (direction, None))
    expected = sum(
        np.sum(getattr(getattr(g, n), a) * getattr(getattr(direction, n), a))
        for n in ("first", "second")
        for a in ("W", "b")
    )
    assert tangent == pytest.approx(expected, rel=1e-8)
