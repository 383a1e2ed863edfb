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
from .table import not_supported


def _safe(out: Any) -> Any:
    """The norm, with 1 where it is 0 (the gradient of a norm at the zero vector is taken as 0)."""
    return np.where(np.asarray(out) == 0, 1.0, out)


def _evenly(hits: Any, axis: Any) -> Any:
    """Weights 1/k on the ``k`` entries marked in ``hits`` along ``axis``, 0 elsewhere."""
    return hits / np.sum(hits, axis=axis, keepdims=True)


def _vector(gx: Any, x: Any, out: Any, ord: Any, axes: tuple[int, ...]) -> Any:
    """Adjoint of the ``ord``-norm over ``axes`` of ``x``; ``gx`` and ``out`` keep those axes (size 1)."""
    if ord is None or ord == 2:
        return gx * x / _safe(out)
    if isinstance(ord, str):
        raise not_supported(f"a vector norm with ord={ord!r}", "numpy has no such vector norm")
    ax = np.abs(x)
    if ord == np.inf or ord == -np.inf:
        extreme = np.max(ax, axis=axes, keepdims=True) if ord > 0 else np.min(ax, axis=axes, keepdims=True)
        return gx * np.sign(x) * _evenly(ax == extreme, axes)
    if ord == 1:
        return gx * np.sign(x)
    if ord < 1 and np.any(ax == 0):
        raise not_supported(f"the derivative of a vector norm with ord={ord!r} at a zero entry", "it has none there")
    return gx * np.sign(x) * (ax / _safe(out)) ** (ord - 1)


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return tuple(int(a) % ndim for a in axis)
    return (int(axis) % ndim,)


def _kept(v: Any, x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    """``v`` (one value per vector or matrix of ``x`` along ``axes``) with those axes present, of size 1."""
    v = np.asarray(v)
    if keepdims or v.ndim == np.ndim(x):
        return v
    return np.expand_dims(v, axes)


def vector_norm_adjoint(g: Any, x: Any, out: Any, ord: Any, axis: Any, keepdims: bool) -> Any:
    """Adjoint of the ``ord``-norm of the entries of ``x`` over ``axis`` (None: all), as one vector."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    x = np.asarray(x)
    if ord == 0:  # a count of nonzero entries: piecewise constant
        return np.zeros(x.shape)
    axes = _axes(axis, x.ndim)
    # (the norm's value only where the derivative reads it: an unused value would get a zero
    # adjoint when this helper is differentiated again)
    value = _kept(out, x, axes, keepdims) if ord not in (1, 0, np.inf, -np.inf) else 1.0
    return _vector(_kept(g, x, axes, keepdims), x, value, ord, axes) + np.zeros(x.shape)


def _matrix(gm: Any, x: Any, om: Any, ord: Any, rows: int, cols: int) -> Any:
    """Adjoint of the ``ord`` matrix norm over axes ``rows`` and ``cols`` of ``x``; ``gm`` and ``om``
    keep those axes (size 1)."""
    if ord is None or ord == "fro":
        return gm * x / _safe(om)
    if ord in ("nuc", 2, -2):
        u, s, vh = np.linalg.svd(np.moveaxis(x, (rows, cols), (-2, -1)), full_matrices=False)
        if ord == "nuc":
            d = u @ vh
        else:
            extreme = np.max(s, axis=-1, keepdims=True) if ord == 2 else np.min(s, axis=-1, keepdims=True)
            d = (u * np.expand_dims(_evenly(s == extreme, -1), -2)) @ vh
        return gm * np.moveaxis(d, (-2, -1), (rows, cols))
    if ord in (1, -1, np.inf, -np.inf):
        along, other = (rows, cols) if ord in (1, -1) else (cols, rows)  # column sums for 1, row sums for inf
        sums = np.sum(np.abs(x), axis=along, keepdims=True)
        extreme = np.max(sums, axis=other, keepdims=True) if ord > 0 else np.min(sums, axis=other, keepdims=True)
        return gm * np.sign(x) * _evenly(sums == extreme, other)
    raise not_supported(f"a matrix norm with ord={ord!r}", "numpy has no such matrix norm")


def matrix_norm_adjoint(g: Any, x: Any, out: Any, ord: Any, axis: Any, keepdims: bool) -> Any:
    """Adjoint of the ``ord`` matrix norm over the two axes ``axis`` (rows, columns)."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    x = np.asarray(x)
    rows, cols = _axes(axis, x.ndim)
    if rows == cols:
        raise not_supported("a matrix norm over one axis twice", "pass two different axes")
    om = _kept(out, x, (rows, cols), keepdims) if ord in (None, "fro") else 1.0  # (read by fro only)
    return _matrix(_kept(g, x, (rows, cols), keepdims), x, om, ord, rows, cols) + np.zeros(x.shape)


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
        raise not_supported(f"np.linalg.norm over {len(axis)} axes", "numpy takes one axis or two")
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
