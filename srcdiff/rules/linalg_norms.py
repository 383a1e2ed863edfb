"""Adjoints of ``np.linalg.norm`` (every ``ord`` numpy accepts), ``np.linalg.vector_norm`` and
``np.linalg.matrix_norm``.

Conventions where a norm has a kink: a tie between the largest (smallest) entries, column or
row sums, or singular values splits the derivative evenly among them, as ``np.max`` does; an
entry at zero contributes ``sign(0) = 0`` (as ``np.abs`` does).  A vector ``ord`` below 1 at a
zero entry has no derivative and is refused.  ``ord=0`` counts nonzero entries: its derivative
is zero.

>>> x = np.array([3.0, -4.0])
>>> norm_adjoint(1.0, x, 5.0, None, None, False)
array([ 0.6, -0.8])
>>> norm_adjoint(1.0, x, 4.0, np.inf, None, False)
array([ 0., -1.])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..runtime import is_zero
from .linalg_helpers import refusal


def _safe(out: Any) -> Any:
    """The norm, with 1 where it is 0 (the gradient of a norm at the zero vector is taken as 0)."""
    return np.where(np.asarray(out) == 0, 1.0, out)


def _evenly(hits: Any, axis: int) -> Any:
    """Weights 1/k on the ``k`` entries marked in ``hits`` along ``axis``, 0 elsewhere."""
    return hits / np.sum(hits, axis=axis, keepdims=True)


def _vector_last(gx: Any, x: Any, out: Any, ord: Any) -> Any:
    """Adjoint of the ``ord``-norm along the last axis of ``x``; ``gx`` and ``out`` keep that axis (size 1)."""
    if ord is None or ord == 2:
        return gx * x / _safe(out)
    if isinstance(ord, str):
        raise refusal(f"a vector norm with ord={ord!r}", "numpy has no such vector norm")
    ax = np.abs(x)
    if ord == np.inf or ord == -np.inf:
        extreme = np.max(ax, axis=-1, keepdims=True) if ord > 0 else np.min(ax, axis=-1, keepdims=True)
        return gx * np.sign(x) * _evenly(ax == extreme, -1)
    if ord == 0:
        return 0.0 * gx * x
    if ord == 1:
        return gx * np.sign(x)
    if ord < 1 and np.any(ax == 0):
        raise refusal(f"the derivative of a vector norm with ord={ord!r} at a zero entry", "it has none there")
    return gx * np.sign(x) * (ax / _safe(out)) ** (ord - 1)


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return tuple(int(a) % ndim for a in axis)
    return (int(axis) % ndim,)


def _kept(v: Any, x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    """``v`` (shaped like a reduction of ``x`` over ``axes``) with those axes present, of size 1."""
    v = np.asarray(v)
    if keepdims or v.ndim == np.ndim(x):
        return v
    return np.expand_dims(v, axes)


def vector_norm_adjoint(g: Any, x: Any, out: Any, ord: Any, axis: Any, keepdims: bool) -> Any:
    """Adjoint of the ``ord``-norm of the entries of ``x`` over ``axis`` (None: all), as one vector."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    x = np.asarray(x)
    axes = _axes(axis, x.ndim)
    others = [i for i in range(x.ndim) if i not in axes]
    order = others + list(axes)
    moved = np.transpose(x, order)
    lead = moved.shape[: len(others)]
    flat = np.reshape(moved, lead + (-1,))
    gx = np.reshape(np.transpose(np.broadcast_to(_kept(g, x, axes, keepdims), _ones_at(x, axes)), order), lead + (1,))
    ox = np.reshape(np.transpose(np.broadcast_to(_kept(out, x, axes, keepdims), _ones_at(x, axes)), order), lead + (1,))
    d = np.reshape(_vector_last(gx, flat, ox, ord) + np.zeros(flat.shape), moved.shape)
    return np.transpose(d, np.argsort(order))


def _ones_at(x: Any, axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(np.shape(x)))


