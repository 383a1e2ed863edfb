"""Adjoints and tangents of the solvers and products of ``numpy.linalg``: solve, lstsq,
tensorsolve, tensorinv, matrix_power, multi_dot.

>>> a = np.array([[2.0, 0.0], [0.0, 4.0]])
>>> matrix_power_tangent(a, np.eye(2), 3)   # d(a^3) = 3 a^2 da for a diagonal a and da = I
array([[12.,  0.],
       [ 0., 48.]])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..runtime import SeqAdjoint, is_zero, unpack_adjoint
from .linalg_helpers import mT, pinv_adjoint, pinv_tangent, singular_values_adjoint, singular_values_tangent
from .table import helpers_of


def sum_to_shape(d: Any, shape: tuple[int, ...]) -> Any:
    """``d`` summed over the axes it was broadcast along to reach ``shape`` (stacks of matrices
    broadcast their leading axes against each other)."""
    lead = np.ndim(d) - len(shape)
    if lead > 0:
        d = np.sum(d, axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(d)[i] != 1)
    return np.sum(d, axis=axes, keepdims=True) if axes else d


def solve_adjoint(g: Any, a: Any, b: Any, out: Any, wrt_a: bool) -> Any:
    """Adjoint of ``np.linalg.solve(a, b)``: ``b`` is a vector when 1-D (or, as numpy 1 reads
    it, a stack of vectors), else a matrix or a stack of them; stacks broadcast."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    a = np.asarray(a)
    g = np.asarray(g)
    vector = np.ndim(b) == 1 or np.ndim(out) == np.ndim(b) == a.ndim - 1
    gb = np.linalg.solve(mT(a), g[..., None] if vector else g)
    if not wrt_a:
        d = gb[..., 0] if vector else gb
        return d if np.shape(d) == np.shape(b) else sum_to_shape(d, np.shape(b))
    x = np.asarray(out)[..., None] if vector else np.asarray(out)
    d = -gb @ mT(x)
    return d if np.shape(d) == a.shape else sum_to_shape(d, a.shape)


def solve_tangent(a: Any, b: Any, out: Any, t: Any) -> Any:
    """Forward mode of ``np.linalg.solve`` in ``a``: ``-solve(a, t @ out)``, vectors as columns."""
    if np.ndim(b) == 1 or np.ndim(out) == np.ndim(b) == np.ndim(a) - 1:
        return -np.linalg.solve(a, (t @ np.asarray(out)[..., None]))[..., 0]
    return -np.linalg.solve(a, t @ out)


# -- least squares ------------------------------------------------------------------------------
def _lstsq_pinv(a: Any, rcond: Any) -> Any:
    """The pseudo-inverse with lstsq's cutoff (singular values at most ``rcond`` times the largest
    are dropped), so ``x = pinv @ b``."""
    m, n = np.shape(a)
    cutoff = np.finfo(np.result_type(a, 1.0)).eps * max(m, n) if rcond is None else rcond
    cutoff = np.finfo(np.result_type(a, 1.0)).eps if cutoff < 0 else cutoff
    return np.linalg.pinv(a, cutoff)


def lstsq_adjoint(g: Any, a: Any, b: Any, out: Any, rcond: Any, wrt_a: bool) -> Any:
    """Adjoint of ``np.linalg.lstsq(a, b, rcond)``: through the solution, the residuals (there
    when ``a`` is tall and of full rank) and the singular values; the rank is an integer."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    x, res, _, _ = out
    gx, gres, _, gs = unpack_adjoint(g, 4)
    p = _lstsq_pinv(a, rcond)
    vector = np.ndim(b) == 1
    total: Any = 0.0
    if not is_zero(gx):
        if wrt_a:
            total = total + pinv_adjoint(np.outer(gx, b) if vector else gx @ mT(b), a, p, False)
        else:
            total = total + mT(p) @ gx
    if not is_zero(gres) and np.size(res) > 0:
        r = b - a @ x
        weighted = r * gres
        total = total + (-2.0 * (np.outer(weighted, x) if vector else weighted @ mT(x)) if wrt_a else 2.0 * weighted)
    if wrt_a and not is_zero(gs):
        total = total + singular_values_adjoint(gs, a)
    return total


def lstsq_tangent(a: Any, b: Any, out: Any, rcond: Any, t: Any, wrt_a: bool) -> Any:
    x, res, _, s = out
    p = _lstsq_pinv(a, rcond)
    r = b - a @ x
    if wrt_a:
        dx = pinv_tangent(a, p, t, False) @ b
        dr = -(t @ x)
        ds = singular_values_tangent(a, t)
    else:
        dx = p @ t
        dr = t
        ds = np.zeros(np.shape(s))
    dres = np.reshape(2.0 * np.sum(r * dr, axis=0), np.shape(res)) if np.size(res) > 0 else np.zeros(np.shape(res))
    return (dx, dres, 0.0, ds)


# -- tensor solve and inverse ---------------------------------------------------------------------
def _tensorsolve_order(a: Any, axes: Any) -> list[int]:
    """How tensorsolve transposes ``a``: the ``axes`` moved to the end, in their order."""
    order = list(range(np.ndim(a)))
    for k in axes or ():
        order.remove(k % np.ndim(a))
        order.append(k % np.ndim(a))
    return order


def _tensorsolve_matrix(a: Any, b: Any, axes: Any) -> tuple[Any, list[int]]:
    order = _tensorsolve_order(a, axes)
    moved = np.transpose(a, order)
    return np.reshape(moved, (np.size(b), -1)), order


def tensorsolve_adjoint(g: Any, a: Any, b: Any, out: Any, axes: Any, wrt_a: bool) -> Any:
    """Adjoint of ``np.linalg.tensorsolve(a, b, axes)``: a matrix solve after reshaping."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    matrix, order = _tensorsolve_matrix(a, b, axes)
    gb = np.linalg.solve(mT(matrix), np.ravel(g))
    if not wrt_a:
        return np.reshape(gb, np.shape(b))
    moved_shape = tuple(np.shape(a)[i] for i in order)
    d = np.reshape(-np.outer(gb, np.ravel(out)), moved_shape)
    return np.transpose(d, np.argsort(order))


