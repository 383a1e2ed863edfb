"""Dicts the function makes -- a memo filled in a loop, dict comprehensions, literals with
computed keys, ``.values()`` and ``.items()`` -- as users write them, checked against central
differences in reverse mode, forward mode and through ``hessian``; a write into a dict another
name may hold is refused."""

from __future__ import annotations

import numpy as np
import pytest

import srcdiff
from tests.exactness import check_exact

X = np.array([0.7, -1.3, 2.1])


def memo_filled_in_a_loop(x):
    squares = {}
    for i in range(3):
        squares[i] = x[i] ** 2
    squares[1] += squares[0] * x[2]
    return squares[0] + squares[1] * squares[2]


def comprehension_by_name(x):
    names = ["a", "b", "c"]
    scaled = {name: np.sin(x[i]) * (i + 1) for i, name in enumerate(names)}
    return sum(scaled.values()) * scaled["b"]


def literal_with_computed_keys(x):
    parts = {f"w{i}": x[i] * x[0] for i in range(2)}
    more = {"total": np.sum(x), "first": parts["w0"]}
    return more["total"] * more["first"] + parts["w1"]


def items_of_a_made_dict(x):
    terms = {k: x[k] ** 3 for k in range(3) if k != 1}
    out = 0.0
    for k, v in terms.items():
        out = out + (k + 1.0) * v
    return out


def overwritten_key(x):
    d = {"a": x[0], "b": x[1]}
    d["a"] = d["a"] * x[2]
    d["a"] = d["a"] + d["b"]
    return d["a"] ** 2


@pytest.mark.parametrize(
    "f", [memo_filled_in_a_loop, comprehension_by_name, literal_with_computed_keys, items_of_a_made_dict, overwritten_key]
)
def test_dicts_made_in_the_function_are_exact(f):
    check_exact(f, X)


def loss(params, x):
    return np.sum(np.tanh(params["W"] @ x + params["b"]) ** 2)


def adapted_loss(params, x):
    """One inner gradient step on a dict of parameters, as MAML writes it."""
    g = srcdiff.grad(loss)(params, x)
    adapted = {k: params[k] - 0.1 * g[k] for k in params}
    return loss(adapted, x) + sum(np.sum(v**2) for v in adapted.values())


def test_a_dict_comprehension_over_parameters_with_a_nested_gradient():
    rng = np.random.default_rng(5)
    params = {"W": rng.normal(size=(2, 3)), "b": rng.normal(size=2)}
    x = rng.normal(size=3)
    g = srcdiff.grad(adapted_loss)(params, x)
    h = 1e-6
    for key in params:
        fd = np.zeros_like(params[key])
        for i in np.ndindex(params[key].shape):
            up = {k: v.copy() for k, v in params.items()}
            down = {k: v.copy() for k, v in params.items()}
            up[key][i] += h
            down[key][i] -= h
            fd[i] = (adapted_loss(up, x) - adapted_loss(down, x)) / (2 * h)
        assert np.allclose(g[key], fd, rtol=1e-5, atol=1e-7), key


def aliased(x):
    d = {"a": x[0]}
    e = d
    d["a"] = x[1]
    return e["a"]


def splatted(x):
    d = {"a": x[0]}
    return {**d, "b": x[1]}["b"]


@pytest.mark.parametrize("f, words", [(aliased, "another name may hold it"), (splatted, "dict literals")])
def test_dicts_srcdiff_cannot_follow_are_refused(f, words):
    with pytest.raises(srcdiff.SrcDiffError, match=words):
        srcdiff.grad(f)(X)


def over_an_iterator(x):
    items = iter([0, 1, 2])
    d = {k: x[k] * 2.0 for k in items}
    return d[0] + d[2]


def test_a_dict_comprehension_over_an_iterator_is_refused_not_wrong():
    """Its loops run twice (keys, then values): the second pass found the iterator used up."""
    with pytest.raises(srcdiff.SrcDiffError, match="iterator"):
        srcdiff.grad(over_an_iterator)(X)
