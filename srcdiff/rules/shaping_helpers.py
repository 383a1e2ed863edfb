"""Adjoint helpers for the shape and assembly rules of :mod:`srcdiff.rules.numpy_shaping`.

They are written with numpy functions that have rules themselves (no writes in place), so a
second derivative differentiates them from their source; the one scatter they need,
:func:`scatter_add`, has its own rule.

>>> scatter_add(np.array([1.0, 2.0, 3.0]), np.array([0, 2, 0]), 3)
array([4., 0., 2.])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..runtime import SeqAdjoint, is_zero, seq_items, unbroadcast
from .table import helpers_of, not_supported


def scatter_add(values: Any, index: Any, n: int) -> Any:
    """``n`` rows, row ``j`` the sum of the rows ``values[k]`` with ``index[k] == j`` (the
    transpose of the gather ``np.take(x, index, axis=0)``; ``values`` is shaped
    ``index.shape + row shape``)."""
    if is_zero(values):
        return 0.0
    values = np.asarray(values)
    index = np.asarray(index)
    rows = values.shape[index.ndim :]
    out = np.zeros((n,) + rows, dtype=np.result_type(values.dtype, np.float32))
    np.add.at(out, index, values)
    return out


def gather_rows(g: Any, index: Any) -> Any:
    """``np.take(g, index, axis=0)``, the transpose of :func:`scatter_add` (a zero stays zero)."""
    return 0.0 if is_zero(g) else np.take(g, index, axis=0)


def assemble_like(g: Any, arrays: Any, how: str = "concatenate", axis: Any = 0) -> Any:
    """The transpose of splitting an adjoint into pieces shaped like ``arrays`` (the adjoints of
    ``np.concatenate``, ``np.stack``, ``np.hstack``, ... ): the pieces' adjoints put back together
    the way ``how`` assembled the arrays (zeros for a piece that got none)."""
    if is_zero(g):
        return 0.0
    pieces = [np.zeros(np.shape(a)) + p for a, p in zip(arrays, seq_items(g, arrays))]
    if how == "concatenate":
        return np.concatenate(pieces, axis)
    if how == "stack":
        return np.stack(pieces, axis)
    if how == "hstack":
        return np.hstack(pieces)
    return np.vstack(pieces) if how == "vstack" else np.column_stack(pieces)


def cumsum_of(g: Any, axis: Any = None) -> Any:
    """``np.cumsum(g, axis)``, the transpose of ``cumsum_adjoint`` (a zero stays zero)."""
    return 0.0 if is_zero(g) else np.cumsum(g, axis)


def repeat_of(g: Any, repeats: Any, axis: Any = None) -> Any:
    """``np.repeat(g, repeats, axis)``, the transpose of ``repeat_adjoint`` (a zero stays zero)."""
    return 0.0 if is_zero(g) else np.repeat(g, repeats, axis)


def _index_in_range(indices: Any, n: int, mode: str = "raise") -> Any:
    indices = np.asarray(indices)
    if mode == "clip":
        return np.clip(indices, 0, n - 1)
    return indices % n if n else indices


def take_adjoint(g: Any, a: Any, indices: Any, axis: Any = None, mode: str = "raise") -> Any:
    """Adjoint of ``np.take(a, indices, axis, mode=mode)``: each picked element's adjoint added
    back where it was picked from (repeats add up)."""
    if is_zero(g):
        return 0.0
    shape = np.shape(a)
    idx = np.asarray(indices)
    if axis is None:
        n = math.prod(shape)
        flat = scatter_add(np.reshape(g, (-1,)), np.reshape(_index_in_range(idx, n, mode), (-1,)), n)
        return np.reshape(flat, shape)
    ax = axis % len(shape)
    picked = list(range(ax, ax + idx.ndim))
    moved = np.moveaxis(np.asarray(g), picked, list(range(idx.ndim)))
    rows = scatter_add(moved, _index_in_range(idx, shape[ax], mode), shape[ax])
    return np.moveaxis(rows, 0, ax)


def _lane_index(index_shape: tuple[int, ...], ax: int, n: int, indices: Any) -> Any:
    """Flat positions in an array of lanes of length ``n`` (the axis moved last) of ``indices``
    (broadcast to ``index_shape``, taken along axis ``ax``)."""
    moved = np.moveaxis(np.broadcast_to(_index_in_range(indices, n), index_shape), ax, -1)
    lanes = moved.shape[:-1]
    offsets = np.reshape(np.arange(math.prod(lanes)) * n, lanes + (1,))
    return offsets + moved


def take_along_axis_adjoint(g: Any, arr: Any, indices: Any, axis: Any = -1) -> Any:
    """Adjoint of ``np.take_along_axis(arr, indices, axis)``: the adjoints added back along the
    axis, lane by lane (summed over the lanes ``arr`` was broadcast along)."""
    if is_zero(g):
        return 0.0
    if axis is None:
        return take_adjoint(g, arr, indices, None)
    shape = np.shape(arr)
    idx = np.asarray(indices)
    ax = axis % len(shape)
    n = shape[ax]
    lanes = np.broadcast_shapes(shape[:ax] + (1,) + shape[ax + 1 :], idx.shape[:ax] + (1,) + idx.shape[ax + 1 :])
    index_shape = lanes[:ax] + (idx.shape[ax],) + lanes[ax + 1 :]
    flat_index = _lane_index(index_shape, ax, n, idx)
    moved = np.moveaxis(np.broadcast_to(g, index_shape), ax, -1)
    flat = scatter_add(np.reshape(moved, (-1,)), np.reshape(flat_index, (-1,)), math.prod(lanes) * n)
    spread = np.moveaxis(np.reshape(flat, lanes[:ax] + lanes[ax + 1 :] + (n,)), -1, ax)
    return unbroadcast(spread, np.broadcast_to(0.0, shape))


def sort_order(a: Any, axis: Any) -> Any:
    """The stable sorting permutation of ``a`` along ``axis`` (``None``: flattened).  (A
    constant: it has no derivative, so ``a`` reaches no differentiated operation here.)"""
    return np.argsort(np.ravel(a) if axis is None else np.asarray(a), axis=-1 if axis is None else axis, kind="stable")


def sort_inverse(a: Any, axis: Any) -> Any:
    """The inverse of :func:`sort_order`: where each element of ``a`` goes (a constant)."""
    return np.argsort(sort_order(a, axis), axis=-1 if axis is None else axis)


def sort_adjoint(g: Any, a: Any, axis: Any = -1) -> Any:
    """Adjoint of ``np.sort(a, axis)``: ``g`` permuted back.  At a tie, equal elements are taken
    in the order a *stable* sort gives them (the first in ``a`` is the smaller)."""
    if is_zero(g):
        return 0.0
    inverse = sort_inverse(a, axis)
    if axis is None:
        return np.reshape(np.take_along_axis(np.reshape(g, (-1,)), inverse, -1), np.shape(a))
    return np.take_along_axis(np.broadcast_to(g, np.shape(a)), inverse, axis)


def sort_tangent(t: Any, a: Any, axis: Any = -1) -> Any:
    """Forward mode of ``np.sort(a, axis)``: the tangent in the stable sorting order."""
    order = sort_order(a, axis)
    if axis is None:
        return np.take_along_axis(np.reshape(np.broadcast_to(t, np.shape(a)), (-1,)), order, -1)
    return np.take_along_axis(np.broadcast_to(t, np.shape(a)), order, axis)


def partition_order(a: Any, kth: Any, axis: Any, result: Any) -> Any:
    """How ``np.partition(a, kth, axis)`` arranged ``a``: ``np.argpartition``'s permutation,
    checked against the result (a constant)."""
    flat = np.ravel(a) if axis is None else np.asarray(a)
    ax = -1 if axis is None else axis
    order = np.argpartition(flat, kth, axis=ax)
    if not np.array_equal(np.take_along_axis(flat, order, ax), result, equal_nan=True):
        raise not_supported("np.partition of these values (argpartition orders them differently)", "use np.sort")
    return order


def partition_inverse(a: Any, kth: Any, axis: Any, result: Any) -> Any:
    return np.argsort(partition_order(a, kth, axis, result), axis=-1 if axis is None else axis)


def partition_adjoint(g: Any, a: Any, kth: Any, axis: Any, result: Any) -> Any:
    """Adjoint of ``np.partition(a, kth, axis)``: ``g`` permuted back the way ``np.argpartition``
    arranges ``a`` (which is how ``np.partition`` arranges it; ties follow that order)."""
    if is_zero(g):
        return 0.0
    inverse = partition_inverse(a, kth, axis, result)
    flat = np.reshape(g, (-1,)) if axis is None else np.broadcast_to(g, np.shape(a))
    return np.reshape(np.take_along_axis(flat, inverse, -1 if axis is None else axis), np.shape(a))


def partition_tangent(t: Any, a: Any, kth: Any, axis: Any, result: Any) -> Any:
    order = partition_order(a, kth, axis, result)
    flat = np.reshape(np.broadcast_to(t, np.shape(a)), (-1,)) if axis is None else np.broadcast_to(t, np.shape(a))
    return np.take_along_axis(flat, order, -1 if axis is None else axis)


def rollaxis_inverse(ndim: int, axis: int, start: int = 0) -> tuple[int, ...]:
    """The axes that undo ``np.rollaxis(a, axis, start)`` for an ``a`` of ``ndim`` dimensions."""
    axis %= ndim
    start = start + ndim if start < 0 else start
    if axis < start:
        start -= 1
    order = [i for i in range(ndim) if i != axis]
    order.insert(start, axis)
    return tuple(int(i) for i in np.argsort(order))


def column_stack_adjoint(g: Any, tup: Any) -> SeqAdjoint:
    """Adjoint of ``np.column_stack(tup)``: 1-D pieces were columns, the others were stacked along axis 1."""
    if is_zero(g):
        return SeqAdjoint(0.0 for _ in tup)
    widths = [np.shape(a)[1] if np.ndim(a) >= 2 else 1 for a in tup]
    parts = np.split(np.asarray(g), np.cumsum(widths)[:-1], axis=1)
    return SeqAdjoint(np.reshape(p, np.shape(a)) for p, a in zip(parts, tup))


def append_adjoint(g: Any, arr: Any, values: Any, axis: Any, first: bool) -> Any:
    """Adjoint of ``np.append(arr, values, axis)`` for ``arr`` (``first``) or ``values``."""
    if is_zero(g):
        return 0.0
    if axis is None:
        flat = np.reshape(g, (-1,))
        n = np.size(arr)
        return shaped_like(flat[:n], arr) if first else shaped_like(flat[n:], values)
    head, tail = np.split(np.asarray(g), [np.shape(arr)[axis]], axis=axis)
    return shaped_like(head, arr) if first else shaped_like(tail, values)


def shaped_like(d: Any, like: Any) -> Any:
    """``d`` with the shape of ``like`` (a number for a number: its adjoint is a float too)."""
    return np.sum(d) if np.ndim(like) == 0 else np.reshape(d, np.shape(like))


def _edge_length(edge: Any, axis: int) -> int:
    return 0 if edge is None else 1 if np.ndim(edge) == 0 else np.shape(edge)[axis]


def diff_adjoint(g: Any, a: Any, n: int, axis: int, prepend: Any, append: Any, which: int) -> Any:
    """Adjoint of ``np.diff(a, n, axis, prepend=, append=)`` for ``a`` (``which`` 1), ``prepend``
    (0) or ``append`` (2).  The transpose of one difference is ``-diff`` of ``g`` padded with a
    zero at both ends; of ``n`` differences, ``(-1)**n diff(pad(g, n), n)``."""
    if is_zero(g):
        return 0.0
    g = np.asarray(g)
    ax = axis % g.ndim
    widths = [(n, n) if i == ax else (0, 0) for i in range(g.ndim)]
    full = np.diff(np.pad(g, widths), n, axis=ax)
    full = -full if n % 2 else full
    before = _edge_length(prepend, ax)
    pieces = np.split(full, [before, before + np.shape(a)[ax]], axis=ax)
    edge = [prepend, None, append][which]
    if which == 1:
        return pieces[1]
    return np.sum(pieces[which]) if np.ndim(edge) == 0 else pieces[which]


def ediff1d_adjoint(g: Any, ary: Any, to_end: Any, to_begin: Any, which: int) -> Any:
    """Adjoint of ``np.ediff1d(ary, to_end, to_begin)`` for ``ary`` (0), ``to_end`` (1) or ``to_begin`` (2)."""
    if is_zero(g):
        return 0.0
    flat = np.reshape(g, (-1,))
    begin = 0 if to_begin is None else np.size(to_begin)
    end = 0 if to_end is None else np.size(to_end)
    if which == 2:
        return shaped_like(flat[:begin], to_begin)
    if which == 1:
        return shaped_like(flat[np.size(flat) - end :], to_end)
    middle = flat[begin : np.size(flat) - end]
    return np.reshape(-np.diff(np.pad(middle, 1)), np.shape(ary))


def _kron_shapes(sa: tuple[int, ...], sb: tuple[int, ...]) -> tuple[list[int], list[int], list[int], int]:
    nd = max(len(sa), len(sb))
    sa = (1,) * (nd - len(sa)) + tuple(sa)
    sb = (1,) * (nd - len(sb)) + tuple(sb)
    pairs = [n for pair in zip(sa, sb) for n in pair]
    a_spread = [n for s in sa for n in (s, 1)]
    b_spread = [n for s in sb for n in (1, s)]
    return pairs, a_spread, b_spread, nd


def kron_adjoint(g: Any, a: Any, b: Any, wrt_a: bool) -> Any:
    """Adjoint of ``np.kron(a, b)``: its result, reshaped to interleave the axes of ``a`` and
    ``b``, is the outer product ``a[i0, i1] * b[j0, j1]`` at ``(i0, j0, i1, j1)``."""
    if is_zero(g):
        return 0.0
    pairs, a_spread, b_spread, nd = _kron_shapes(np.shape(a), np.shape(b))
    blocks = np.reshape(g, pairs)
    if wrt_a:
        return np.reshape(np.sum(blocks * np.reshape(b, b_spread), axis=tuple(range(1, 2 * nd, 2))), np.shape(a))
    return np.reshape(np.sum(blocks * np.reshape(a, a_spread), axis=tuple(range(0, 2 * nd, 2))), np.shape(b))


def _cross_axes(axisa: int, axisb: int, axisc: int, axis: Any) -> tuple[int, int, int]:
    return (axis, axis, axis) if axis is not None else (axisa, axisb, axisc)


def _as_3_vectors(v: Any) -> Any:
    """Vectors along the last axis, 2-vectors given a zero third component."""
    return np.pad(v, [(0, 0)] * (np.ndim(v) - 1) + [(0, 1)]) if np.shape(v)[-1] == 2 else v


def _moved_shape(shape: tuple[int, ...], axis: int) -> tuple[int, ...]:
    ax = axis % len(shape)
    return shape[:ax] + shape[ax + 1 :] + (shape[ax],)


def cross_adjoint(g: Any, a: Any, b: Any, axisa: int, axisb: int, axisc: int, axis: Any, wrt_a: bool) -> Any:
    """Adjoint of ``np.cross(a, b, ...)``: ``g . (a x b) = a . (b x g) = b . (g x a)`` (2-vectors
    are 3-vectors with a zero last component; two of them give only that component)."""
    if is_zero(g):
        return 0.0
    axisa, axisb, axisc = _cross_axes(axisa, axisb, axisc, axis)
    sa, sb = _moved_shape(np.shape(a), axisa), _moved_shape(np.shape(b), axisb)
    if sa[-1] == 2 and sb[-1] == 2:
        gz = np.asarray(g)
        gv = np.stack([0.0 * gz, 0.0 * gz, gz], axis=-1)
    else:
        gv = np.moveaxis(g, axisc, -1)
    if wrt_a:
        d = np.cross(_as_3_vectors(np.moveaxis(b, axisb, -1)), gv)[..., : sa[-1]]
        return np.moveaxis(unbroadcast(d, np.broadcast_to(0.0, sa)), -1, axisa)
    d = np.cross(gv, _as_3_vectors(np.moveaxis(a, axisa, -1)))[..., : sb[-1]]
    return np.moveaxis(unbroadcast(d, np.broadcast_to(0.0, sb)), -1, axisb)


def _marks(shape: tuple[int, ...]) -> Any:
    """1, 2, ... in an integer array of ``shape``: which element went where."""
    return np.reshape(np.arange(1, math.prod(shape) + 1), shape)


def insert_adjoint(g: Any, arr: Any, obj: Any, values: Any, axis: Any, wrt_arr: bool) -> Any:
    """Adjoint of ``np.insert(arr, obj, values, axis)``: inserting marks shows where each element
    of ``arr`` (or of ``values``, broadcast into the new places) went."""
    if is_zero(g):
        return 0.0
    shape_arr, shape_values = np.shape(arr), np.shape(values)
    if wrt_arr:
        where = np.insert(_marks(shape_arr), obj, 0, axis)
        n = math.prod(shape_arr)
    else:
        where = np.insert(np.zeros(shape_arr, dtype=int), obj, _marks(shape_values), axis)
        n = math.prod(shape_values)
    summed = scatter_add(np.reshape(g, (-1,)), np.reshape(where, (-1,)), n + 1)
    return shaped_like(summed[1:], arr if wrt_arr else values)


def delete_adjoint(g: Any, arr: Any, obj: Any, axis: Any) -> Any:
    """Adjoint of ``np.delete(arr, obj, axis)``: each kept element's adjoint put back in its place."""
    if is_zero(g):
        return 0.0
    shape = np.shape(arr)
    kept = np.delete(_marks(shape), obj, axis)
    summed = scatter_add(np.reshape(g, (-1,)), np.reshape(kept, (-1,)), math.prod(shape) + 1)
    return np.reshape(summed[1:], shape)


