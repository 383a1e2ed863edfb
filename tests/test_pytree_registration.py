"""Container classes registered with ``srcdiff.register_pytree_node`` (JAX's convention:
``flatten(obj) -> (children, aux)``, ``unflatten(aux, children) -> obj``): the gradient, the
tangent, the Jacobian and the Hessian blocks come back as objects of the class, built by
``unflatten``; each is checked against central differences."""

from __future__ import annotations

import numpy as np
import pytest

import srcdiff


class Affine:
    """Slots: it cannot be copied attribute by attribute."""

    __slots__ = ("W", "b", "name")

    def __init__(self, W, b, name="layer"):
        self.W, self.b, self.name = W, b, name


srcdiff.register_pytree_node(Affine, lambda p: ((p.W, p.b), p.name), lambda name, c: Affine(c[0], c[1], name))


class Copies:
    __slots__ = ("W",)

    def __init__(self, W):
        self.W = W


srcdiff.register_pytree_node(Copies, lambda p: ((p.W.copy(),), None), lambda aux, c: Copies(c[0]))


def layer_loss(p, x):
    h = np.tanh(p.W @ x + p.b)
    return np.sum(h**2) + 0.1 * np.sum(p.W**2)


RNG = np.random.default_rng(3)
P = Affine(RNG.normal(size=(2, 3)), RNG.normal(size=2), "first")
X = RNG.normal(size=3)


def _flat(p):
    return np.concatenate([np.ravel(p.W), np.ravel(p.b)])


def _unflat(v, like):
    n = like.W.size
    return Affine(v[:n].reshape(like.W.shape), v[n:], like.name)


def _fd_grad(f, p, x, h=1e-6):
    v = _flat(p)
    return np.array([(f(_unflat(v + h * e, p), x) - f(_unflat(v - h * e, p), x)) / (2 * h) for e in np.eye(v.size)])


def test_gradient_is_an_object_of_the_class():
    g = srcdiff.grad(layer_loss)(P, X)
    assert type(g) is Affine and g.name == "first"
    assert np.allclose(_flat(g), _fd_grad(layer_loss, P, X), rtol=1e-6, atol=1e-8)


def test_tangent_jacobian_and_hessian():
    g = _flat(srcdiff.grad(layer_loss)(P, X))
    t = Affine(RNG.normal(size=(2, 3)), RNG.normal(size=2))
    _, tangent = srcdiff.jvp(layer_loss, (P, X), (t, None))
    assert np.isclose(tangent, g @ _flat(t))
    J = srcdiff.jacobian(layer_loss)(P, X)
    assert type(J) is Affine and np.allclose(_flat(J), g)
    H = srcdiff.hessian(layer_loss)(P, X)
    grad_flat = lambda p, x: _flat(srcdiff.grad(layer_loss)(p, x))  # noqa: E731
    v, h = _flat(P), 1e-5
    fd = np.array([(grad_flat(_unflat(v + h * e, P), X) - grad_flat(_unflat(v - h * e, P), X)) / (2 * h) for e in np.eye(v.size)])
    blocks = [[H.W.W, H.W.b], [H.b.W, H.b.b]]  # (blocks by field, then field)
    rows = np.block([[np.reshape(blocks[i][j], (P.W.size if i == 0 else 2, -1)) for j in range(2)] for i in range(2)])
    assert np.allclose(rows, fd, rtol=1e-4, atol=1e-6)


def test_a_flatten_that_copies_its_children_is_refused():
    with pytest.raises(srcdiff.SrcDiffError, match="none of its attributes"):
        srcdiff.grad(lambda_free_copies_loss)(Copies(np.ones(2)))


def lambda_free_copies_loss(p):
    return np.sum(p.W**2)
