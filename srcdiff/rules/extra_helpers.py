"""Adjoint helpers of :mod:`srcdiff.rules.numpy_extra` and :mod:`srcdiff.rules.statistics_module`
that are not one expression.  Plain numpy and Python, so srcdiff differentiates them from their
source for second derivatives.

>>> float(ptp_adjoint(1.0, np.array([1.0, 3.0, 2.0]))[1])
1.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..runtime import SeqAdjoint, add_at, is_zero
from .array_helpers import expand, extreme_adjoint
from .table import helpers_of, not_supported


def _axes_of(axis: Any, ndim: int) -> Any:
    """``axis`` as numpy's reductions take it with ``keepdims=True`` (None: every axis)."""
    if axis is None:
        return None
    return tuple(a % ndim for a in ((axis,) if np.ndim(axis) == 0 else axis))


# -- reductions ---------------------------------------------------------------------------------
def ptp_adjoint(g: Any, a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Adjoint of ``np.ptp`` (max - min): ties split evenly among the equal extremes, as ``np.max``."""
    if is_zero(g):
        return 0.0
    a = np.asarray(a)
    high = np.max(a, axis=axis, keepdims=keepdims)
    low = np.min(a, axis=axis, keepdims=keepdims)
    return extreme_adjoint(g, a, high, axis, keepdims) - extreme_adjoint(g, a, low, axis, keepdims)


def nanvar_adjoint(g: Any, a: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Adjoint of ``np.nanvar``: the variance of the numbers (NaNs get 0)."""
    if is_zero(g):
        return 0.0
    a = np.asarray(a)
    axes = _axes_of(axis, a.ndim)
    keep = ~np.isnan(a)
    counts = np.sum(keep, axis=axes, keepdims=True)
    mean = np.sum(np.where(keep, a, 0.0), axis=axes, keepdims=True) / counts
    centered = np.where(keep, a - mean, 0.0)
    return expand(g, a, axis, keepdims) * 2.0 * centered / (counts - ddof)


def nanstd_adjoint(g: Any, a: Any, out: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Adjoint of ``np.nanstd``; where it is 0 (all numbers equal: a kink) the zero subgradient."""
    if is_zero(g):
        return 0.0
    safe = np.where(np.asarray(out) == 0, 1.0, out)
    return nanvar_adjoint(np.asarray(g) / (2.0 * safe), a, axis, ddof, keepdims)


def cumulative_sum_adjoint(g: Any, x: Any, axis: Any = None, include_initial: bool = False) -> Any:
    """Adjoint of ``np.cumulative_sum``: the reversed cumulative sum (the initial zero has none)."""
    if is_zero(g):
        return 0.0
    ax = 0 if axis is None else axis
    shape = list(np.shape(x))
    shape[ax] += 1 if include_initial else 0
    g = np.broadcast_to(g, shape)
    if include_initial:
        g = np.take(g, np.arange(1, shape[ax]), axis=ax)
    return np.flip(np.cumsum(np.flip(g, ax), ax), ax)


def _trapezoid_steps(n: int, x: Any, dx: Any) -> Any:
    if x is None:
        return dx * np.ones(n - 1)
    if np.ndim(x) != 1:
        raise not_supported("np.trapezoid with an x of more than one dimension", "pass a 1-D x (or dx)")
    return np.diff(x)


def trapezoid_adjoint(g: Any, y: Any, x: Any, dx: Any, axis: int, wrt: str) -> Any:
    """Adjoint of ``np.trapezoid(y, x, dx, axis)`` with respect to ``wrt`` (``"y"``, ``"x"`` or ``"dx"``)."""
    if is_zero(g):
        return 0.0
    # (each value is computed on the branch that reads it: an adjoint left unused on another
    # branch is a plain zero, which moveaxis and expand_dims cannot take at second order)
    steps = _trapezoid_steps(np.shape(y)[axis], x, dx)
    if wrt == "y":  # each sample weighs half of each step it bounds
        weights = 0.5 * (np.pad(steps, (0, 1)) + np.pad(steps, (1, 0)))
        return np.moveaxis(np.expand_dims(g, -1) * weights, -1, axis)
    yy = np.moveaxis(np.asarray(y), axis, -1)
    mids = 0.5 * (yy[..., 1:] + yy[..., :-1])
    if wrt == "dx":
        return 0.0 if x is not None else np.sum(g * np.sum(mids, axis=-1))
    per_step = np.sum(np.reshape(np.expand_dims(g, -1) * mids, (-1, np.shape(mids)[-1])), axis=0)
    return np.pad(per_step, (1, 0)) - np.pad(per_step, (0, 1))


def trapezoid_tangent(t: Any, y: Any, x: Any, dx: Any, axis: int, wrt: str) -> Any:
    """Forward mode of ``np.trapezoid`` in ``x`` (a 1-D tangent) or ``dx``."""
    yy = np.moveaxis(np.asarray(y), axis, -1)
    _trapezoid_steps(yy.shape[-1], x, dx)  # (its refusals)
    mids = 0.5 * (yy[..., 1:] + yy[..., :-1])
    if wrt == "dx":
        return 0.0 * np.sum(mids, axis=-1) if x is not None else t * np.sum(mids, axis=-1)
    return np.sum(np.diff(t) * mids, axis=-1)


# -- matrices -----------------------------------------------------------------------------------
def vander_slope(x: Any, N: Any = None, increasing: bool = False) -> Any:
    """d np.vander(x, N, increasing) / dx, row by row: ``p * x ** (p - 1)`` for each power ``p``."""
    n = np.shape(x)[0] if N is None else N
    powers = np.arange(n) if increasing else np.arange(n - 1, -1, -1)
    # (x ** max(p - 1, 0) keeps the p = 0 column finite at x == 0: it is multiplied by 0)
    return powers * np.power(np.expand_dims(x, -1), np.maximum(powers - 1, 0))


def compress_adjoint(g: Any, condition: Any, a: Any, axis: Any = None) -> Any:
    """Adjoint of ``np.compress(condition, a, axis)``: ``g`` put back where the condition picked."""
    if is_zero(g):
        return 0.0
    picked = np.flatnonzero(condition)
    if axis is None:
        return np.reshape(add_at(0.0, np.ravel(a), picked, g), np.shape(a))
    return add_at(0.0, a, (slice(None),) * (axis % np.ndim(a)) + (picked,), g)


def dstack_adjoint(g: Any, tup: Any) -> SeqAdjoint:
    """Adjoint of ``np.dstack(tup)``: each piece's slice of the third axis, in its own shape."""
    if is_zero(g):
        return SeqAdjoint(0.0 for _ in tup)
    depths = [np.shape(np.atleast_3d(a))[2] for a in tup]
    parts = np.split(np.asarray(g), np.cumsum(depths)[:-1], axis=2)
    return SeqAdjoint(np.reshape(p, np.shape(a)) for p, a in zip(parts, tup))


HELPERS: dict[str, Any] = helpers_of(globals(), __name__)
