"""Adjoints and tangents of the matrix decompositions of ``numpy.linalg`` (svd, eigh, eig,
cholesky, qr, pinv), for the rules of :mod:`srcdiff.rules.linalg_module`.

They work on stacks of matrices (the last two axes) and use the array library only through
``np``, in operations that have rules themselves: ``hessian`` differentiates them from their
source.  Decompositions whose derivative is not defined at the point (repeated eigenvalues,
complex results) give ``inf``/``nan`` or are refused; none is silently wrong.

>>> a = np.array([[2.0, 1.0], [7.0, 3.0]])   # eigh reads the lower triangle only
>>> symmetric_from(a, True)
array([[2., 7.],
       [7., 3.]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..runtime import is_zero, unpack_adjoint
from .table import helpers_of, not_supported


def mT(x: Any) -> Any:
    """The matrix transpose of a stack of matrices (the last two axes swapped); a zero adjoint
    (the number 0) stays 0, as when this helper is differentiated again."""
    return 0.0 if is_zero(x) else np.swapaxes(x, -1, -2)


def symmetric_from(a: Any, lower: bool) -> Any:
    """The symmetric matrix that a routine reading only one triangle of ``a`` sees (LAPACK's
    ``UPLO``): the lower triangle mirrored if ``lower``, else the upper one."""
    if lower:
        return np.tril(a) + mT(np.tril(a, -1))
    return np.triu(a) + mT(np.triu(a, 1))


def symmetric_from_adjoint(g: Any, lower: bool) -> Any:
    """The adjoint of :func:`symmetric_from`: off the diagonal, the read triangle collects both
    mirrored entries of ``g``; the other triangle was not read and gets nothing."""
    if lower:
        return np.tril(g) + np.tril(mT(g), -1)
    return np.triu(g) + np.triu(mT(g), 1)


def _eye(n: int) -> Any:
    return np.eye(n)


def _over_gaps(c: Any, d: Any) -> Any:
    """``c / d`` off the diagonal of each matrix (``d``: differences of eigenvalues or squared
    singular values), 0 on it.  A zero difference (a repeated value) met by a nonzero ``c`` is
    refused: the vectors have no derivative there."""
    n = np.shape(d)[-1]
    off = 1.0 - _eye(n)
    gap = (d != 0) * off
    if np.any((gap == 0) * off * (c != 0)):
        raise not_supported(
            "the derivative of eigenvectors or singular vectors at a repeated eigenvalue or singular value",
            "they have none there: differentiate a function of the values only, or of the subspace",
        )
    return gap * c / np.where(gap > 0, d, 1.0)


def _nonzero(s: Any) -> Any:
    """The singular values ``s``, refused if one is zero (the extra singular vectors of a
    rank-deficient non-square matrix have no derivative)."""
    if np.any(s == 0):
        raise not_supported("the derivative of the singular vectors of a rank-deficient matrix", "it has none there")
    return s


def _no_complex(value: Any, what: str) -> None:
    if np.iscomplexobj(value):
        raise not_supported(
            f"{what} with complex results of a real matrix",
            "cast the matrix to complex first (a.astype(complex)): a complex matrix is differentiated",
        )


# -- singular value decomposition -------------------------------------------------------------
def _svd_parts(a: Any, out: Any, full_matrices: bool, compute_uv: bool, hermitian: bool) -> tuple[Any, Any, Any]:
    if hermitian:
        raise not_supported("np.linalg.svd with hermitian=True", "leave hermitian=False (the default)")
    m, n = np.shape(a)[-2], np.shape(a)[-1]
    if compute_uv and full_matrices and m != n:
        raise not_supported(
            "np.linalg.svd(a, full_matrices=True) of a non-square matrix (the extra singular vectors have no "
            "derivative)",
            "pass full_matrices=False",
        )
    if compute_uv:
        u, s, vh = out
        return u, s, vh
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return u, s, vh


def svd_adjoint(g: Any, a: Any, out: Any, full_matrices: bool, compute_uv: bool, hermitian: bool) -> Any:
    """Adjoint of ``np.linalg.svd`` (the reduced factors; singular values must be distinct and
    nonzero for the singular vectors' part)."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    u, s, vh = _svd_parts(a, out, full_matrices, compute_uv, hermitian)
    if compute_uv:
        gu, gs, gvh = unpack_adjoint(g, 3)
    else:
        gu, gs, gvh = 0.0, g, 0.0
    m, n, k = np.shape(u)[-2], np.shape(vh)[-1], np.shape(s)[-1]
    middle = np.zeros(np.shape(s)[:-1] + (k, k)) if is_zero(gs) else _eye(k) * np.expand_dims(gs, -2)
    if is_zero(gu) and is_zero(gvh):
        return u @ middle @ vh
    gaps = np.expand_dims(s, -2) ** 2 - np.expand_dims(s, -1) ** 2
    row, col = np.expand_dims(s, -2), np.expand_dims(s, -1)
    extra = 0.0
    if not is_zero(gu):
        ju = _over_gaps(mT(u) @ gu, gaps)
        middle = middle + (ju + mT(ju)) * row
        if m > k:
            extra = extra + (gu - u @ (mT(u) @ gu)) / _nonzero(row) @ vh
    if not is_zero(gvh):
        gv = mT(gvh)
        jv = _over_gaps(vh @ gv, gaps)
        middle = middle + col * (jv + mT(jv))
        if n > k:
            extra = extra + u @ (mT(gv - mT(vh) @ (vh @ gv)) / _nonzero(col))
    return u @ middle @ vh + extra


def svd_tangent(a: Any, out: Any, t: Any, full_matrices: bool, compute_uv: bool, hermitian: bool) -> Any:
    """Forward mode of ``np.linalg.svd``: the tangents of (U, S, Vh), or of S alone."""
    u, s, vh = _svd_parts(a, out, full_matrices, compute_uv, hermitian)
    v = mT(vh)
    p = mT(u) @ t @ v
    ds = np.diagonal(p, 0, -2, -1)
    if not compute_uv:
        return ds
    m, n, k = np.shape(u)[-2], np.shape(vh)[-1], np.shape(s)[-1]
    gaps = np.expand_dims(s, -2) ** 2 - np.expand_dims(s, -1) ** 2
    row, col = np.expand_dims(s, -2), np.expand_dims(s, -1)
    du = u @ _over_gaps(p * row + col * mT(p), gaps)
    dv = v @ _over_gaps(col * p + mT(p) * row, gaps)
    if m > k:
        du = du + (t @ v - u @ p) / _nonzero(row)
    if n > k:
        dv = dv + (mT(t) @ u - v @ mT(p)) / _nonzero(row)
    return (du, ds, mT(dv))


def singular_values_adjoint(g: Any, a: Any) -> Any:
    """Adjoint of the singular values of ``a`` alone (``U diag(g) Vh``)."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return (u * np.expand_dims(g, -2)) @ vh


def singular_values_tangent(a: Any, t: Any) -> Any:
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return np.diagonal(mT(u) @ t @ mT(vh), 0, -2, -1)


# -- symmetric eigenproblem -------------------------------------------------------------------
def eigh_adjoint(g: Any, a: Any, out: Any, UPLO: Any) -> Any:
    """Adjoint of ``np.linalg.eigh(a, UPLO)`` (the eigenvectors' part needs distinct eigenvalues);
    only the triangle eigh reads gets a derivative."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    w, v = out
    gw, gv = unpack_adjoint(g, 2)
    n = np.shape(w)[-1]
    middle = np.zeros(np.shape(w)[:-1] + (n, n)) if is_zero(gw) else _eye(n) * np.expand_dims(gw, -2)
    if not is_zero(gv):
        middle = middle + _over_gaps(mT(v) @ gv, np.expand_dims(w, -2) - np.expand_dims(w, -1))
    return symmetric_from_adjoint(v @ middle @ mT(v), _lower(UPLO))


def eigh_tangent(a: Any, out: Any, t: Any, UPLO: Any) -> Any:
    w, v = out
    c = mT(v) @ symmetric_from(t, _lower(UPLO)) @ v
    dv = v @ _over_gaps(c, np.expand_dims(w, -2) - np.expand_dims(w, -1))
    return (np.diagonal(c, 0, -2, -1), dv)


def eigvalsh_adjoint(g: Any, a: Any, UPLO: Any) -> Any:
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    _, v = np.linalg.eigh(a, UPLO)
    return symmetric_from_adjoint((v * np.expand_dims(g, -2)) @ mT(v), _lower(UPLO))


def eigvalsh_tangent(a: Any, t: Any, UPLO: Any) -> Any:
    _, v = np.linalg.eigh(a, UPLO)
    return np.diagonal(mT(v) @ symmetric_from(t, _lower(UPLO)) @ v, 0, -2, -1)


def _lower(UPLO: Any) -> bool:
    if UPLO not in ("L", "U", "l", "u"):
        raise not_supported(f"UPLO={UPLO!r}", "pass 'L' or 'U'")
    return UPLO in ("L", "l")


# -- general (real) eigenproblem ----------------------------------------------------------------
def _unit_columns_adjoint(g: Any, v: Any) -> Any:
    """The adjoint (and tangent: the map is symmetric) of keeping each column of ``v`` of unit
    length: the part of ``g`` along each column removed."""
    return g - v * np.expand_dims(np.sum(v * g, axis=-2), -2)


def eig_adjoint(g: Any, a: Any, out: Any, vectors: bool) -> Any:
    """Adjoint of ``np.linalg.eig`` (``vectors``) or ``np.linalg.eigvals`` when every eigenvalue is
    real; complex results are refused."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    w, v = _eig_parts(a, out, vectors)
    gw, gv = unpack_adjoint(g, 2) if vectors else (g, 0.0)
    n = np.shape(w)[-1]
    middle = np.zeros(np.shape(w)[:-1] + (n, n)) if is_zero(gw) else _eye(n) * np.expand_dims(gw, -2)
    if not is_zero(gv):
        gaps = np.expand_dims(w, -2) - np.expand_dims(w, -1)
        middle = middle + _over_gaps(mT(v) @ _unit_columns_adjoint(gv, v), gaps)
    return np.linalg.solve(mT(v), middle @ mT(v))


def eig_tangent(a: Any, out: Any, t: Any, vectors: bool) -> Any:
    w, v = _eig_parts(a, out, vectors)
    c = np.linalg.solve(v, t @ v)
    dw = np.diagonal(c, 0, -2, -1)
    if not vectors:
        return dw
    dv = v @ _over_gaps(c, np.expand_dims(w, -2) - np.expand_dims(w, -1))
    return (dw, _unit_columns_adjoint(dv, v))


def _eig_parts(a: Any, out: Any, vectors: bool) -> tuple[Any, Any]:
    if vectors:
        w, v = out
    else:
        w, v = np.linalg.eig(a)
    _no_complex(w, "np.linalg.eig / eigvals")
    return w, v


# -- Cholesky ---------------------------------------------------------------------------------
def _half_lower(x: Any) -> Any:
    """The lower triangle of ``x`` with half its diagonal."""
    return np.tril(x) - 0.5 * _eye(np.shape(x)[-1]) * x


def cholesky_factor_adjoint(g: Any, factor: Any, upper: bool) -> Any:
    """Adjoint of the Cholesky factor (``upper``: ``U = L.T``) with respect to the symmetric
    matrix it factors, before the triangle is picked (symmetric)."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    low = mT(factor) if upper else factor
    gl = mT(g) if upper else g
    inv = np.linalg.inv(low)
    s = mT(inv) @ _half_lower(mT(low) @ gl) @ inv
    return 0.5 * (s + mT(s))


def cholesky_factor_tangent(factor: Any, t: Any, upper: bool) -> Any:
    low = mT(factor) if upper else factor
    inv = np.linalg.inv(low)
    d = low @ _half_lower(inv @ t @ mT(inv))
    return mT(d) if upper else d


def cholesky_adjoint(g: Any, out: Any, upper: bool) -> Any:
    """Adjoint of ``np.linalg.cholesky(a, upper=upper)``, which reads one triangle of ``a``."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    return symmetric_from_adjoint(cholesky_factor_adjoint(g, out, upper), not upper)


def cholesky_tangent(out: Any, t: Any, upper: bool) -> Any:
    return cholesky_factor_tangent(out, symmetric_from(t, not upper), upper)


# -- QR ---------------------------------------------------------------------------------------
def _qr_parts(a: Any, out: Any, mode: str) -> tuple[Any, Any]:
    m, n = np.shape(a)[-2], np.shape(a)[-1]
    if mode not in ("reduced", "complete", "r") or (mode == "complete" and m > n):
        raise not_supported(
            f"np.linalg.qr(a, mode={mode!r})" + (" of a tall matrix" if mode == "complete" else ""),
            "use mode='reduced' (the default) or 'r'",
        )
    if mode == "r":
        q, r = np.linalg.qr(a)
        return q, r
    q, r = out
    return q, r


def _copy_lower(x: Any) -> Any:
    """The symmetric matrix with the lower triangle of ``x``."""
    return np.tril(x) + mT(np.tril(x, -1))


def _qr_square_adjoint(gq: Any, gr: Any, q: Any, r: Any) -> Any:
    """Adjoint of the QR factors of a tall or square matrix (R square and invertible)."""
    m = r @ mT(gr) - mT(gq) @ q
    return mT(np.linalg.solve(r, mT(gq + q @ _copy_lower(m))))


def qr_adjoint(g: Any, a: Any, out: Any, mode: str) -> Any:
    """Adjoint of ``np.linalg.qr`` (full column rank; a wide matrix is split as ``[X, Y]`` with
    ``X`` square)."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    q, r = _qr_parts(a, out, mode)
    gq, gr = unpack_adjoint(g, 2) if mode != "r" else (0.0, g)
    gq = np.zeros(np.shape(q)) if is_zero(gq) else gq
    gr = np.zeros(np.shape(r)) if is_zero(gr) else gr
    m, n = np.shape(a)[-2], np.shape(a)[-1]
    if m >= n:
        return _qr_square_adjoint(gq, gr, q, r)
    y = a[..., :, m:]
    gy = q @ gr[..., :, m:]
    gx = _qr_square_adjoint(gq + y @ mT(gr[..., :, m:]), gr[..., :, :m], q, r[..., :, :m])
    return np.concatenate([gx, gy], axis=-1)


def qr_tangent(a: Any, out: Any, t: Any, mode: str) -> Any:
    q, r = _qr_parts(a, out, mode)
    m, n = np.shape(a)[-2], np.shape(a)[-1]
    x, tx = (r, t) if m >= n else (r[..., :, :m], t[..., :, :m])
    c = mT(np.linalg.solve(mT(x), mT(mT(q) @ tx)))  # Q^T dX X^-1
    low = np.tril(c, -1)
    omega = low - mT(low)
    dx = (c - omega) @ x
    dq = q @ omega + tx @ np.linalg.inv(x) - q @ c
    dr = dx if m >= n else np.concatenate([dx, mT(dq) @ a[..., :, m:] + mT(q) @ t[..., :, m:]], axis=-1)
    return dr if mode == "r" else (dq, dr)


# -- pseudo-inverse -------------------------------------------------------------------------------
def pinv_adjoint(g: Any, a: Any, out: Any, hermitian: bool) -> Any:
    """Adjoint of ``np.linalg.pinv``: the derivative along perturbations that keep the rank (pinv
    jumps where the rank changes; at full rank that is every perturbation)."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    a = symmetric_from(a, True) if hermitian else a
    p, pt = out, mT(out)
    d = -pt @ g @ pt + (mT(g) - a @ (p @ mT(g))) @ (p @ pt) + (pt @ p) @ (mT(g) - (mT(g) @ p) @ a)
    return symmetric_from_adjoint(d, True) if hermitian else d


def pinv_tangent(a: Any, out: Any, t: Any, hermitian: bool) -> Any:
    if hermitian:
        a, t = symmetric_from(a, True), symmetric_from(t, True)
    p, pt = out, mT(out)
    return -p @ t @ p + (p @ pt) @ (mT(t) - (mT(t) @ a) @ p) + (mT(t) - p @ (a @ mT(t))) @ (pt @ p)


HELPERS: dict[str, Any] = helpers_of(globals(), __name__)
