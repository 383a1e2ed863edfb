"""One check for "exact or refused": a user's function differentiated in reverse mode, in forward
mode and through ``hessian``, each against central finite differences.

Arguments may be numbers, arrays, or (nested) lists and tuples of them; the gradient must come
back with the argument's structure.
"""

from __future__ import annotations

import copy

import numpy as np

import srcdiff


def leaves(value):
    """The numbers in ``value``, flattened in a fixed order."""
    if isinstance(value, (list, tuple)):
        return [x for item in value for x in leaves(item)]
    if isinstance(value, np.ndarray):
        return [float(x) for x in value.ravel()]
    return [float(value)]


def rebuild(like, numbers):
    """``like`` with its numbers replaced, in the order :func:`leaves` gives them."""
    numbers = list(numbers)

    def build(v):
        if isinstance(v, (list, tuple)):
            items = [build(item) for item in v]
            return type(v)(*items) if hasattr(type(v), "_fields") else type(v)(items)  # a NamedTuple
        if isinstance(v, np.ndarray):
            out = np.array([numbers.pop(0) for _ in range(v.size)], dtype=float).reshape(v.shape)
            return out
        return numbers.pop(0)

    return build(like)


def _with(args, wrt, value):
    args = copy.deepcopy(list(args))  # (a function may write into its arguments)
    args[wrt] = value
    return args


def fd_gradient(f, args, wrt=0, h=1e-6):
    """Central finite differences of the number ``f(*args)`` in the argument at ``wrt``."""
    x = leaves(args[wrt])
    out = []
    for j in range(len(x)):
        step = h * max(1.0, abs(x[j]))
        up, down = list(x), list(x)
        up[j] += step
        down[j] -= step
        hi = f(*_with(args, wrt, rebuild(args[wrt], up)))
        lo = f(*_with(args, wrt, rebuild(args[wrt], down)))
        out.append((float(hi) - float(lo)) / (2 * step))
    return np.array(out)


def _close(got, expected, rtol, atol, what):
    got = np.asarray(got, dtype=float)
    assert got.shape == np.shape(expected), f"{what}: shape {got.shape} != {np.shape(expected)}"
    assert np.allclose(got, expected, rtol=rtol, atol=atol), f"{what}: srcdiff {got} != finite differences {expected}"


def _same_structure(g, like, what):
    if isinstance(like, (list, tuple)):
        assert type(g) is type(like) and len(g) == len(like), f"{what}: {g!r} is not shaped like {like!r}"
        for a, b in zip(g, like):
            _same_structure(a, b, what)
    elif isinstance(like, np.ndarray):
        assert isinstance(g, np.ndarray) and g.shape == like.shape, f"{what}: {g!r} is not shaped like {like!r}"


def check_exact(f, *args, wrt=0, hessian=True, forward=True, rtol=1e-5, atol=1e-6, seed=0):
    """Check ``grad``, ``jvp`` and (if ``hessian``) ``hessian`` of ``f`` in the argument at
    position ``wrt`` against central finite differences; returns the gradient."""
    name = getattr(f, "__name__", None) or getattr(f.func, "__name__", "f")  # (f may be a functools.partial)
    expected = fd_gradient(f, args, wrt)
    g = srcdiff.grad(f, wrt=wrt)(*args)
    _same_structure(g, args[wrt], f"grad({name})")
    _close(leaves(g), expected, rtol, atol, f"grad({name})")
    if forward:
        v = np.random.default_rng(seed).standard_normal(len(expected))
        primals = tuple(args)
        tangents = tuple(
            rebuild(a, v) if i == wrt else rebuild(a, [0.0] * len(leaves(a))) if _numeric(a) else None
            for i, a in enumerate(args)
        )
        _, t = srcdiff.jvp(f, primals, tangents)
        _close(float(t), float(expected @ v), rtol, atol, f"jvp({name})")
    if hessian:
        h = srcdiff.hessian(f, wrt=wrt)(*args)
        n = len(expected)
        grad_f = srcdiff.grad(f, wrt=wrt)
        columns = [fd_gradient(lambda *a, j=j: leaves(grad_f(*a))[j], args, wrt, h=1e-5) for j in range(n)]
        _close(_hessian_matrix(h, args[wrt], n), np.array(columns), 1e-4, 1e-5, f"hessian({name})")
    return g


def _hessian_matrix(h, like, n):
    """The n x n matrix of a Hessian: an array, or for a container argument the container of
    containers of blocks that ``hessian`` returns (JAX's layout)."""
    from srcdiff.api.trees import flatten, is_container

    if not is_container(like):
        return np.reshape(leaves(h), (n, n))
    sizes = [int(np.size(leaf)) for leaf in flatten(like)[0]]
    blocks = iter(flatten(h)[0])
    rows = [np.hstack([np.reshape(next(blocks), (r, c)) for c in sizes]) for r in sizes]
    return np.vstack(rows)


def _numeric(value):
    try:
        leaves(value)
    except (TypeError, ValueError):
        return False
    return True