def select_choices(condlist: Any, shape: tuple[int, ...]) -> Any:
    """Which choice ``np.select(condlist, ...)`` took at each element (-1: the default)."""
    picks = [np.full(shape, k) for k in range(len(condlist))]
    return np.select(condlist, picks, default=-1)


def select_adjoint(g: Any, condlist: Any, choicelist: Any) -> SeqAdjoint:
    """Adjoint of ``np.select``'s ``choicelist``: each choice gets ``g`` where it was taken."""
    if is_zero(g):
        return SeqAdjoint(0.0 for _ in choicelist)
    taken = select_choices(condlist, np.shape(g))
    return SeqAdjoint(unbroadcast(np.where(taken == k, g, 0.0), c) for k, c in enumerate(choicelist))


def select_of(g: Any, condlist: Any, choicelist: Any) -> Any:
    """The transpose of :func:`select_adjoint`: the choices' adjoints placed where each was taken."""
    if is_zero(g):
        return 0.0
    parts = [np.zeros(np.shape(c)) + p for c, p in zip(choicelist, seq_items(g, choicelist))]
    shape = np.broadcast_shapes(*[np.shape(c) for c in list(condlist) + list(choicelist)])
    return np.select(condlist, [np.broadcast_to(p, shape) for p in parts], 0.0)