def _matrix_last(gm: Any, y: Any, om: Any, ord: Any) -> Any:
    """Adjoint of the ``ord`` matrix norm of each matrix of ``y`` (the last two axes); ``gm`` and
    ``om`` are shaped (..., 1, 1)."""
    if ord is None or ord == "fro":
        return gm * y / _safe(om)
    if ord in ("nuc", 2, -2):
        u, s, vh = np.linalg.svd(y, full_matrices=False)
        if ord == "nuc":
            return gm * (u @ vh)
        extreme = np.max(s, axis=-1, keepdims=True) if ord == 2 else np.min(s, axis=-1, keepdims=True)
        weights = _evenly(s == extreme, -1)
        return gm * ((u * np.expand_dims(weights, -2)) @ vh)
    if ord in (1, -1, np.inf, -np.inf):
        ay = np.abs(y)
        along = -2 if ord in (1, -1) else -1  # column sums for 1, row sums for inf
        sums = np.sum(ay, axis=along, keepdims=True)
        other = -1 if along == -2 else -2
        extreme = np.max(sums, axis=other, keepdims=True) if ord > 0 else np.min(sums, axis=other, keepdims=True)
        return gm * np.sign(y) * _evenly(sums == extreme, other)
    raise refusal(f"a matrix norm with ord={ord!r}", "numpy has no such matrix norm")


def matrix_norm_adjoint(g: Any, x: Any, out: Any, ord: Any, axis: Any, keepdims: bool) -> Any:
    """Adjoint of the ``ord`` matrix norm over the two axes ``axis`` (rows, columns)."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    x = np.asarray(x)
    rows, cols = _axes(axis, x.ndim)
    if rows == cols:
        raise refusal("a matrix norm over one axis twice", "pass two different axes")
    y = np.moveaxis(x, (rows, cols), (-2, -1))
    gm = np.moveaxis(
        np.broadcast_to(_kept(g, x, (rows, cols), keepdims), _ones_at(x, (rows, cols))), (rows, cols), (-2, -1)
    )
    om = np.moveaxis(
        np.broadcast_to(_kept(out, x, (rows, cols), keepdims), _ones_at(x, (rows, cols))), (rows, cols), (-2, -1)
    )
    return np.moveaxis(_matrix_last(gm, y, om, ord), (-2, -1), (rows, cols))


def norm_adjoint(g: Any, x: Any, out: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """Adjoint of ``np.linalg.norm(x, ord, axis, keepdims)``: a vector norm (``axis`` an int, or a
    1-D ``x``, or ``ord=None`` with no axis: every entry), else a matrix norm."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    ndim = np.ndim(x)
    if axis is None and ord is None:
        return vector_norm_adjoint(g, x, out, None, None, keepdims)
    if axis is None:
        axis = tuple(range(ndim))
    if isinstance(axis, (tuple, list)) and len(axis) == 2:
        return matrix_norm_adjoint(g, x, out, ord, axis, keepdims)
    if isinstance(axis, (tuple, list)) and len(axis) != 1:
        raise refusal(f"np.linalg.norm over {len(axis)} axes", "numpy takes one axis or two")
    return vector_norm_adjoint(g, x, out, ord, axis, keepdims)


def norm_tangent(x: Any, out: Any, t: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """Forward mode of ``np.linalg.norm``: each result's gradient against the tangent, summed over
    the axes the norm reduces."""
    d = norm_adjoint(np.ones(np.shape(out)), x, out, ord, axis, keepdims)
    reduced = None if axis is None else _axes(axis, np.ndim(x))
    return np.sum(d * t, axis=reduced, keepdims=keepdims)


HELPERS: dict[str, Any] = {
    "norm_adjoint": norm_adjoint,
    "norm_tangent": norm_tangent,
    "vector_norm_adjoint": vector_norm_adjoint,
    "matrix_norm_adjoint": matrix_norm_adjoint,
}
