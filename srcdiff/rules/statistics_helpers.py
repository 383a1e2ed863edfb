"""Adjoint helpers for the rules of :mod:`srcdiff.rules.numpy_statistics` (order statistics,
NaN-ignoring reductions, weighted means, covariances, interpolation, spaced samples).

Like :mod:`srcdiff.rules.shaping_helpers`, they use numpy functions that have rules, so that a
second derivative can differentiate them from their source.

>>> quantile_weights(5, 0.3)
array([0. , 0.8, 0.2, 0. , 0. ])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..runtime import is_zero, unbroadcast
from .array_helpers import expand, mean_adjoint
from .shaping_helpers import scatter_add, sort_inverse, sort_order
from .table import helpers_of, not_supported


# -- quantiles (median, percentile, quantile) ----------------------------------------------
def quantile_weights(n: int, q: Any) -> Any:
    """The weights ``numpy``'s ``'linear'`` method puts on the ``n`` sorted values, for each
    ``q`` (shaped ``q.shape + (n,)``): ``1 - f`` and ``f`` on the two values around ``q * (n - 1)``."""
    v = np.asarray(q, dtype=float) * (n - 1)
    below = np.clip(np.floor(v), 0, n - 1).astype(int)
    above = np.minimum(below + 1, n - 1)
    frac = v - below
    places = np.arange(n)
    return np.expand_dims(1.0 - frac, -1) * (places == np.expand_dims(below, -1)) + np.expand_dims(frac, -1) * (
        places == np.expand_dims(above, -1)
    )


def _check_quantile(method: str, weights: Any) -> None:
    if method != "linear" or weights is not None:
        raise not_supported(
            f"the derivative of a quantile with method={method!r} or weights", "use the default method='linear'"
        )


def _lanes(shape: tuple[int, ...], axis: Any) -> tuple[list[int], list[int], tuple[int, ...], int]:
    """The axes kept and reduced, the kept axes' sizes and the count reduced over."""
    nd = len(shape)
    axes = (
        list(range(nd))
        if axis is None
        else sorted({a % nd for a in (axis if isinstance(axis, (tuple, list)) else [axis])})
    )
    rest = [i for i in range(nd) if i not in axes]
    return rest + axes, axes, tuple(shape[i] for i in rest), math.prod(shape[i] for i in axes)


def lane_order(a: Any, axis: Any, inverse: bool) -> Any:
    """The stable sorting permutation (or its inverse) of each lane of ``a``: the axes reduced
    over moved last and merged into one (a constant)."""
    shape = np.shape(a)
    order, _, lanes, n = _lanes(shape, axis)
    values = np.reshape(np.transpose(a, order), lanes + (n,))
    return sort_inverse(values, -1) if inverse else sort_order(values, -1)


def quantile_adjoint(g: Any, a: Any, q: Any, axis: Any, method: str, keepdims: bool, weights: Any) -> Any:
    """Adjoint of ``np.quantile(a, q, axis, method='linear', keepdims=keepdims)``: the weights on
    the sorted values, sent back through the sort (ties: a stable sort's order, so the first of
    equal elements counts as the smaller)."""
    _check_quantile(method, weights)
    if is_zero(g):
        return 0.0
    shape = np.shape(a)
    order, _, lanes, n = _lanes(shape, axis)
    qd = np.ndim(q)
    per_sorted = np.tensordot(
        np.reshape(g, np.shape(q) + lanes), quantile_weights(n, q), axes=(list(range(qd)), list(range(qd)))
    )
    spread = np.take_along_axis(np.broadcast_to(per_sorted, lanes + (n,)), lane_order(a, axis, True), -1)
    return np.transpose(np.reshape(spread, tuple(shape[i] for i in order)), tuple(int(i) for i in np.argsort(order)))


def quantile_tangent(t: Any, a: Any, q: Any, axis: Any, method: str, keepdims: bool, weights: Any) -> Any:
    """Forward mode of ``np.quantile``: the same weights on the tangent in the stable sorting order."""
    _check_quantile(method, weights)
    shape = np.shape(a)
    order, axes, lanes, n = _lanes(shape, axis)
    tangents = np.reshape(np.transpose(np.broadcast_to(t, shape), order), lanes + (n,))
    in_order = np.take_along_axis(tangents, lane_order(a, axis, False), -1)
    result = np.tensordot(quantile_weights(n, q), in_order, axes=([np.ndim(q)], [len(lanes)]))
    if keepdims:
        return np.reshape(result, np.shape(q) + tuple(1 if i in axes else shape[i] for i in range(len(shape))))
    return result