def tensorsolve_tangent(a: Any, b: Any, out: Any, axes: Any, t: Any, wrt_a: bool) -> Any:
    matrix, order = _tensorsolve_matrix(a, b, axes)
    if wrt_a:
        dm = np.reshape(np.transpose(t, order), np.shape(matrix))
        rhs = -(dm @ np.ravel(out))
    else:
        rhs = np.ravel(t)
    return np.reshape(np.linalg.solve(matrix, rhs), np.shape(out))


def _tensorinv_shapes(a: Any, ind: int) -> tuple[int, int]:
    shape = np.shape(a)
    return math.prod(shape[:ind]), math.prod(shape[ind:])


def tensorinv_adjoint(g: Any, a: Any, out: Any, ind: int) -> Any:
    """Adjoint of ``np.linalg.tensorinv(a, ind)``: the inverse of ``a`` as a matrix."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    rows, cols = _tensorinv_shapes(a, ind)
    inv = np.reshape(out, (cols, rows))
    return np.reshape(-mT(inv) @ np.reshape(g, (cols, rows)) @ mT(inv), np.shape(a))


def tensorinv_tangent(a: Any, out: Any, t: Any, ind: int) -> Any:
    rows, cols = _tensorinv_shapes(a, ind)
    inv = np.reshape(out, (cols, rows))
    return np.reshape(-inv @ np.reshape(t, (rows, cols)) @ inv, np.shape(out))


# -- matrix power and chained products ------------------------------------------------------------
def _check_power(n: Any) -> None:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        from .table import not_supported

        raise not_supported(f"np.linalg.matrix_power with exponent {n!r}", "pass an integer")


def _power_terms(left: Any, middle: Any, right: Any, n: int) -> Any:
    """``sum_k left^k @ middle @ right^(n-1-k)`` for k in 0..n-1 (stacks of matrices)."""
    eye = np.eye(np.shape(middle)[-1])
    lefts = [eye + 0.0 * left]
    for _ in range(n - 1):
        lefts.append(lefts[-1] @ left)
    total = 0.0 * middle
    right_power = eye + 0.0 * right
    for k in range(n):
        total = total + lefts[n - 1 - k] @ middle @ right_power
        right_power = right_power @ right
    return total


def matrix_power_adjoint(g: Any, a: Any, n: int) -> Any:
    """Adjoint of ``np.linalg.matrix_power(a, n)`` (a negative ``n`` powers the inverse)."""
    _check_power(n)
    if is_zero(g) or n == 0:
        return 0.0
    if n > 0:
        return _power_terms(mT(a), g, mT(a), n)
    inv = np.linalg.inv(a)
    d = _power_terms(mT(inv), g, mT(inv), -n)
    return -mT(inv) @ d @ mT(inv)


def matrix_power_tangent(a: Any, t: Any, n: int) -> Any:
    _check_power(n)
    if n == 0:
        return 0.0 * t
    if n > 0:
        return _power_terms(a, t, a, n)
    inv = np.linalg.inv(a)
    return _power_terms(inv, -inv @ t @ inv, inv, -n)


def _chain(mats: list[Any], like: Any) -> Any:
    """The product of ``mats`` (the identity, shaped for ``like``'s rows, if there are none)."""
    if not mats:
        return np.eye(np.shape(like)[0])
    total = mats[0]
    for m in mats[1:]:
        total = total @ m
    return total


def _as_matrices(arrays: Any) -> list[Any]:
    """multi_dot's operands as matrices: a 1-D first one is a row, a 1-D last one a column."""
    mats = [np.asarray(x) for x in arrays]
    if mats[0].ndim == 1:
        mats[0] = np.reshape(mats[0], (1, -1))
    if mats[-1].ndim == 1:
        mats[-1] = np.reshape(mats[-1], (-1, 1))
    return mats


def multi_dot_adjoint(g: Any, arrays: Any) -> Any:
    """Adjoint of ``np.linalg.multi_dot(arrays)``: one adjoint per operand."""
    if is_zero(g):
        return SeqAdjoint(0.0 for _ in arrays)
    mats = _as_matrices(arrays)
    gm = np.reshape(g, (np.shape(mats[0])[0], np.shape(mats[-1])[1]))
    parts = []
    for i in range(len(mats)):
        left = mT(_chain(mats[:i], gm))
        right = mT(_chain(mats[i + 1 :], mT(gm)))
        parts.append(np.reshape(left @ gm @ right, np.shape(arrays[i])))
    return SeqAdjoint(parts)


def multi_dot_tangent(arrays: Any, t: Any) -> Any:
    tangents = t if isinstance(t, (list, tuple)) else [0.0] * len(arrays)
    mats = _as_matrices(arrays)
    total: Any = 0.0
    for i in range(len(mats)):
        if is_zero(tangents[i]):
            continue
        ti = np.reshape(np.broadcast_to(tangents[i], np.shape(arrays[i])), np.shape(mats[i]))
        total = total + _chain(mats[:i] + [ti] + mats[i + 1 :], ti)
    shape = np.shape(np.linalg.multi_dot([np.asarray(x) for x in arrays]))
    return np.zeros(shape) if is_zero(total) else np.reshape(total, shape)


HELPERS: dict[str, Any] = helpers_of(globals(), __name__)
