"""Finite-difference reference gradients for checking srcdiff.

Only the public API is used: ``srcdiff.grad(f, wrt=...)``.
"""

from __future__ import annotations

import copy
import importlib.util
import inspect
import math
import sys

import srcdiff


def _positions(f, wrt):
    """Turn ``wrt`` (position, name, or tuple of them) into positions; say if it was a tuple."""
    names = list(inspect.signature(f).parameters)

    def position(item):
        return names.index(item) if isinstance(item, str) else item

    if isinstance(wrt, tuple):
        return tuple(position(item) for item in wrt), True
    return (position(wrt),), False


def numeric_grad(f, args, wrt, h=1e-6):
    """Central finite differences of ``f(*args)`` with respect to ``wrt``.

    ``wrt`` is a position, a parameter name, or a tuple of them (then a tuple of
    derivatives is returned, in that order). The step is relative:
    ``h * max(1, |x|)``. Int arguments are perturbed as floats.
    """
    positions, many = _positions(f, wrt)
    args = list(args)
    derivatives = []
    for p in positions:
        x = float(args[p])
        step = h * max(1.0, abs(x))
        up, down = list(args), list(args)
        up[p], down[p] = x + step, x - step
        derivatives.append((f(*up) - f(*down)) / (up[p] - down[p]))
    return tuple(derivatives) if many else derivatives[0]


def assert_grad_matches(f, args, wrt=0, rtol=1e-5, atol=1e-6):
    """Check ``srcdiff.grad(f, wrt)(*args)`` against finite differences.

    Also checks that every gradient is a ``float``, that a tuple ``wrt`` gives a
    tuple of the same length, and that the arguments were not mutated.
    Returns srcdiff's gradient(s).
    """
    args = tuple(args)
    snapshot = copy.deepcopy(args)
    got = srcdiff.grad(f, wrt=wrt)(*args)
    assert args == snapshot, f"srcdiff.grad({f.__name__}) mutated its arguments: {snapshot} -> {args}"

    expected = numeric_grad(f, args, wrt)
    if isinstance(wrt, tuple):
        assert isinstance(got, tuple), f"wrt={wrt!r} should give a tuple, got {got!r}"
        assert len(got) == len(wrt), f"wrt={wrt!r} should give {len(wrt)} gradients, got {got!r}"
        pairs = list(zip(wrt, got, expected))
    else:
        pairs = [(wrt, got, expected)]

    for which, g, e in pairs:
        where = f"d{f.__name__}/d[{which!r}] at {args}"
        assert isinstance(g, float), f"{where}: expected a float, got {type(g).__name__} {g!r}"
        assert math.isclose(g, e, rel_tol=rtol, abs_tol=atol), f"{where}: srcdiff {g!r} != finite difference {e!r}"
    return got


def load_module(tmp_path, name, text):
    """Write ``text`` to ``tmp_path/name.py`` and import it (srcdiff needs functions with a file)."""
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