# -- NaN-ignoring reductions --------------------------------------------------------------
def nanmean_adjoint(g: Any, a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Adjoint of ``np.nanmean``: ``g`` over the count of numbers, spread over them (NaNs get 0)."""
    if is_zero(g):
        return 0.0
    keep = ~np.isnan(a)
    counts = np.sum(keep, axis=axis, keepdims=keepdims)
    return np.where(keep, expand(g / counts, a, axis, keepdims), 0.0)


def nanmean_tangent(t: Any, a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    keep = ~np.isnan(a)
    return np.sum(np.where(keep, t, 0.0), axis=axis, keepdims=keepdims) / np.sum(keep, axis=axis, keepdims=keepdims)


def without_nans(t: Any, a: Any) -> Any:
    """``t`` with zeros where ``a`` is NaN (a NaN is left out: its tangent counts for nothing)."""
    return np.where(np.isnan(a), 0.0, t)


# -- weighted means -----------------------------------------------------------------------
def _check_average(returned: bool) -> None:
    if returned:
        raise not_supported(
            "np.average(..., returned=True) of a differentiated value", "compute the sum of weights apart"
        )


def _weights_like(a: Any, weights: Any, axis: Any) -> Any:
    """``np.average``'s weights, shaped to broadcast against ``a`` (1-D weights lie along ``axis``)."""
    if np.ndim(weights) == np.ndim(a):
        return weights
    return np.reshape(weights, [-1 if i == axis % np.ndim(a) else 1 for i in range(np.ndim(a))])


def _weights_back(d: Any, a: Any, weights: Any, axis: Any) -> Any:
    if np.ndim(weights) == np.ndim(a):
        return d
    ax = axis % np.ndim(a)
    return np.reshape(np.sum(d, axis=tuple(i for i in range(np.ndim(a)) if i != ax)), np.shape(weights))


def average_adjoint(
    g: Any, a: Any, weights: Any, result: Any, axis: Any, returned: bool, keepdims: bool, wrt_a: bool
) -> Any:
    """Adjoint of ``np.average(a, axis, weights)`` (``sum(w a) / sum(w)``) for ``a`` or the weights."""
    _check_average(returned)
    if is_zero(g):
        return 0.0
    if weights is None:
        return mean_adjoint(g, a, axis, keepdims)
    w = _weights_like(a, weights, axis)
    total = np.sum(np.broadcast_to(w, np.shape(a)), axis=axis, keepdims=True)
    spread = expand(g, a, axis, keepdims) / total
    if wrt_a:
        return spread * w
    return _weights_back(spread * (a - expand(result, a, axis, keepdims)), a, weights, axis)


def average_tangent(
    t: Any, a: Any, weights: Any, result: Any, axis: Any, returned: bool, keepdims: bool, wrt_a: bool
) -> Any:
    _check_average(returned)
    if weights is None:
        return np.mean(np.broadcast_to(t, np.shape(a)), axis=axis, keepdims=keepdims)
    w = _weights_like(a, weights, axis)
    total = np.sum(np.broadcast_to(w, np.shape(a)), axis=axis, keepdims=keepdims)
    if wrt_a:
        return np.sum(w * t, axis=axis, keepdims=keepdims) / total
    tw = _weights_like(a, t, axis)
    return np.sum(tw * (a - expand(result, a, axis, keepdims)), axis=axis, keepdims=keepdims) / total


# -- covariance and correlation -------------------------------------------------------------
def _variables(m: Any, y: Any, rowvar: bool) -> tuple[Any, int]:
    """``np.cov``'s data matrix (one variable per row) and how many rows come from ``m``."""
    x = np.atleast_2d(m)
    if not rowvar and np.ndim(m) != 1:
        x = np.transpose(x)
    if y is None:
        return x, np.shape(x)[0]
    rows = np.atleast_2d(y)
    if not rowvar and np.shape(rows)[0] != 1:
        rows = np.transpose(rows)
    return np.concatenate([x, rows], axis=0), np.shape(x)[0]


def _back_to(d: Any, like: Any, rowvar: bool, is_m: bool) -> Any:
    """Rows of the data matrix back to the shape of ``m`` (``is_m``) or ``y``."""
    if not rowvar and (np.ndim(like) != 1 if is_m else np.shape(np.atleast_2d(like))[0] != 1):
        d = np.transpose(d)
    return np.reshape(d, np.shape(like))


def _cov_weights(n: int, bias: bool, ddof: Any, fweights: Any, aweights: Any) -> tuple[Any, float]:
    """The weight of each observation and the normalization, as ``np.cov`` computes them."""
    if ddof is None:
        ddof = 0 if bias else 1
    w = np.ones(n)
    if fweights is not None:
        w = w * np.asarray(fweights, dtype=float)
    if aweights is not None:
        w = w * np.asarray(aweights, dtype=float)
    total = float(np.sum(w))
    if fweights is None and aweights is None:
        fact = n - ddof
    elif ddof == 0:
        fact = total
    elif aweights is None:
        fact = total - ddof
    else:
        fact = total - ddof * float(np.sum(w * np.asarray(aweights, dtype=float))) / total
    return w, max(fact, 0.0)


def _centered(x: Any, w: Any) -> Any:
    return x - np.expand_dims(np.sum(x * w, axis=1) / np.sum(w), 1)


def cov_adjoint(
    g: Any, m: Any, y: Any, rowvar: bool, bias: bool, ddof: Any, fweights: Any, aweights: Any, wrt_m: bool
) -> Any:
    """Adjoint of ``np.cov``: with ``C = Xc W Xc^T / fact``, ``X`` gets ``(G + G^T) Xc W / fact``
    (centering needs no term: the weighted rows of ``Xc`` sum to zero)."""
    if is_zero(g):
        return 0.0
    x, rows = _variables(m, y, rowvar)
    w, fact = _cov_weights(np.shape(x)[1], bias, ddof, fweights, aweights)
    k = np.shape(x)[0]
    gm = np.reshape(g, (k, k))
    d = (gm + np.transpose(gm)) @ (_centered(x, w) * w) / fact
    head, tail = np.split(d, [rows], axis=0)
    return _back_to(head, m, rowvar, True) if wrt_m else _back_to(tail, y, rowvar, False)


def _data_tangent(t: Any, m: Any, y: Any, rowvar: bool, wrt_m: bool) -> Any:
    """The tangent of ``np.cov``'s data matrix when only ``m`` (or only ``y``) moves."""
    zero_m = np.zeros(np.shape(m))
    zero_y = None if y is None else np.zeros(np.shape(y))
    x, _ = _variables(
        np.broadcast_to(t, np.shape(m)) if wrt_m else zero_m,
        zero_y if wrt_m else np.broadcast_to(t, np.shape(y)),
        rowvar,
    )
    return x


def cov_tangent(
    t: Any, m: Any, y: Any, rowvar: bool, bias: bool, ddof: Any, fweights: Any, aweights: Any, wrt_m: bool
) -> Any:
    x, _ = _variables(m, y, rowvar)
    w, fact = _cov_weights(np.shape(x)[1], bias, ddof, fweights, aweights)
    one = _centered(_data_tangent(t, m, y, rowvar, wrt_m), w) @ np.transpose(_centered(x, w) * w) / fact
    return np.squeeze(one + np.transpose(one))


def _correlation_parts(x: Any, y: Any, rowvar: bool) -> tuple[Any, Any, Any]:
    c = np.atleast_2d(np.cov(x, y, rowvar))
    d = np.diagonal(c)
    s = np.sqrt(d)
    return c, d, c / np.outer(s, s)


def corrcoef_adjoint(g: Any, x: Any, y: Any, rowvar: bool, wrt_x: bool) -> Any:
    """Adjoint of ``np.corrcoef``: ``R = C / (s s^T)``, ``s = sqrt(diag C)``; the diagonal of ``C``
    also gets ``-(sum_j G_ij R_ij + G_ji R_ji) / (2 C_ii)``."""
    if is_zero(g):
        return 0.0
    c, d, r = _correlation_parts(x, y, rowvar)
    k = np.shape(c)[0]
    gm = np.reshape(g, (k, k))
    s = np.sqrt(d)
    gr = gm * r
    dc = gm / np.outer(s, s) - np.diag((np.sum(gr, axis=1) + np.sum(gr, axis=0)) / (2.0 * d))
    return cov_adjoint(dc, x, y, rowvar, False, None, None, None, wrt_x)


def corrcoef_tangent(t: Any, x: Any, y: Any, rowvar: bool, wrt_x: bool) -> Any:
    c, d, r = _correlation_parts(x, y, rowvar)
    dc = np.atleast_2d(cov_tangent(t, x, y, rowvar, False, None, None, None, wrt_x))
    s = np.sqrt(d)
    rel = np.diagonal(dc) / d
    return np.squeeze(dc / np.outer(s, s) - 0.5 * r * (np.expand_dims(rel, 1) + np.expand_dims(rel, 0)))


# -- interpolation and polynomials -------------------------------------------------------------
def _interp_segments(x: Any, xp: Any, period: Any) -> tuple[Any, Any, Any]:
    """For each ``x``, the segment ``[xp[j], xp[j + 1])`` it is in (clipped to the first and last),
    the segment's length (1 where it has none) and where ``x`` lies in it (0..1)."""
    if period is not None:
        raise not_supported("the derivative of np.interp with a period", "wrap x into one period first")
    xp = np.asarray(xp)
    j = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, max(np.size(xp) - 2, 0))
    if np.size(xp) < 2:
        return j, np.ones(np.shape(j)), np.zeros(np.shape(j))
    h = xp[j + 1] - xp[j]
    h = np.where(h == 0, 1.0, h)
    return j, h, np.clip((x - xp[j]) / h, 0.0, 1.0)


