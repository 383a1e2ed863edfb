"""Rules for scipy.linalg's solvers of structured systems: ``solve_banded`` (a matrix stored by
its diagonals) and ``solve_sylvester`` (``A X + X B = Q``).  Defined into the linalg table with
the other scipy.linalg rules (:mod:`srcdiff.rules.scipy_linalg`).

``solve_banded((l, u), ab, b)`` solves ``A x = b`` for the matrix whose diagonal ``k`` (from
``-l`` to ``u``) is row ``u - k`` of ``ab``; the entries of ``ab`` outside the band are not
read, so they get a zero derivative.

>>> ab = np.array([[0.0, 1.0, 2.0], [4.0, 5.0, 6.0], [7.0, 8.0, 0.0]])
>>> banded_matrix((1, 1), ab)
array([[4., 1., 0.],
       [7., 5., 2.],
       [0., 8., 6.]])
>>> band_of((1, 1), banded_matrix((1, 1), ab))
array([[0., 1., 2.],
       [4., 5., 6.],
       [7., 8., 0.]])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg as sla

from ..runtime import is_zero
from .table import RuleTable, register_helpers, rule


def banded_matrix(l_and_u: Any, ab: Any) -> Any:
    """The square matrix ``ab`` stores by diagonals (its diagonal ``k`` is row ``u - k`` of ``ab``)."""
    lower, upper = l_and_u
    n = np.shape(ab)[-1]
    out = np.zeros((n, n))
    for k in range(-lower, upper + 1):
        if k >= 0:
            out = out + np.diag(ab[upper - k, k:], k)
        else:
            out = out + np.diag(ab[upper - k, : n + k], k)
    return out


def band_of(l_and_u: Any, m: Any) -> Any:
    """The diagonal storage of ``m``'s band (zeros where the storage has no entry of it): the
    adjoint of :func:`banded_matrix`."""
    lower, upper = l_and_u
    rows = []
    for k in range(upper, -lower - 1, -1):
        gap = np.zeros(abs(k))
        diagonal = np.diagonal(m, k)
        rows.append(np.concatenate([gap, diagonal]) if k >= 0 else np.concatenate([diagonal, gap]))
    return np.stack(rows)


def solve_banded_adjoint(g: Any, l_and_u: Any, ab: Any, b: Any, out: Any, wrt_ab: bool) -> Any:
    """Adjoint of ``x = solve_banded(l_and_u, ab, b)``: ``A^T y = g``; ``b`` gets ``y``, ``ab``
    the band of ``-y x^T``."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    y = np.linalg.solve(banded_matrix(l_and_u, ab).T, g)
    if not wrt_ab:
        return y
    return band_of(l_and_u, -(np.outer(y, out) if np.ndim(out) == 1 else y @ out.T))


def solve_banded_tangent(l_and_u: Any, ab: Any, out: Any, t: Any, wrt_ab: bool) -> Any:
    """Forward mode: ``A dx = db``, or ``A dx = -dA x``."""
    a = banded_matrix(l_and_u, ab)
    if not wrt_ab:
        return np.linalg.solve(a, t)
    return -np.linalg.solve(a, banded_matrix(l_and_u, t) @ out)


def sylvester_adjoint(g: Any, a: Any, b: Any, out: Any, wrt: str) -> Any:
    """Adjoint of ``X = solve_sylvester(A, B, Q)`` (``A X + X B = Q``): ``Y`` solving
    ``A^T Y + Y B^T = G`` is ``Q``'s; ``A`` gets ``-Y X^T``, ``B`` gets ``-X^T Y``."""
    if is_zero(g):
        return 0.0
    y = sla.solve_sylvester(a.T, b.T, g)
    if wrt == "q":
        return y
    return -(y @ out.T) if wrt == "a" else -(out.T @ y)


def sylvester_tangent(a: Any, b: Any, out: Any, t: Any, wrt: str) -> Any:
    """Forward mode: ``A dX + dX B = dQ - dA X - X dB``."""
    right = t if wrt == "q" else -(t @ out) if wrt == "a" else -(out @ t)
    return sla.solve_sylvester(a, b, right)


register_helpers(
    {
        name: fn
        for name, fn in list(globals().items())
        if callable(fn) and not name.startswith("_") and getattr(fn, "__module__", None) == __name__
    }
)


def define(table: RuleTable) -> None:
    """Put the rules of scipy.linalg's structured solvers into ``table``."""
    banded = "g, l_and_u, ab, b, out, {}"
    table.define(
        sla.solve_banded,
        rule(
            "l_and_u, ab, b, overwrite_ab=False, overwrite_b=False, check_finite=True",
            elementwise=False,
            sequences="l_and_u",
            ab=f"solve_banded_adjoint({banded.format('True')})",
            b=f"solve_banded_adjoint({banded.format('False')})",
            jvp={
                "ab": "solve_banded_tangent(l_and_u, ab, out, t, True)",
                "b": "solve_banded_tangent(l_and_u, ab, out, t, False)",
            },
        ),
    )
    table.define(
        sla.solve_sylvester,
        rule(
            "a, b, q",
            elementwise=False,
            a="sylvester_adjoint(g, a, b, out, 'a')",
            b="sylvester_adjoint(g, a, b, out, 'b')",
            q="sylvester_adjoint(g, a, b, out, 'q')",
            jvp={p: f"sylvester_tangent(a, b, out, t, {p!r})" for p in ("a", "b", "q")},
        ),
    )
