"""Rules for ``scipy.linalg``, defined into :data:`srcdiff.rules.linalg_module.LINALG` the first
time a rule lookup misses after scipy was imported (``import srcdiff`` does not import scipy).

Routines that read one triangle of a matrix (``cholesky``, ``cho_factor``, ``cho_solve``,
``solve_triangular``, ``solve(assume_a='pos')``, ...) give the other triangle a zero derivative.
``expm``, ``sqrtm`` and ``logm`` are differentiated through the block-matrix identity
``f([[A, E], [0, A]]) = [[f(A), L(A, E)], [0, f(A)]]`` (``L`` the Fréchet derivative, whose
adjoint is ``L(A.T, .)``); complex results are refused.

>>> frechet_block(np.eye(2), np.ones((2, 2)), "expm")   # d/dt exp(I + tE) = e E at t = 0
array([[2.71828183, 2.71828183],
       [2.71828183, 2.71828183]])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg as sla

from ..runtime import SeqAdjoint, is_zero, unpack_adjoint
from .linalg_helpers import (
    cholesky_adjoint,
    cholesky_tangent,
    mT,
    symmetric_from,
    symmetric_from_adjoint,
)
from .linalg_solvers import solve_adjoint
from .table import RuleTable, not_supported, register_helpers, rule

_GENERAL = (None, "gen", "general")
_SYMMETRIC = ("sym", "her", "pos", "symmetric", "hermitian", "positive definite")


def structured(a: Any, assume_a: Any, lower: bool) -> Any:
    """The matrix scipy's ``solve`` / ``inv`` read from ``a`` given ``assume_a``."""
    if assume_a in _GENERAL:
        return a
    if assume_a in _SYMMETRIC:
        return symmetric_from(a, lower)
    if assume_a in ("upper triangular", "lower triangular"):
        return np.triu(a) if assume_a == "upper triangular" else np.tril(a)
    if assume_a == "diagonal":
        return a * np.eye(np.shape(a)[-1])
    raise not_supported(f"scipy.linalg with assume_a={assume_a!r}", "use 'general', 'sym', 'pos' or a triangular one")


def structured_adjoint(g: Any, assume_a: Any, lower: bool) -> Any:
    """The adjoint of :func:`structured` (the entries scipy does not read get nothing)."""
    if assume_a in _SYMMETRIC:
        return symmetric_from_adjoint(g, lower)
    return structured(g, assume_a, lower)


def scipy_solve_adjoint(
    g: Any, a: Any, b: Any, out: Any, lower: bool, assume_a: Any, transposed: bool, wrt_a: bool
) -> Any:
    """Adjoint of ``scipy.linalg.solve``."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    m = structured(a, assume_a, lower)
    m = mT(m) if transposed else m
    d = solve_adjoint(g, m, b, out, wrt_a)
    if not wrt_a:
        return d
    return structured_adjoint(mT(d) if transposed else d, assume_a, lower)


def scipy_solve_tangent(
    a: Any, b: Any, out: Any, lower: bool, assume_a: Any, transposed: bool, t: Any, wrt_a: bool
) -> Any:
    m = structured(a, assume_a, lower)
    m = mT(m) if transposed else m
    if not wrt_a:
        return np.linalg.solve(m, t[..., None])[..., 0] if np.ndim(b) == 1 else np.linalg.solve(m, t)
    dm = structured(t, assume_a, lower)
    dm = mT(dm) if transposed else dm
    if np.ndim(b) == 1:
        return -np.linalg.solve(m, dm @ np.asarray(out)[..., None])[..., 0]
    return -np.linalg.solve(m, dm @ out)


def scipy_inv_adjoint(g: Any, out: Any, assume_a: Any, lower: bool) -> Any:
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    return structured_adjoint(-mT(out) @ g @ mT(out), assume_a, lower)


def scipy_inv_tangent(out: Any, t: Any, assume_a: Any, lower: bool) -> Any:
    return -out @ structured(t, assume_a, lower) @ out


# -- triangular solves and factorizations -------------------------------------------------------
def _triangle(a: Any, lower: bool, unit_diagonal: bool = False) -> Any:
    t = np.tril(a) if lower else np.triu(a)
    if unit_diagonal:
        eye = np.eye(np.shape(a)[-1])
        return t - t * eye + eye
    return t


def _triangle_adjoint(g: Any, lower: bool, unit_diagonal: bool = False) -> Any:
    t = np.tril(g) if lower else np.triu(g)
    return t - t * np.eye(np.shape(g)[-1]) if unit_diagonal else t


def _transposing(trans: Any) -> bool:
    if trans in (0, "N"):
        return False
    if trans in (1, 2, "T", "C"):
        return True
    raise not_supported(f"trans={trans!r}", "pass 0, 1, 2, 'N', 'T' or 'C'")


def triangular_adjoint(
    g: Any, a: Any, b: Any, out: Any, trans: Any, lower: bool, unit_diagonal: bool, wrt_a: bool
) -> Any:
    """Adjoint of ``scipy.linalg.solve_triangular`` (only the triangle it reads gets one)."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    m = _triangle(a, lower, unit_diagonal)
    m = mT(m) if _transposing(trans) else m
    d = solve_adjoint(g, m, b, out, wrt_a)
    if not wrt_a:
        return d
    return _triangle_adjoint(mT(d) if _transposing(trans) else d, lower, unit_diagonal)