def interp_slope(x: Any, xp: Any, fp: Any, period: Any) -> Any:
    """``d np.interp(x, xp, fp) / dx``: the slope of the segment ``x`` is in -- at a breakpoint,
    the segment to its right (a right derivative); 0 below ``xp[0]`` and from ``xp[-1]`` on."""
    j, h, _ = _interp_segments(x, xp, period)
    if np.size(xp) < 2:
        return np.zeros(np.shape(x))
    xp = np.asarray(xp)
    inside = (np.asarray(x) >= xp[0]) & (np.asarray(x) < xp[-1])
    fp = np.asarray(fp)
    return np.where(inside, (fp[j + 1] - fp[j]) / h, 0.0)


def interp_fp_adjoint(g: Any, x: Any, xp: Any, left: Any, right: Any, period: Any) -> Any:
    """Adjoint of ``np.interp`` in ``fp``: ``1 - f`` and ``f`` of ``g`` to the two ends of each segment."""
    if is_zero(g):
        return 0.0
    j, _, f = _interp_segments(x, xp, period)
    xp = np.asarray(xp)
    keep = np.ones(np.shape(j))
    if left is not None:
        keep = keep * (np.asarray(x) >= xp[0])
    if right is not None:
        keep = keep * (np.asarray(x) <= xp[-1])
    gk = np.reshape(g * keep, (-1,))
    n = np.size(xp)
    low = scatter_add(gk * np.reshape(1.0 - f, (-1,)), np.reshape(j, (-1,)), n)
    if n < 2:
        return low
    return low + scatter_add(gk * np.reshape(f, (-1,)), np.reshape(j + 1, (-1,)), n)