def select_default_adjoint(g: Any, condlist: Any, default: Any) -> Any:
    if is_zero(g):
        return 0.0
    return unbroadcast(np.where(select_choices(condlist, np.shape(g)) == -1, g, 0.0), default)


def _gradient_axes(ndim: int, axis: Any) -> list[int]:
    if axis is None:
        return list(range(ndim))
    return [a % ndim for a in (axis if isinstance(axis, (tuple, list)) else [axis])]


def _gradient_probe(n: int, spacing: tuple[Any, ...], edge_order: int) -> list[tuple[Any, Any]]:
    """The band of ``np.gradient``'s matrix along one axis (each output reads at most 2 places
    away): for r in 0..4, the coefficient of output ``i`` on the input ``j = i + d``, the one
    ``j = r (mod 5)`` -- the gradient of the comb of those inputs -- with those ``j``."""
    i = np.arange(n)
    out = []
    for r in range(5):
        comb = (i % 5 == r).astype(float)
        d = (r - i) % 5
        d = np.where(d > 2, d - 5, d)
        big = n >= edge_order + 1  # (numpy needs that many points)
        coeff = np.gradient(comb, *spacing, edge_order=edge_order) if big else np.zeros(n)  # type: ignore[call-overload]
        out.append((coeff, np.clip(i + d, 0, n - 1)))
    return out