def triangular_tangent(
    a: Any, b: Any, out: Any, trans: Any, lower: bool, unit_diagonal: bool, t: Any, wrt_a: bool
) -> Any:
    return scipy_solve_tangent(
        _triangle(a, lower, unit_diagonal),
        b,
        out,
        lower,
        None,
        _transposing(trans),
        _triangle_adjoint(t, lower, unit_diagonal) if wrt_a else t,
        wrt_a,
    )


def cho_factor_adjoint(g: Any, out: Any) -> Any:
    """Adjoint of ``scipy.linalg.cho_factor``: its result holds the factor in one triangle and
    the input's own entries (unread) in the other."""
    gc = unpack_adjoint(g, 2)[0]
    if is_zero(gc):
        return 0.0
    c, lower = out
    factor = _triangle(c, lower)
    return cholesky_adjoint(_triangle(gc, lower), factor, not lower) + (gc - _triangle(gc, lower))


def cho_factor_tangent(out: Any, t: Any) -> Any:
    c, lower = out
    return (cholesky_tangent(_triangle(c, lower), t, not lower) + (t - _triangle(t, lower)), 0.0)


def cho_solve_adjoint(g: Any, c_and_lower: Any, b: Any, out: Any, wrt_c: bool) -> Any:
    """Adjoint of ``scipy.linalg.cho_solve((c, lower), b)``: ``x = A^-1 b`` for ``A`` the
    product of the factor in one triangle of ``c`` and its transpose."""
    c, lower = c_and_lower
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return SeqAdjoint([0.0, 0.0]) if wrt_c else 0.0
    factor = _triangle(c, lower)
    matrix = factor @ mT(factor) if lower else mT(factor) @ factor
    d = solve_adjoint(g, matrix, b, out, wrt_c)
    if not wrt_c:
        return d
    full = d + mT(d)
    gf = full @ factor if lower else factor @ full
    return SeqAdjoint([_triangle(gf, lower), 0.0])


def cho_solve_tangent(c_and_lower: Any, b: Any, out: Any, t: Any, wrt_c: bool) -> Any:
    c, lower = c_and_lower
    factor = _triangle(c, lower)
    matrix = factor @ mT(factor) if lower else mT(factor) @ factor
    if not wrt_c:
        return scipy_solve_tangent(matrix, b, out, True, None, False, t, False)
    tangents = t if isinstance(t, (list, tuple)) else [0.0, 0.0]
    if is_zero(tangents[0]):
        return np.zeros(np.shape(out))
    df = _triangle(tangents[0], lower)
    dm = df @ mT(factor) + factor @ mT(df) if lower else mT(df) @ factor + mT(factor) @ df
    return scipy_solve_tangent(matrix, b, out, True, None, False, dm, True)


def lu_permutation(piv: Any) -> Any:
    """The row order of LAPACK's pivots: ``P @ a`` is ``a[perm]`` (row ``i`` swapped with ``piv[i]``, in turn)."""
    perm = np.arange(len(piv))
    for i, p in enumerate(piv):
        perm[i], perm[p] = perm[p], perm[i]
    return perm