def interp_fp_tangent(t: Any, x: Any, xp: Any, left: Any, right: Any, period: Any) -> Any:
    _interp_segments(x, xp, period)
    return np.interp(x, xp, t, left=None if left is None else 0.0, right=None if right is None else 0.0)


def interp_edge(x: Any, xp: Any, below: bool) -> Any:
    """Where ``np.interp`` returns ``left`` (``below``) or ``right``: 1.0 there, else 0.0."""
    xp = np.asarray(xp)
    return 1.0 * (np.asarray(x) < xp[0]) if below else 1.0 * (np.asarray(x) > xp[-1])


def polyder_coefficients(p: Any) -> Any:
    """The coefficients of the derivative of the polynomial ``p`` (highest power first)."""
    n = np.size(p)
    if n <= 1:
        return np.zeros(1)
    return np.asarray(p)[: n - 1] * np.arange(n - 1, 0, -1)


def polyval_adjoint(g: Any, p: Any, x: Any) -> Any:
    """Adjoint of ``np.polyval(p, x)`` in ``p``: ``g`` against the powers of ``x``."""
    if is_zero(g):
        return 0.0
    powers = np.expand_dims(x, -1) ** np.arange(np.size(p) - 1, -1, -1)
    total = np.tensordot(np.broadcast_to(g, np.shape(x)), powers, axes=np.ndim(x))
    return np.reshape(total, np.shape(p))


def sinc_slope(x: Any) -> Any:
    """``d sinc(x) / dx = (cos(pi x) - sinc(x)) / x``, and its Taylor series near 0 (so its own
    derivatives are right there too)."""
    small = np.abs(x) < 1e-2
    xs = np.where(small, 1.0, x)
    px = np.pi * xs
    closed = (np.cos(px) - np.sin(px) / px) / xs
    z = (np.pi * x) ** 2
    series = np.pi**2 * x * (-1.0 / 3.0 + z / 30.0 - z * z / 840.0 + z * z * z / 45360.0)
    return np.where(small, series, closed)