def gradient_adjoint(g: Any, f: Any, varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """Adjoint of ``np.gradient(f, *varargs, axis=axis, edge_order=edge_order)`` (one result per
    axis; a single one when there is one axis): each axis's adjoint through the transpose of
    that axis's band of differences."""
    shape = np.shape(f)
    axes = _gradient_axes(len(shape), axis)
    parts = list(g) if len(axes) > 1 and isinstance(g, (list, tuple)) else [g] if len(axes) == 1 else []
    spacings = list(varargs) if len(varargs) == len(axes) else [varargs[0] if varargs else 1.0] * len(axes)
    total: Any = 0.0
    for ax, part, h in zip(axes, parts, spacings):
        if is_zero(part):
            continue
        moved = np.moveaxis(np.asarray(part), ax, 0)
        spread = (1,) * (moved.ndim - 1)
        for coeff, target in _gradient_probe(shape[ax], (h,), edge_order):
            total = total + np.moveaxis(
                scatter_add(moved * np.reshape(coeff, coeff.shape + spread), target, shape[ax]), 0, ax
            )
    return total


def meshgrid_adjoint(g: Any, xi: Any, i: int, sparse: bool = False, indexing: str = "xy") -> Any:
    """Adjoint of input ``i`` of ``np.meshgrid(*xi, indexing=indexing)``: its grid summed over
    the other axes (with ``'xy'``, the first two inputs run along axes 1 and 0)."""
    parts = list(g) if isinstance(g, (list, tuple)) else [g] * len(xi)
    part = parts[i]
    if is_zero(part):
        return 0.0
    axis = (1 - i) if indexing == "xy" and len(xi) > 1 and i < 2 else i
    others = tuple(k for k in range(np.ndim(part)) if k != axis)
    return np.reshape(np.sum(part, axis=others), np.shape(xi[i]))


def meshgrid_tangent(t: Any, xi: Any, i: int, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> Any:
    """Forward mode of ``np.meshgrid`` in input ``i``: its tangent on its own grid, zeros on the others."""
    grids = np.meshgrid(  # type: ignore[call-overload]
        *[t if k == i else np.zeros(np.shape(x)) for k, x in enumerate(xi)], sparse=sparse, indexing=indexing
    )
    return SeqAdjoint(grids)  # (tangents of several inputs add up grid by grid)


def outer_sum_adjoint(g: Any, a: Any, b: Any, wrt_a: bool) -> Any:
    """Adjoint of ``np.add.outer(a, b)``: ``g`` summed over the other operand's axes."""
    if is_zero(g):
        return 0.0
    na, nb = np.ndim(a), np.ndim(b)
    if wrt_a:
        return np.sum(g, axis=tuple(range(na, na + nb)))
    return np.sum(g, axis=tuple(range(na)))


def outer_product_adjoint(g: Any, a: Any, b: Any, wrt_a: bool) -> Any:
    """Adjoint of ``np.multiply.outer(a, b)``: ``g`` contracted with the other operand."""
    if is_zero(g):
        return 0.0
    na, nb = np.ndim(a), np.ndim(b)
    if wrt_a:
        return np.tensordot(g, b, axes=(list(range(na, na + nb)), list(range(nb))))
    return np.tensordot(a, g, axes=(list(range(na)), list(range(na))))


def astype_adjoint(g: Any, x: Any, dtype: Any) -> Any:
    """Adjoint of ``x.astype(dtype)``: zero for an integer or boolean ``dtype`` (the result is
    piecewise constant), else ``g`` in ``x``'s own floating precision (a real ``x`` cast to a
    complex dtype: the real part, see srcdiff.rules.complex_module)."""
    target = np.dtype(dtype)
    if np.issubdtype(target, np.complexfloating):
        return g if is_zero(g) or np.iscomplexobj(x) else np.real(g)
    if not np.issubdtype(target, np.floating):
        return 0.0
    if is_zero(g):
        return 0.0
    return np.asarray(g).astype(np.result_type(np.asarray(x).dtype, np.float32), copy=False)


def astype_tangent(t: Any, dtype: Any) -> Any:
    target = np.dtype(dtype)
    if not np.issubdtype(target, np.floating) and not np.issubdtype(target, np.complexfloating):
        return 0.0
    return np.asarray(t).astype(target)


HELPERS: dict[str, Any] = helpers_of(globals(), __name__)
