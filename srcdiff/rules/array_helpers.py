"""Adjoint helpers for array rules that are not one expression (reductions, linear algebra,
assembly).  Rules call them by name; they use the array library only through ``np``.

>>> expand(np.array([1.0, 2.0]), np.zeros((2, 3)), 1, False)
array([[1., 1., 1.],
       [2., 2., 2.]])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..runtime import SeqAdjoint, is_zero
from .table import helpers_of, not_supported


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return tuple(sorted(a % ndim for a in axis))
    return (axis % ndim,)


def expand(g: Any, a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Broadcast the adjoint of a reduction of ``a`` over ``axis`` back to ``a``'s shape."""
    shape = np.shape(a)
    if axis is None and np.ndim(g) == 0 and math.prod(shape) <= _SMALL:
        return np.full(shape, g)  # (a fresh small array costs less than numpy's broadcast_to)
    g = np.asarray(g)
    axes = _axes(axis, len(shape))
    if not keepdims and axis is not None and g.ndim == len(shape) - len(axes):  # (else a zero: a number)
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


_SMALL = 1 << 14


def logistic(d: Any) -> Any:
    """``1 / (1 + exp(-d))``, with no overflow warning for very negative ``d`` (it is 0 there):
    the partial of ``np.logaddexp(x1, x2)`` in ``x1`` at ``d = x1 - x2``, without its result.

    >>> float(logistic(0.0)), float(logistic(-1000.0))
    (0.5, 0.0)
    """
    if type(d) is np.ndarray and d.dtype == np.float64:
        # (below -709 exp(-d) overflows: there the value is under 1e-307 -- kept so, with no
        # warning, and without np.errstate, which costs more than the arithmetic on a small array)
        return 1.0 / (1.0 + np.exp(-np.maximum(d, -709.0)))
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-d))


def count(a: Any, axis: Any = None) -> int:
    """How many elements a reduction over ``axis`` combines."""
    shape = np.shape(a)
    return math.prod(shape[i] for i in _axes(axis, len(shape)))