# -- convolutions ---------------------------------------------------------------------------
def _mode_start(n: int, m: int, mode: str, correlate: bool) -> int:
    """Where ``mode``'s result starts in the full one."""
    low = min(n, m)
    if mode == "full":
        return 0
    if mode == "valid":
        return low - 1
    return low // 2 if correlate and n < m else (low - 1) // 2


def convolve_adjoint(g: Any, a: Any, v: Any, mode: str, wrt_a: bool, correlate: bool) -> Any:
    """Adjoint of ``np.convolve(a, v, mode)`` (``correlate``: of ``np.correlate``, a convolution with
    ``v`` reversed): ``g`` put in the full result, correlated with the other operand."""
    if is_zero(g):
        return 0.0
    n, m = np.size(a), np.size(v)
    start = _mode_start(n, m, mode, correlate)
    full = np.pad(np.reshape(g, (-1,)), (start, n + m - 1 - start - np.size(g)))
    kernel = np.flip(v) if correlate else v
    if wrt_a:
        return np.correlate(full, kernel, "valid")
    d = np.correlate(full, a, "valid")
    return np.flip(d) if correlate else d


# -- spaced samples -----------------------------------------------------------------------------
def _check_space(retstep: bool, dtype: Any) -> None:
    if retstep or (dtype is not None and not np.issubdtype(np.dtype(dtype), np.floating)):
        raise not_supported("the derivative of np.linspace with retstep=True or a non-float dtype", "leave them out")


def space_weights(num: int, endpoint: bool, ndim: int, axis: int) -> Any:
    """``k / (num - 1)`` (``k / num`` without the endpoint) along the samples' axis of an ``ndim`` result."""
    div = num - 1 if endpoint else num
    w = np.arange(num) / div if div > 0 else np.zeros(num)
    return np.reshape(w, [num if i == axis % ndim else 1 for i in range(ndim)])


def linspace_adjoint(
    g: Any, start: Any, stop: Any, num: int, endpoint: bool, retstep: bool, dtype: Any, axis: int, wrt_start: bool
) -> Any:
    """Adjoint of ``np.linspace`` (``start + k (stop - start) / div``) in ``start`` or ``stop``."""
    _check_space(retstep, dtype)
    if is_zero(g):
        return 0.0
    nd = np.ndim(g)
    w = space_weights(num, endpoint, nd, axis)
    part = np.sum(g * (1.0 - w if wrt_start else w), axis=axis % nd)
    return unbroadcast(part, np.broadcast_to(0.0, np.shape(start if wrt_start else stop)))


def linspace_tangent(
    t: Any, start: Any, stop: Any, num: int, endpoint: bool, retstep: bool, dtype: Any, axis: int, wrt_start: bool
) -> Any:
    _check_space(retstep, dtype)
    if wrt_start:
        return np.linspace(t, np.zeros(np.shape(stop)), num, endpoint, axis=axis)
    return np.linspace(np.zeros(np.shape(start)), t, num, endpoint, axis=axis)


def geomspace_adjoint(
    g: Any, start: Any, stop: Any, result: Any, num: int, endpoint: bool, dtype: Any, axis: int, wrt_start: bool
) -> Any:
    """Adjoint of ``np.geomspace`` (``start (stop / start) ** w``): ``(1 - w) out / start`` and ``w out / stop``."""
    _check_space(False, dtype)
    if is_zero(g):
        return 0.0
    nd = np.ndim(result)
    w = space_weights(num, endpoint, nd, axis)
    ax = axis % nd
    if wrt_start:
        part = np.sum(g * result * (1.0 - w), axis=ax) / start
        return unbroadcast(part, np.broadcast_to(0.0, np.shape(start)))
    return unbroadcast(np.sum(g * result * w, axis=ax) / stop, np.broadcast_to(0.0, np.shape(stop)))


def geomspace_tangent(
    t: Any, start: Any, stop: Any, result: Any, num: int, endpoint: bool, dtype: Any, axis: int, wrt_start: bool
) -> Any:
    _check_space(False, dtype)
    nd = np.ndim(result)
    w = space_weights(num, endpoint, nd, axis)
    ax = axis % nd
    if wrt_start:
        return result * (1.0 - w) * np.expand_dims(np.asarray(t) / start, ax)
    return result * w * np.expand_dims(np.asarray(t) / stop, ax)


HELPERS: dict[str, Any] = helpers_of(globals(), __name__)
