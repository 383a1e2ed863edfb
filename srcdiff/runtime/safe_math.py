"""Factors of derivatives that are 0 where the mathematically exact derivative term vanishes,
although the formula alone would give ``0 * inf`` or ``nan`` there (``x ** 2`` at ``x = 0``,
the masked branch of ``np.where``).

>>> log_or_zero(0.0), power_term(1.0, 2.0, 0.0, 2.0)
(0.0, 0.0)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .adjoints import NUMBER_TYPES, is_zero


def zero_where_zero(term: Any, g: Any) -> Any:
    """``term`` (a contribution ``g * partial``) with exact zeros where ``g`` is zero: where
    ``np.where`` masked an entry out, its partial may be infinite (``n / d`` at ``d == 0``) and
    ``0 * inf`` would make the gradient NaN.

    >>> with np.errstate(divide="ignore", invalid="ignore"):
    ...     zero_where_zero(np.array([0.0, 2.0]) / np.array([0.0, 1.0]), np.array([0.0, 2.0]))
    array([0., 2.])
    """
    if is_zero(g):
        return 0.0
    if np.ndim(g) == 0 and np.ndim(term) == 0:
        return term if g != 0 else 0.0 * g
    return np.where(np.asarray(g) == 0, 0.0, term)


def log_or_zero(x: Any) -> Any:
    """``log(x)`` where ``x > 0``, else 0: the exponent's partial of ``x ** y`` (0 ** y has 0 there)."""
    if isinstance(x, NUMBER_TYPES):
        return math.log(x) if x > 0 else 0.0
    x = np.asarray(x)
    return np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), 0.0)


def power_base_adjoint(g: Any, a: Any, b: Any) -> Any:
    """``g * d(a ** b)/da`` for a variable exponent ``b``: zero where ``b == 0`` (even at ``a == 0``)."""
    return power_term(g, b, a, b - 1)


def power_term(g: Any, c: Any, a: Any, e: Any) -> Any:
    """``g * c * a ** e``, the terms derivatives of powers are made of, exact at ``a == 0``: zero
    where ``c == 0`` (``d(a ** 1)/da`` at 0 is 1, and its derivative ``1 * 0 * a ** -1`` is 0, not
    an error), and ``inf`` where ``a == 0`` and ``e < 0`` (the derivative of ``a ** 0.5`` at 0 is
    infinite: Python's ``0.0 ** -0.5`` would raise)."""
    if all(isinstance(v, NUMBER_TYPES) for v in (g, c, a, e)):
        if c == 0 or g == 0:  # (no 0 * inf)
            return 0.0 * g
        if a == 0 and e < 0:
            return g * c * math.inf
        return g * c * a**e
    c = np.asarray(c)
    with np.errstate(divide="ignore", invalid="ignore"):
        # floats: numpy refuses integers to negative integer powers
        return np.where((c == 0) | (np.asarray(g) == 0), 0.0, g * c * np.power(np.asarray(a, dtype=float), e))


def reciprocal_or_zero(x: Any) -> Any:
    """``1 / x`` where ``x > 0``, else 0: the derivative of :func:`log_or_zero`."""
    if isinstance(x, NUMBER_TYPES):
        return 1.0 / x if x > 0 else 0.0
    x = np.asarray(x)
    return np.where(x > 0, 1.0 / np.where(x > 0, x, 1.0), 0.0)
