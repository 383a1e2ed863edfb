"""``check_grads``: the test users run on their own functions (and rules).

Forward mode is compared with central finite differences along a random
direction; reverse mode with the dot-product test ``<J v, w> = <v, Jᵀ w>``
(against forward mode and against finite differences), one argument at a time,
so a failure names the argument, the mode and the size of the mismatch.
With ``order=2`` the same checks run on the first derivative (scalar outputs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .jacobians import jvp, vjp


def _real(value: Any) -> bool:
    """Arguments worth checking: floats and float arrays (an int is a count or an index)."""
    if isinstance(value, (float, np.floating)):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "f"
    if isinstance(value, (list, tuple)):
        return any(_real(v) for v in value)
    if isinstance(value, dict):
        return any(_real(v) for v in value.values())
    return False


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for k in sorted(value) for leaf in _leaves(value[k])]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _vdot(a: Any, b: Any) -> float:
    return float(
        sum(np.sum(np.asarray(x, dtype=float) * np.asarray(y, dtype=float)) for x, y in zip(_leaves(a), _leaves(b)))
    )


def _map(fn: Callable[..., Any], *values: Any) -> Any:
    """Apply ``fn`` leaf by leaf over structures of the same shape."""
    first = values[0]
    if isinstance(first, dict):
        return {k: _map(fn, *(v[k] for v in values)) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_map(fn, *items) for items in zip(*values))
    return fn(*values)


def _random_like(value: Any, rng: np.random.Generator) -> Any:
    def leaf(x: Any) -> Any:
        if isinstance(x, np.ndarray):
            return rng.standard_normal(x.shape)
        if isinstance(x, (int, float, np.number)) and not isinstance(x, bool):
            return float(rng.standard_normal())
        return None

    return _map(leaf, value)


def _step(x: Any, v: Any, h: float) -> Any:
    return _map(lambda a, d: a if d is None else a + h * d, x, v)


def _check_against_numeric(
    name: str, mode: str, i: int, what: str, got: Any, numeric: Any, rtol: float, atol: float
) -> None:
    if not _close(got, numeric, rtol, atol):
        raise AssertionError(
            f"check_grads({name}): {mode} mode disagrees with finite differences for "
            f"argument {i}: {what} = {got!r} vs {numeric!r} (difference {got - numeric:.3g})"
        )


def _close(got: float, want: float, rtol: float, atol: float) -> bool:
    return abs(got - want) <= atol + rtol * abs(want)


def check_grads(
    f: Callable[..., Any],
    args: Sequence[Any],
    modes: Sequence[str] = ("forward", "reverse"),
    order: int = 2,
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    seed: int = 0,
) -> None:
    """Check srcdiff's derivatives of ``f`` at ``args``; raise ``AssertionError`` naming the
    argument, the mode and the mismatch.  Float arguments (and float arrays, and containers of
    them) are checked; ints are taken to be counts or indices and left alone.

        >>> import math, srcdiff
        >>> def f(x, y):
        ...     return math.sin(x) * y ** 2
        >>> srcdiff.check_grads(f, (0.5, 1.5))   # passes silently
    """
    args = tuple(args)
    rng = np.random.default_rng(seed)
    name = getattr(f, "__name__", "f")
    value = f(*args)
    w = _random_like(value, rng)
    for i, x in enumerate(args):
        if not _real(x):
            continue
        v = _random_like(x, rng)
        tangents = [None] * len(args)
        tangents[i] = v
        plus = list(args)
        minus = list(args)
        plus[i] = _step(x, v, eps)
        minus[i] = _step(x, v, -eps)
        numeric = _map(
            lambda a, b: (np.asarray(a, dtype=float) - np.asarray(b, dtype=float)) / (2 * eps), f(*plus), f(*minus)
        )
        numeric_wjv = _vdot(w, numeric)
        forward = None
        if "forward" in modes:
            _, jv = jvp(f, args, tangents)
            forward = _vdot(w, jv)
            _check_against_numeric(name, "forward", i, "<w, J v>", forward, numeric_wjv, rtol, atol)
        if "reverse" in modes:
            _, pullback = vjp(f, *args)
            cotangent = pullback(w)[i]
            got = _vdot(v, cotangent) if cotangent is not None else 0.0
            _check_against_numeric(name, "reverse", i, "<v, J^T w>", got, numeric_wjv, rtol, atol)
            if forward is not None:
                if not _close(got, forward, 1e-9, 1e-12 + 1e-9 * abs(forward)):
                    raise AssertionError(
                        f"check_grads({name}): reverse and forward mode disagree for argument "
                        f"{i} (dot-product test): <v, J^T w> = {got!r} vs <J v, w> = {forward!r}"
                    )
    if order >= 2 and np.ndim(value) == 0 and isinstance(value, (float, int, np.number, np.ndarray)):
        from .gradient import grad

        differentiable = tuple(i for i, x in enumerate(args) if _real(x))
        for i in differentiable:
            gradient = grad(f, wrt=i)
            check_grads(
                gradient,
                args,
                modes=[m for m in modes if m == "forward"] or ("forward",),
                order=1,
                eps=eps,
                rtol=max(rtol, 1e-4),
                atol=max(atol, 1e-5),
                seed=seed + 1 + i,
            )
