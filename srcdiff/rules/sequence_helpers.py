"""Adjoint helpers of the rules for functions of a sequence of numbers (``math.prod``,
``math.dist``, the ``statistics`` module: :mod:`srcdiff.rules.statistics_module`).  The adjoint of
a list or tuple is a :class:`~srcdiff.runtime.SeqAdjoint` (one adjoint per item); of an array, an
array of its shape.  Plain Python, so srcdiff differentiates them from their source for second
derivatives; the sorted places of the medians are constants.

>>> list(prod_items_adjoint(1.0, [2.0, 3.0, 4.0], 1))
[12.0, 8.0, 6.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..runtime import SeqAdjoint, is_zero, reciprocal_or_zero
from .table import helpers_of, not_supported


def items_like(values: Any, data: Any) -> Any:
    """``values`` (one per item of ``data``) as the adjoint of ``data``."""
    if isinstance(data, np.ndarray):
        return np.reshape(np.array(values), np.shape(data))
    return SeqAdjoint(values)


def weighted_sum(t: Any, weights: Any) -> Any:
    """``sum(w * t_i)``: a tangent's share (``weights`` one per item)."""
    total = 0.0
    for w, ti in zip(weights, t):
        total = total + w * ti
    return total


# -- math ---------------------------------------------------------------------------------------
def prod_items_adjoint(g: Any, seq: Any, start: Any = 1) -> Any:
    """Adjoint of ``math.prod(seq, start=start)``: the product of all *other* items (exact with zeros)."""
    items = list(seq)
    out = []
    for k in range(len(items)):
        p = start
        for j in range(len(items)):
            if j != k:
                p = p * items[j]
        out.append(g * p)
    return items_like(out, seq)


def prod_items_tangent(t: Any, seq: Any, start: Any = 1) -> Any:
    return weighted_sum(t, prod_items_adjoint(1.0, seq, start))


def dist_adjoint(g: Any, p: Any, q: Any, out: Any, sign: float) -> Any:
    """Adjoint of ``math.dist(p, q)`` in ``p`` (``sign`` 1) or ``q`` (-1); at ``p == q`` (a kink) the
    zero subgradient, as for a norm."""
    scale = sign * g * reciprocal_or_zero(out)
    return items_like([scale * (a - b) for a, b in zip(p, q)], p if sign > 0 else q)


def dist_tangent(t: Any, p: Any, q: Any, out: Any, sign: float) -> Any:
    return weighted_sum(t, dist_adjoint(1.0, p, q, out, sign))


# -- statistics ---------------------------------------------------------------------------------
def mean_items_adjoint(g: Any, data: Any, weights: Any = None) -> Any:
    """Adjoint of ``statistics.mean``/``fmean`` in ``data``: ``g w_i / sum(w)`` (``w = 1`` without weights)."""
    n = len(data)
    if weights is None:
        return items_like([g / n for _ in range(n)], data)
    total = sum(weights)
    return items_like([g * w / total for w in weights], data)


def fmean_weights_adjoint(g: Any, data: Any, weights: Any, out: Any) -> Any:
    """Adjoint of ``statistics.fmean(data, weights)`` in ``weights``: ``g (x_i - out) / sum(w)``."""
    total = sum(weights)
    return items_like([g * (x - out) / total for x in data], weights)


def variance_items_adjoint(g: Any, data: Any, center: Any, ddof: int) -> Any:
    """Adjoint of ``statistics.pvariance`` (``ddof`` 0) / ``variance`` (1) in ``data``, about the mean
    or a given ``center`` (``mu``, ``xbar``): ``2 g (x_i - c) / (n - ddof)``."""
    n = len(data)
    c = sum(data) / n if center is None else center
    return items_like([2.0 * g * (x - c) / (n - ddof) for x in data], data)


def variance_center_adjoint(g: Any, data: Any, center: Any, ddof: int) -> Any:
    """... and in the given center: ``-2 g sum(x_i - c) / (n - ddof)``."""
    n = len(data)
    return -2.0 * g * (sum(data) - n * center) / (n - ddof)


def variance_items_tangent(t: Any, data: Any, center: Any, ddof: int) -> Any:
    return weighted_sum(t, variance_items_adjoint(1.0, data, center, ddof))


def median_weights(data: Any, which: str) -> list[float]:
    """The weight of each item in ``statistics.median`` (``which`` ``"mid"``), ``median_low``
    (``"low"``) or ``median_high`` (``"high"``): the sorted middle place(s), equal items in their
    order in ``data`` (a stable sort: at a tie one item gets the place)."""
    items = [float(x) for x in data]
    n = len(items)
    order = sorted(range(n), key=items.__getitem__)
    weights = [0.0] * n
    if n % 2 == 1:
        weights[order[n // 2]] = 1.0
    elif which == "mid":
        weights[order[n // 2 - 1]] += 0.5
        weights[order[n // 2]] += 0.5
    else:
        weights[order[n // 2 - 1 if which == "low" else n // 2]] = 1.0
    return weights


def scaled_items(g: Any, weights: Any, data: Any) -> Any:
    """``g w_i`` for each weight, as the adjoint of ``data``."""
    if is_zero(g):
        return 0.0
    return items_like([g * w for w in weights], data)


def geometric_mean_adjoint(g: Any, data: Any, out: Any) -> Any:
    """Adjoint of ``statistics.geometric_mean``: ``g out / (n x_i)``."""
    n = len(data)
    return items_like([g * out / (n * x) for x in data], data)


def harmonic_mean_adjoint(g: Any, data: Any, weights: Any, out: Any) -> Any:
    """Adjoint of ``statistics.harmonic_mean`` in ``data``: ``g out**2 w_i / (sum(w) x_i**2)``."""
    if any(x == 0 for x in data):
        raise not_supported("statistics.harmonic_mean of data with a zero", "its derivative is not defined there")
    ws = [1.0 for _ in data] if weights is None else list(weights)
    total = sum(ws)
    return items_like([g * out * out * w / (total * x * x) for w, x in zip(ws, data)], data)


def harmonic_weights_adjoint(g: Any, data: Any, weights: Any, out: Any) -> Any:
    """... in ``weights``: ``g (out / sum(w)) (1 - out / x_i)``."""
    total = sum(weights)
    return items_like([g * out / total * (1.0 - out / x) for x in data], weights)


def covariance_adjoint(g: Any, x: Any, y: Any) -> Any:
    """Adjoint of ``statistics.covariance(x, y)`` in ``x`` (swap them for ``y``)."""
    n = len(y)
    my = sum(y) / n
    return items_like([g * (b - my) / (n - 1) for b in y], x)


def correlation_adjoint(g: Any, x: Any, y: Any, out: Any) -> Any:
    """Adjoint of ``statistics.correlation(x, y)`` (Pearson's) in ``x`` (swap them for ``y``)."""
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxx = sum([(a - mx) * (a - mx) for a in x])
    syy = sum([(b - my) * (b - my) for b in y])
    root = (sxx * syy) ** 0.5
    return items_like([g * ((b - my) / root - out * (a - mx) / sxx) for a, b in zip(x, y)], x)


def sequence_items_tangent(t: Any, adjoint_of_one: Any) -> Any:
    """A tangent from the adjoint of 1 (a function of one sequence, to first order)."""
    return weighted_sum(t, adjoint_of_one)


HELPERS: dict[str, Any] = helpers_of(globals(), __name__)
