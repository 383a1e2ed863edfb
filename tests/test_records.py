"""Parameters in a dataclass or a NamedTuple, read by field (``p.W``) as users write them: the
gradient is a record of the same type (fields that carry no derivative, a name, kept as they
are), ``jvp`` takes a record of tangents, ``hessian`` returns the blocks in the record's
structure -- each checked against central differences."""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np
import pytest

import srcdiff
from srcdiff.api.trees import flatten

X = np.linspace(-1.0, 1.0, 12).reshape(4, 3)
Y = np.array([0.5, -0.2, 0.1, 0.3])


@dataclasses.dataclass
class Layer:
    W: np.ndarray
    b: float
    name: str = "dense"


class Affine(NamedTuple):
    W: np.ndarray
    b: float


def layer_loss(p):
    return np.mean((np.tanh(X @ p.W + p.b) - Y) ** 2)


def scaled_loss(p, scale):
    total = 0.0
    for i in range(3):
        total = total + scale * p.W[i] ** 2
    return total + layer_loss(p)


def _fd(f, p, h=1e-6):
    leaves, rebuild = flatten(p)
    flat = np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in leaves])
    out = []
    for i in range(flat.size):
        def at(x):
            parts, k = [], 0
            for v in leaves:
                n = int(np.size(v))
                parts.append(x[k : k + n].reshape(np.shape(v)) if isinstance(v, np.ndarray) else float(x[k]))
                k += n
            return f(rebuild(parts))
        e = np.zeros(flat.size)
        e[i] = h
        out.append((at(flat + e) - at(flat - e)) / (2 * h))
    return np.array(out)


def _flat(g):
    return np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in flatten(g)[0]])


@pytest.mark.parametrize("p", [Layer(np.array([0.2, -0.4, 0.6]), 0.3), Affine(np.array([0.2, -0.4, 0.6]), 0.3)])
def test_gradient_of_a_record_is_a_record(p):
    g = srcdiff.grad(layer_loss)(p)
    assert type(g) is type(p)
    np.testing.assert_allclose(_flat(g), _fd(layer_loss, p), rtol=1e-6, atol=1e-9)
    if isinstance(p, Layer):
        assert g.name == "dense"


def test_record_fields_in_a_loop_and_a_helper():
    p = Layer(np.array([0.2, -0.4, 0.6]), 0.3)
    g = srcdiff.grad(scaled_loss)(p, 2.0)
    np.testing.assert_allclose(_flat(g), _fd(lambda q: scaled_loss(q, 2.0), p), rtol=1e-6, atol=1e-9)


def test_forward_mode_takes_a_record_of_tangents():
    p = Layer(np.array([0.2, -0.4, 0.6]), 0.3)
    v = Layer(np.array([1.0, 0.5, -2.0]), 0.25)
    value, tangent = srcdiff.jvp(layer_loss, (p,), (v,))
    assert value == pytest.approx(layer_loss(p))
    assert tangent == pytest.approx(_flat(srcdiff.grad(layer_loss)(p)) @ _flat(v))


def test_hessian_of_a_record():
    p = Layer(np.array([0.2, -0.4, 0.6]), 0.3)
    h = srcdiff.hessian(layer_loss)(p)
    assert np.shape(h.W.W) == (3, 3) and np.shape(h.W.b) == (3,) and np.shape(h.b.b) == ()
    grad = srcdiff.grad(layer_loss)
    columns = [_fd(lambda q, j=j: _flat(grad(q))[j], p, h=1e-5) for j in range(4)]
    flat_h = np.block([[h.W.W, h.W.b[:, None]], [np.atleast_2d(h.b.W), np.atleast_2d(h.b.b)]])
    np.testing.assert_allclose(flat_h, np.array(columns), rtol=1e-4, atol=1e-6)


# -- records rebuilt with a field replaced, as users update parameters


class Step(NamedTuple):
    W: np.ndarray
    b: float


@dataclasses.dataclass
class Box:
    W: np.ndarray
    b: float
    label: str = "box"


def loss_after_replace(p):
    q = p._replace(W=p.W * 2.0, b=p.b + 1.0)
    r = q._replace(b=q.b * q.b)
    return np.sum(np.tanh(r.W) * r.b) + p.b


def loss_after_dataclasses_replace(p):
    q = dataclasses.replace(p, W=np.sin(p.W))
    return np.sum(q.W * p.W) * q.b


def test_namedtuple_replace_is_differentiated():
    p = Step(np.array([0.3, -0.7, 1.1]), 0.4)
    g = srcdiff.grad(loss_after_replace)(p)
    assert type(g) is Step
    for name in ("W", "b"):
        value = getattr(p, name)
        flat = np.atleast_1d(np.asarray(value, dtype=float))
        expected = []
        for j in range(flat.size):
            up, down = flat.copy(), flat.copy()
            up[j] += 1e-6
            down[j] -= 1e-6
            mk = lambda v: p._replace(**{name: v.reshape(np.shape(value)) if np.ndim(value) else float(v[0])})  # noqa: E731
            expected.append((loss_after_replace(mk(up)) - loss_after_replace(mk(down))) / 2e-6)
        assert np.allclose(np.ravel(getattr(g, name)), expected, rtol=1e-5, atol=1e-7), name
    value, tangent = srcdiff.jvp(loss_after_replace, (p,), (Step(np.ones(3), 1.0),))
    assert tangent == pytest.approx(np.sum(g.W) + g.b, rel=1e-9)


def test_dataclasses_replace_is_differentiated():
    p = Box(np.array([0.3, -0.7, 1.1]), 0.4)
    g = srcdiff.grad(loss_after_dataclasses_replace)(p)
    assert type(g) is Box and g.label == "box"
    h = 1e-6
    up, down = dataclasses.replace(p, b=p.b + h), dataclasses.replace(p, b=p.b - h)
    expected_b = (loss_after_dataclasses_replace(up) - loss_after_dataclasses_replace(down)) / (2 * h)
    assert g.b == pytest.approx(expected_b, rel=1e-6)
    expected_W = np.cos(p.W) * p.W * p.b + np.sin(p.W) * p.b
    assert np.allclose(g.W, expected_W)