def mean_adjoint(g: Any, a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The adjoint of ``np.mean(a, axis)``: ``g`` over the count, spread back over ``a``'s shape."""
    return expand(g / count(a, axis), a, axis, keepdims)


def extreme_adjoint(g: Any, a: Any, out: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Adjoint of max/min: ``g`` split evenly among the elements equal to the extreme."""
    hits = np.asarray(a) == expand(out, a, axis, keepdims)
    ties = np.sum(hits, axis=None if axis is None else _axes(axis, np.ndim(a)), keepdims=True)
    return expand(g, a, axis, keepdims) * hits / ties


def prod_adjoint(g: Any, a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Adjoint of prod: the product of all *other* elements (exact with zeros too)."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    a = np.asarray(a, dtype=float) if not np.issubdtype(np.asarray(a).dtype, np.inexact) else np.asarray(a)
    axes = _axes(axis, a.ndim)
    moved = np.moveaxis(a, axes, range(a.ndim - len(axes), a.ndim))
    flat = moved.reshape(moved.shape[: a.ndim - len(axes)] + (-1,))
    ones = np.ones_like(flat[..., :1])
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (before * after).reshape(moved.shape)
    others = np.moveaxis(others, range(a.ndim - len(axes), a.ndim), axes)
    return expand(g, a, axis, keepdims) * others


def var_adjoint(g: Any, a: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    a = np.asarray(a)
    centered = a - np.mean(a, axis=None if axis is None else _axes(axis, a.ndim), keepdims=True)
    return expand(g, a, axis, keepdims) * 2.0 * centered / (count(a, axis) - ddof)


def std_adjoint(g: Any, a: Any, out: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    safe = np.where(np.asarray(out) == 0, 1.0, out)
    return var_adjoint(np.asarray(g) / (2.0 * safe), a, axis, ddof, keepdims)


def _scan_shaped(g: Any, a: Any, axis: Any) -> Any:
    """``g`` with the shape of cumsum/cumprod's result (a zero adjoint may be a plain 0.0)."""
    g = np.asarray(g)
    shape = (np.size(a),) if axis is None else np.shape(a)
    return g if g.shape == shape else np.broadcast_to(g, shape)


def cumsum_adjoint(g: Any, a: Any, axis: Any = None) -> Any:
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    g = _scan_shaped(g, a, axis)
    if axis is None:
        return np.reshape(np.flip(np.cumsum(np.flip(g.ravel()))), np.shape(a))
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


def cumprod_adjoint(g: Any, a: Any, out: Any, axis: Any = None) -> Any:
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    a = np.asarray(a)
    g = _scan_shaped(g, a, axis)
    flat = axis is None
    x, y, gg = (a.ravel(), np.ravel(out), np.ravel(g)) if flat else (a, np.asarray(out), np.asarray(g))
    ax = 0 if flat else axis
    if np.any(x == 0):  # exact but quadratic: the derivative of each prefix product
        # row j of `others` is x with x[j] replaced by 1: its prefix products from j on are
        # d out[k] / d x[j] (written without writes in place, so a Hessian can differentiate it)
        n = x.shape[ax]
        xm = np.moveaxis(x, ax, -1)
        gm = np.moveaxis(gg, ax, -1)
        others = np.where(np.eye(n, dtype=bool), 1.0, np.expand_dims(xm, -2))
        prefix = np.cumprod(others, axis=-1)
        later = np.triu(np.ones((n, n)))  # [j, k]: k >= j
        res = np.moveaxis(np.sum(np.expand_dims(gm, -2) * prefix * later, axis=-1), -1, ax)
    else:
        res = cumsum_adjoint(gg * y, x, ax) / x
    return np.reshape(res, a.shape)


def cumprod_tangent(a: Any, out: Any, t: Any, axis: Any = None) -> Any:
    """Forward mode of cumprod: out[k] * sum_{j<=k} t[j] / a[j], exact with zeros too."""
    a = np.asarray(a)
    a = a.astype(np.result_type(a, np.asarray(t), float), copy=False)
    flat = axis is None
    x, tt = (a.ravel(), np.ravel(t)) if flat else (a, np.broadcast_to(t, a.shape))
    ax = 0 if flat else axis
    xm, tm = np.moveaxis(x, ax, -1), np.moveaxis(tt, ax, -1)
    n = xm.shape[-1]
    res = np.zeros(xm.shape, dtype=a.dtype)
    for j in range(n):  # the term of each factor: the product with factor j replaced by its tangent
        factors = xm.copy()
        factors[..., j] = tm[..., j]
        res[..., j:] += np.cumprod(factors, axis=-1)[..., j:]
    return np.moveaxis(res, -1, ax)


def _promote(x: Any, left: bool) -> Any:
    x = np.asarray(x)
    if x.ndim == 1:
        return x[None, :] if left else x[:, None]
    return x


def matmul_adjoint(g: Any, a: Any, b: Any, wrt_a: bool) -> Any:
    """Adjoint of ``a @ b`` with respect to one operand (1-D operands and batches included)."""
    a = np.asarray(a)
    b = np.asarray(b)
    if is_zero(g):  # the product's adjoint is still the plain 0.0 (nothing on this path read it)
        return np.zeros(a.shape if wrt_a else b.shape)
    if a.ndim == 1 and b.ndim == 1:  # an inner product: g is a number
        return np.asarray(g) * (b if wrt_a else a)
    a2, b2 = _promote(a, True), _promote(b, False)
    g2 = np.asarray(g)
    if a.ndim == 1:
        g2 = np.expand_dims(g2, -2)
    if b.ndim == 1:
        g2 = np.expand_dims(g2, -1)
    if wrt_a:
        d = g2 @ np.swapaxes(b2, -1, -2)
        d = _sum_to(d, a2.shape)
        return d.reshape(a.shape)
    d = np.swapaxes(a2, -1, -2) @ g2
    d = _sum_to(d, b2.shape)
    return d.reshape(b.shape)


def _sum_to(d: Any, shape: tuple[int, ...]) -> Any:
    lead = d.ndim - len(shape)
    if lead > 0:
        d = d.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and d.shape[i] != 1)
    return d.sum(axis=axes, keepdims=True) if axes else d


def dot_adjoint(g: Any, a: Any, b: Any, wrt_a: bool) -> Any:
    """Adjoint of ``np.dot``: of a product of scalars, vectors and matrices; for more axes, of
    the contraction of ``a``'s last axis with ``b``'s second to last (its only one, if 1-d)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        other = b if wrt_a else a
        mine = a if wrt_a else b
        d = np.asarray(g) * other
        return np.sum(d) if np.ndim(mine) == 0 else d
    if np.ndim(a) > 2 or np.ndim(b) > 2:
        return tensordot_adjoint(g, a, b, ([np.ndim(a) - 1], [max(np.ndim(b) - 2, 0)]), wrt_a)
    return matmul_adjoint(g, a, b, wrt_a)


def outer_adjoint(g: Any, a: Any, b: Any, wrt_a: bool) -> Any:
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    g = np.asarray(g)
    if wrt_a:
        return (g @ np.ravel(b)).reshape(np.shape(a))
    return (np.ravel(a) @ g).reshape(np.shape(b))


def inner_adjoint(g: Any, a: Any, b: Any, wrt_a: bool) -> Any:
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    if np.ndim(a) == 0 or np.ndim(b) == 0:  # a scalar times an array
        return dot_adjoint(g, a, b, wrt_a)
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim <= 1 and b.ndim <= 1:
        return np.asarray(g) * (b if wrt_a else a)
    return _inner_nd(g, a, b, wrt_a)


def _inner_nd(g: Any, a: Any, b: Any, wrt_a: bool) -> Any:
    # inner(a, b)[i..., j...] = sum_k a[i..., k] b[j..., k]
    na, nb = a.ndim - 1, b.ndim - 1
    g = np.asarray(g)
    if wrt_a:
        return np.tensordot(g, b, axes=(list(range(na, na + nb)), list(range(nb))))
    return np.tensordot(g, a, axes=(list(range(na)), list(range(na)))).reshape(b.shape)


def tensordot_adjoint(g: Any, a: Any, b: Any, axes: Any, wrt_a: bool) -> Any:
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    a, b, g = np.asarray(a), np.asarray(b), np.asarray(g)
    if isinstance(axes, int):
        a_axes = list(range(a.ndim - axes, a.ndim))
        b_axes = list(range(axes))
    else:
        a_axes, b_axes = (
            [axes[0]] if isinstance(axes[0], int) else list(axes[0]),
            [axes[1]] if isinstance(axes[1], int) else list(axes[1]),
        )
        a_axes = [x % a.ndim for x in a_axes]
        b_axes = [x % b.ndim for x in b_axes]
    a_free = [i for i in range(a.ndim) if i not in a_axes]
    b_free = [i for i in range(b.ndim) if i not in b_axes]
    nfa = len(a_free)
    if wrt_a:
        # g[a_free, b_free] contracted with b over b_free leaves b's contracted axes, in b's order
        d = np.tensordot(g, b, axes=(list(range(nfa, g.ndim)), b_free))
        order = a_free + [a_axes[b_axes.index(axis)] for axis in sorted(b_axes)]
        return np.transpose(d, np.argsort(order))
    d = np.tensordot(a, g, axes=(a_free, list(range(nfa))))
    order = [b_axes[a_axes.index(axis)] for axis in sorted(a_axes)] + b_free
    return np.transpose(d, np.argsort(order))


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _sublist_letters(sublist: Any) -> str:
    return "".join("..." if axis is Ellipsis else _LETTERS[axis] for axis in sublist)


def _without_ellipsis(spec: str, operands: Any) -> str:
    """``spec`` with each ``...`` written out as letters it does not use (right-aligned across
    the operands, as numpy broadcasts them), and with its output made explicit."""
    ins, arrow, out = spec.partition("->")
    terms = ins.split(",")
    free = [c for c in _LETTERS if c not in spec]
    counts = [np.ndim(op) - (len(t) - 3) if "..." in t else 0 for t, op in zip(terms, operands)]
    dots = "".join(free[: max(counts, default=0)])
    terms = [t.replace("...", dots[len(dots) - n :]) for t, n in zip(terms, counts)]
    if arrow:
        out = out.replace("...", dots)
    else:
        letters = "".join(terms)
        out = dots + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in dots))
    return ",".join(terms) + "->" + out


def einsum_as_subscripts(subscripts: Any, operands: Any, i: int) -> tuple[str, list[Any], int]:
    """``np.einsum``'s arguments in the subscripts-string form: (subscripts, operands, which).
    The sublist form ``np.einsum(a, [0, 1], b, [1, 2], [0, 2])`` interleaves operands with
    their axes; its operand ``i`` (``-1``: the first argument) becomes operand ``which``."""
    if isinstance(subscripts, str):
        return subscripts, list(operands), i
    pairs = (len(operands) - 1) // 2  # after the first sublist: (operand, sublist) pairs, then the output's
    arrays = [subscripts] + list(operands[1 : 1 + 2 * pairs : 2])
    sublists = [operands[0]] + list(operands[2 : 1 + 2 * pairs : 2])
    spec = ",".join(_sublist_letters(sub) for sub in sublists)
    if len(operands) % 2 == 0:
        spec += "->" + _sublist_letters(operands[-1])
    return spec, arrays, (i + 1) // 2


def einsum_adjoint(g: Any, subscripts: Any, i: int, *given: Any) -> Any:
    """Adjoint of ``np.einsum(subscripts, *operands)`` with respect to operand ``i`` (``-1``:
    ``subscripts``, the sublist form's first operand).  The operands are separate arguments,
    so that its own rule (``runtime_rules``) differentiates each one."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    subscripts, operands, i = einsum_as_subscripts(subscripts, given, i)
    spec = subscripts.replace(" ", "")
    if "..." in spec:
        spec = _without_ellipsis(spec, operands)
    if "->" in spec:
        ins, out = spec.split("->")
    else:
        ins = spec
        letters = ins.replace(",", "")
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    inputs = ins.split(",")
    mine = inputs[i]
    if len(set(mine)) != len(mine):
        raise not_supported(
            "np.einsum with a repeated index in one operand (a diagonal)", "take the diagonal with np.diagonal first"
        )
    others = [(s, op) for j, (s, op) in enumerate(zip(inputs, operands)) if j != i]
    available = set(out) | {c for s, _ in others for c in s}
    kept = "".join(c for c in mine if c in available)
    sizes_all: dict[str, int] = {}
    for letters, operand in [(out, g)] + others:
        sizes_all.update(zip(letters, np.shape(operand)))
    # numpy's einsum runs its own C loop unless asked to plan a contraction (BLAS): worth the
    # planning's ~10 us once the loop is big (the GMM's 'nki,kij->nkj': 20x faster)
    big = math.prod(sizes_all.values()) > _SMALL
    expression = ",".join([out] + [s for s, _ in others]) + "->" + kept
    partial = np.einsum(expression, g, *[op for _, op in others], optimize=big)
    shape = np.shape(operands[i])
    sizes = dict(zip(mine, shape))
    # a length-1 axis of this operand that numpy broadcast against the others: summed back
    ones = tuple(k for k, c in enumerate(kept) if sizes[c] == 1 and np.shape(partial)[k] != 1)
    if ones:
        partial = np.sum(partial, axis=ones, keepdims=True)
    if kept == mine:
        return partial
    # indices only this operand has were summed away: broadcast back along them
    expanded = partial.reshape([sizes[c] if c in kept else 1 for c in mine])
    return np.broadcast_to(expanded, shape)


def trace_adjoint(g: Any, a: Any, offset: int = 0) -> Any:
    """np.trace sums the diagonals of axes 0 and 1; the adjoint spreads ``g`` (over the other axes) onto them."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    a = np.asarray(a)
    eye = np.eye(a.shape[0], a.shape[1], k=offset).reshape(a.shape[:2] + (1,) * (a.ndim - 2))
    return eye * np.asarray(g)[None, None]


def inverse_permutation(axes: Any, ndim: int) -> Any:
    if axes is None:
        return None
    return tuple(np.argsort([a % ndim for a in axes]))


def split_like(g: Any, arrays: Any, axis: int = 0) -> SeqAdjoint:
    """Adjoint of ``np.concatenate(arrays, axis)``: one piece of ``g`` per input."""
    if is_zero(g):
        return SeqAdjoint(0.0 for _ in arrays)
    if axis is None:
        sizes = [np.size(a) for a in arrays]
        return SeqAdjoint(p.reshape(np.shape(a)) for p, a in zip(np.split(np.ravel(g), np.cumsum(sizes)[:-1]), arrays))
    sizes = [np.shape(a)[axis] for a in arrays]
    return SeqAdjoint(np.split(np.asarray(g), np.cumsum(sizes)[:-1], axis=axis))


def unstack_like(g: Any, arrays: Any, axis: int = 0) -> SeqAdjoint:
    """Adjoint of ``np.stack(arrays, axis)``."""
    if is_zero(g):
        return SeqAdjoint(0.0 for _ in arrays)
    g = np.asarray(g)
    return SeqAdjoint(np.take(g, i, axis=axis) for i in range(g.shape[axis]))


def hstack_adjoint(g: Any, arrays: Any) -> SeqAdjoint:
    axis = 0 if all(np.ndim(a) <= 1 for a in arrays) else 1
    parts = split_like(g, [np.atleast_1d(a) for a in arrays], axis)
    return SeqAdjoint(p if is_zero(p) else np.reshape(p, np.shape(a)) for p, a in zip(parts, arrays))


def vstack_adjoint(g: Any, arrays: Any) -> SeqAdjoint:
    parts = split_like(g, [np.atleast_2d(a) for a in arrays], 0)
    return SeqAdjoint(p if is_zero(p) else np.reshape(p, np.shape(a)) for p, a in zip(parts, arrays))


def concat_pieces(g: Any, ary: Any, indices_or_sections: Any, axis: int = 0, uneven: bool = False) -> Any:
    """Adjoint of ``np.split`` (``np.array_split`` if ``uneven``): the pieces' adjoints put back
    together (zeros where none)."""
    split = np.array_split if uneven else np.split
    pieces = split(np.asarray(ary), indices_or_sections, axis)
    parts = list(g) if isinstance(g, (list, tuple)) else [0.0] * len(pieces)
    return np.concatenate([np.zeros_like(p, dtype=float) + gp for gp, p in zip(parts, pieces)], axis)


def tile_adjoint(g: Any, a: Any, reps: Any) -> Any:
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    a = np.asarray(a)
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    ndim = max(a.ndim, len(reps))
    shape = (1,) * (ndim - a.ndim) + a.shape
    reps = (1,) * (ndim - len(reps)) + reps
    g = np.asarray(g).reshape([n for pair in zip(reps, shape) for n in pair])
    return g.sum(axis=tuple(range(0, 2 * ndim, 2))).reshape(a.shape)


def repeat_adjoint(g: Any, a: Any, repeats: Any, axis: Any = None) -> Any:
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    a = np.asarray(a)
    g = np.asarray(g)
    if axis is None:
        flat = a.ravel()
        idx = np.repeat(np.arange(flat.size), repeats)
        out = np.zeros(flat.size, dtype=g.dtype)
        np.add.at(out, idx, g)
        return out.reshape(a.shape)
    idx = np.repeat(np.arange(a.shape[axis]), repeats)
    out = np.zeros(a.shape, dtype=g.dtype)
    np.add.at(np.moveaxis(out, axis, 0), idx, np.moveaxis(g, axis, 0))
    return out


def diag_adjoint(g: Any, v: Any, k: int = 0) -> Any:
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    if np.ndim(v) == 1:  # diag built a matrix from v: v gets that diagonal back
        return np.diagonal(np.asarray(g), k).copy()
    return diagonal_adjoint(g, v, k)  # diag read a diagonal of the matrix v


def diagonal_adjoint(g: Any, a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    out = np.zeros(np.shape(a), dtype=np.result_type(np.asarray(g).dtype, float))
    view = np.diagonal(out, offset, axis1, axis2)
    view.setflags(write=True)
    view += g
    return out


def unpad(g: Any, array: Any, pad_width: Any) -> Any:
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    widths = np.broadcast_to(np.asarray(pad_width), (np.ndim(array), 2))
    index = tuple(slice(int(lo), np.shape(g)[i] - int(hi)) for i, (lo, hi) in enumerate(widths))
    return np.asarray(g)[index]


def clip_adjoint(g: Any, a: Any, a_min: Any, a_max: Any) -> Any:
    inside = np.ones(np.shape(a), dtype=bool)
    if a_min is not None:
        inside &= np.asarray(a) >= a_min
    if a_max is not None:
        inside &= np.asarray(a) <= a_max
    return g * inside


def window_adjoint(g: Any, x: Any, window_shape: Any, axis: Any = None) -> Any:
    """Adjoint of ``sliding_window_view``: every window's adjoint added back where it came from."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    x = np.asarray(x)
    g = np.asarray(g)
    window = (window_shape,) if np.ndim(window_shape) == 0 else tuple(window_shape)
    axes = tuple(range(x.ndim)) if axis is None else ((axis,) if np.ndim(axis) == 0 else tuple(axis))
    axes = tuple(a % x.ndim for a in axes)
    out = np.zeros(x.shape, dtype=g.dtype)
    for offset in np.ndindex(*window):
        index = [slice(None)] * x.ndim
        for ax, off, w in zip(axes, offset, window):
            index[ax] = slice(off, off + x.shape[ax] - w + 1)
        out[tuple(index)] += g[(Ellipsis,) + offset]
    return out


def cast_adjoint(g: Any, a: Any, dtype: Any) -> Any:
    """Adjoint of ``a.astype(dtype)``: zero when cast to integers, else ``g`` in ``a``'s precision."""
    if not np.issubdtype(np.dtype(dtype), np.inexact):
        return 0.0 * np.asarray(g, dtype=float)
    return np.asarray(g).astype(np.result_type(np.asarray(a).dtype, np.float32), copy=False)


def _differentiable_item(x: Any) -> bool:
    return not isinstance(x, (slice, str))


def index_concat_adjoint(g: Any, maker: Any, items: Any) -> Any:
    """Adjoint of ``np.r_[items]`` / ``np.c_[items]``: each array or number item gets the part of
    ``g`` it was placed at (slices and directive strings make constants)."""
    g = np.asarray(g)
    parts: list[Any] = []
    for k, x in enumerate(items):
        if not _differentiable_item(x):
            parts.append(0.0)
            continue
        where = _placed_positions(maker, items, k)
        mine = np.zeros(np.size(x), dtype=np.result_type(g.dtype, np.float32))
        hit = where > 0
        np.add.at(mine, where[hit] - 1, np.broadcast_to(g, where.shape)[hit])
        parts.append(mine.reshape(np.shape(x)) if np.ndim(x) else mine[0])
    return SeqAdjoint(parts)


def index_concat_tangent(t: Any, maker: Any, items: Any) -> Any:
    """Forward mode of ``np.r_[items]``: the items' tangents placed where their values go."""
    tangents = t if isinstance(t, (list, tuple)) else [0.0] * len(items)
    out: Any = 0.0
    for k, (x, tk) in enumerate(zip(items, tangents)):
        if not _differentiable_item(x) or is_zero(tk):
            continue
        where = _placed_positions(maker, items, k)
        flat = np.concatenate([[0.0], np.ravel(np.broadcast_to(tk, np.shape(x)))])
        out = out + flat[where]
    return out if not is_zero(out) else np.zeros(np.shape(maker[tuple(items)]))


def _placed_positions(maker: Any, items: Any, k: int) -> Any:
    """Where ``maker[items]`` puts the elements of item ``k``: 1 + each element's flat index in
    the item, 0 elsewhere.  ``maker`` only places numbers, so marking item ``k`` with 1, 2, ...
    and the others with zeros shows where its elements go (slices make the same numbers in both)."""

    def marked(mark: bool) -> tuple[Any, ...]:
        return tuple(
            x
            if not _differentiable_item(x)
            else np.arange(1, np.size(x) + 1).reshape(np.shape(x))
            if j == k and mark
            else np.zeros(np.shape(x), dtype=int)
            for j, x in enumerate(items)
        )

    return (np.asarray(maker[marked(True)]) - np.asarray(maker[marked(False)])).astype(int)


HELPERS: dict[str, Any] = helpers_of(globals(), __name__)