def _lu_parts(lu: Any) -> tuple[Any, Any]:
    n = np.shape(lu)[-1]
    if np.shape(lu)[-2] != n:
        raise not_supported("scipy.linalg.lu_factor of a non-square matrix", "factor a square matrix")
    return np.tril(lu, -1) + np.eye(n), np.triu(lu)


def lu_factor_adjoint(g: Any, out: Any) -> Any:
    """Adjoint of ``scipy.linalg.lu_factor`` (``P A = L U``, the pivots constant nearby)."""
    glu = unpack_adjoint(g, 2)[0]
    if is_zero(glu):
        return 0.0
    lu, piv = out
    low, up = _lu_parts(lu)
    m = np.tril(mT(low) @ np.tril(glu, -1), -1) + np.triu(np.triu(glu) @ mT(up))
    d = mT(np.linalg.solve(up, mT(np.linalg.solve(mT(low), m))))  # L^-T m U^-T
    return d[np.argsort(lu_permutation(piv))]


def lu_factor_tangent(a: Any, out: Any, t: Any) -> Any:
    lu, piv = out
    low, up = _lu_parts(lu)
    inner = mT(np.linalg.solve(mT(up), mT(np.linalg.solve(low, t[lu_permutation(piv)]))))  # L^-1 P t U^-1
    return (low @ np.tril(inner, -1) + np.triu(inner) @ up, 0.0)


def lu_solve_adjoint(g: Any, lu_and_piv: Any, b: Any, out: Any, trans: Any, wrt_lu: bool) -> Any:
    """Adjoint of ``scipy.linalg.lu_solve((lu, piv), b, trans)``: ``A = P^T L U``."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return SeqAdjoint([0.0, 0.0]) if wrt_lu else 0.0
    lu, piv = lu_and_piv
    low, up = _lu_parts(lu)
    matrix = (low @ up)[np.argsort(lu_permutation(piv))]
    matrix = mT(matrix) if _transposing(trans) else matrix
    d = solve_adjoint(g, matrix, b, out, wrt_lu)
    if not wrt_lu:
        return d
    d = mT(d) if _transposing(trans) else d
    pd = d[lu_permutation(piv)]
    return SeqAdjoint([np.tril(pd @ mT(up), -1) + np.triu(mT(low) @ pd), 0.0])


def lu_solve_tangent(lu_and_piv: Any, b: Any, out: Any, trans: Any, t: Any, wrt_lu: bool) -> Any:
    lu, piv = lu_and_piv
    low, up = _lu_parts(lu)
    matrix = (low @ up)[np.argsort(lu_permutation(piv))]
    if not wrt_lu:
        return scipy_solve_tangent(matrix, b, out, True, None, _transposing(trans), t, False)
    tangents = t if isinstance(t, (list, tuple)) else [0.0, 0.0]
    if is_zero(tangents[0]):
        return np.zeros(np.shape(out))
    dm = (np.tril(tangents[0], -1) @ up + low @ np.triu(tangents[0]))[np.argsort(lu_permutation(piv))]
    return scipy_solve_tangent(matrix, b, out, True, None, _transposing(trans), dm, True)


# -- matrix functions ---------------------------------------------------------------------------
def frechet_block(a: Any, e: Any, name: str) -> Any:
    """The Fréchet derivative of the matrix function ``name`` at ``a`` in the direction ``e``: the
    top right block of the function of ``[[a, e], [0, a]]``."""
    n = np.shape(a)[-1]
    top = np.concatenate([a, e], axis=-1)
    bottom = np.concatenate([np.zeros(np.shape(a)), a], axis=-1)
    block = np.concatenate([top, bottom], axis=-2)
    if name == "expm":
        f = sla.expm(block)
    elif name == "sqrtm":
        f = sla.sqrtm(block)
    else:
        f = sla.logm(block)
    if np.iscomplexobj(f):
        raise not_supported(f"scipy.linalg.{name} with a complex result", "complex numbers are not supported yet")
    return f[..., :n, n:]


def matrix_function_adjoint(g: Any, a: Any, out: Any, name: str) -> Any:
    """Adjoint of ``scipy.linalg.expm`` / ``sqrtm`` / ``logm``."""
    if np.iscomplexobj(out):
        raise not_supported(f"scipy.linalg.{name} with a complex result", "complex numbers are not supported yet")
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    return frechet_block(mT(a), g, name)


def matrix_function_tangent(a: Any, out: Any, t: Any, name: str) -> Any:
    if np.iscomplexobj(out):
        raise not_supported(f"scipy.linalg.{name} with a complex result", "complex numbers are not supported yet")
    return frechet_block(a, t, name)


register_helpers(
    {
        name: fn
        for name, fn in list(globals().items())
        if callable(fn) and not name.startswith("_") and getattr(fn, "__module__", None) == __name__
    }
)


def define(table: RuleTable) -> None:
    """Put the scipy.linalg rules into ``table``."""
    from . import scipy_structured

    scipy_structured.define(table)

    def d(fn: Any, signature: str, **kwargs: Any) -> None:
        table.define(fn, rule(signature, elementwise=False, **kwargs))

    solve = "g, a, b, out, lower, assume_a, transposed, {}"
    d(
        sla.solve,
        "a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True, assume_a=None, transposed=False",
        a=f"scipy_solve_adjoint({solve.format('True')})",
        b=f"scipy_solve_adjoint({solve.format('False')})",
        jvp={
            "a": "scipy_solve_tangent(a, b, out, lower, assume_a, transposed, t, True)",
            "b": "scipy_solve_tangent(a, b, out, lower, assume_a, transposed, t, False)",
        },
    )
    d(
        sla.inv,
        "a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False",
        a="scipy_inv_adjoint(g, out, assume_a, lower)",
        jvp={"a": "scipy_inv_tangent(out, t, assume_a, lower)"},
    )
    d(
        sla.det,
        "a, overwrite_a=False, check_finite=True",
        a="np.asarray(g * out)[..., None, None] * mT(np.linalg.inv(a))",
        jvp={"a": "out * np.trace(np.linalg.solve(a, t), axis1=-2, axis2=-1)"},
    )
    d(
        sla.cholesky,
        "a, lower=False, overwrite_a=False, check_finite=True",
        a="cholesky_adjoint(g, out, not lower)",
        jvp={"a": "cholesky_tangent(out, t, not lower)"},
    )
    d(
        sla.cho_factor,
        "a, lower=False, overwrite_a=False, check_finite=True",
        a="cho_factor_adjoint(g, out)",
        jvp={"a": "cho_factor_tangent(out, t)"},
    )
    d(
        sla.cho_solve,
        "c_and_lower, b, overwrite_b=False, check_finite=True",
        sequences="c_and_lower",
        c_and_lower="cho_solve_adjoint(g, c_and_lower, b, out, True)",
        b="cho_solve_adjoint(g, c_and_lower, b, out, False)",
        jvp={
            "c_and_lower": "cho_solve_tangent(c_and_lower, b, out, t, True)",
            "b": "cho_solve_tangent(c_and_lower, b, out, t, False)",
        },
    )
    tri = "a, b, out, trans, lower, unit_diagonal"
    d(
        sla.solve_triangular,
        "a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False, check_finite=True",
        a=f"triangular_adjoint(g, {tri}, True)",
        b=f"triangular_adjoint(g, {tri}, False)",
        jvp={"a": f"triangular_tangent({tri}, t, True)", "b": f"triangular_tangent({tri}, t, False)"},
    )
    d(
        sla.lu_factor,
        "a, overwrite_a=False, check_finite=True",
        a="lu_factor_adjoint(g, out)",
        jvp={"a": "lu_factor_tangent(a, out, t)"},
    )
    d(
        sla.lu_solve,
        "lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True",
        sequences="lu_and_piv",
        lu_and_piv="lu_solve_adjoint(g, lu_and_piv, b, out, trans, True)",
        b="lu_solve_adjoint(g, lu_and_piv, b, out, trans, False)",
        jvp={
            "lu_and_piv": "lu_solve_tangent(lu_and_piv, b, out, trans, t, True)",
            "b": "lu_solve_tangent(lu_and_piv, b, out, trans, t, False)",
        },
    )
    for fn in (sla.expm, sla.sqrtm, sla.logm):
        name = fn.__name__
        d(
            fn,
            "A",
            A=f"matrix_function_adjoint(g, A, out, {name!r})",
            jvp={"A": f"matrix_function_tangent(A, out, t, {name!r})"},
        )
    table.constant(lu_permutation)
