"""Linear algebra of complex matrices: adjoints and tangents of ``svd``, ``eigh`` (Hermitian),
``eig`` and ``norm``, chosen by the rules' templates for arguments that may be complex
(``cplx(a)``), so the helpers for real matrices stay as they are.

In the convention of :mod:`srcdiff.rules.complex_module` (adjoints linear, without conjugates),
the adjoint of ``X -> A X B`` is ``G -> A.T G B.T``, of ``X -> X^H`` it is ``G -> G^H``, and of
``X -> Re X`` it is ``G -> Re G``; each adjoint below transposes its tangent step by step.
Singular vectors and eigenvectors have arbitrary phases (numpy picks them): only functions that
do not depend on them (``abs(v)``, ``u @ diag(s) @ vh``) have a derivative to check.

>>> a = np.array([[1.0 + 1.0j, 0.5], [0.0, 2.0 - 1.0j]])
>>> u, s, vh = np.linalg.svd(a)
>>> np.allclose(complex_svd_adjoint(np.ones(2), a, s, True, False, False), np.conj(u @ vh))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..runtime import is_zero, unpack_adjoint
from .linalg_helpers import _nonzero, _over_gaps, _svd_parts, mT
from .linalg_norms import norm_adjoint
from .table import helpers_of


def _h(x: Any) -> Any:
    return np.conj(mT(x))


def _diagonal_matrix(d: Any) -> Any:
    return np.eye(np.shape(d)[-1]) * np.expand_dims(d, -2)


# -- svd: with A = U S V^H, P = U^H dA V and F = 1 / (s_j**2 - s_i**2) off the diagonal:
# ds = Re diag(P), dU = U (F * (P S + S P^H) + i Im diag(P) / s) + (1 - U U^H) dA V / s,
# dV = V (F * (S P + P^H S)) + (1 - V V^H) dA^H U / s
def complex_svd_adjoint(g: Any, a: Any, out: Any, full_matrices: bool, compute_uv: bool, hermitian: bool) -> Any:
    """Adjoint of ``np.linalg.svd`` of a complex matrix (reduced factors, distinct nonzero
    singular values for the vectors' part)."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    u, s, vh = _svd_parts(a, out, full_matrices, compute_uv, hermitian)
    gu, gs, gvh = unpack_adjoint(g, 3) if compute_uv else (0.0, g, 0.0)
    m, n, k = np.shape(u)[-2], np.shape(vh)[-1], np.shape(s)[-1]
    row, col = np.expand_dims(s, -2), np.expand_dims(s, -1)
    gaps = row**2 - col**2
    gp = np.zeros(np.shape(s)[:-1] + (k, k), dtype=complex)
    if not is_zero(gs):
        gp = gp + _diagonal_matrix(np.real(gs))
    extra = 0.0
    if not is_zero(gu):
        c = mT(u) @ gu
        gx = _over_gaps(c, gaps)
        gp = gp + gx * row + _h(gx) * row + _diagonal_matrix(1j * np.imag(np.diagonal(c, 0, -2, -1)) / _nonzero(s))
        if m > k:
            extra = extra + (gu - np.conj(u) @ c) / _nonzero(row) @ np.conj(vh)
    if not is_zero(gvh):
        v, gv = _h(vh), _h(gvh)
        gy = _over_gaps(mT(v) @ gv, gaps)
        gp = gp + col * gy + col * _h(gy)
        if n > k:
            extra = extra + (np.conj(u) / _nonzero(row)) @ (gvh - (gvh @ mT(vh)) @ np.conj(vh))
    return np.conj(u) @ gp @ np.conj(vh) + extra


def complex_svd_tangent(a: Any, out: Any, t: Any, full_matrices: bool, compute_uv: bool, hermitian: bool) -> Any:
    """Tangents of ``(u, s, vh)`` (or of ``s`` alone) of the reduced svd of a complex matrix."""
    u, s, vh = _svd_parts(a, out, full_matrices, compute_uv, hermitian)
    v = _h(vh)
    p = _h(u) @ t @ v
    ds = np.real(np.diagonal(p, 0, -2, -1))
    if not compute_uv:
        return ds
    m, n, k = np.shape(u)[-2], np.shape(vh)[-1], np.shape(s)[-1]
    row, col = np.expand_dims(s, -2), np.expand_dims(s, -1)
    gaps = row**2 - col**2
    ph = _h(p)
    phases = np.expand_dims(1j * np.imag(np.diagonal(p, 0, -2, -1)) / _nonzero(s), -2)
    du = u @ _over_gaps(p * row + col * ph, gaps) + u * phases
    dv = v @ _over_gaps(col * p + ph * row, gaps)
    if m > k:
        du = du + (t @ v - u @ p) / _nonzero(row)
    if n > k:
        dv = dv + (_h(t) @ u - v @ ph) / _nonzero(row)
    return (du, ds, _h(dv))


# -- eigh of the Hermitian matrix read from one triangle: H = V diag(w) V^H, C = V^H dH V,
# dw = Re diag(C), dV = V (F * C) for F = 1 / (w_j - w_i); H's adjoint is conj(V) B V^T for
# B = diag(gw) + F * (V^T gV)
def _lower(UPLO: Any) -> bool:
    return UPLO in ("L", "l")


def hermitian_from(a: Any, lower: bool) -> Any:
    """The Hermitian matrix eigh sees in a complex ``a``: one triangle, mirrored conjugated, and
    the real part of the diagonal."""
    part = np.tril(a, -1) if lower else np.triu(a, 1)
    return part + _h(part) + _diagonal_matrix(np.real(np.diagonal(a, 0, -2, -1)))


def hermitian_from_adjoint(g: Any, lower: bool) -> Any:
    """Adjoint of :func:`hermitian_from`: the read triangle collects an entry and its mirror's
    conjugate; the diagonal the real part."""
    g = np.asarray(g)
    part = np.tril(g, -1) + np.tril(_h(g), -1) if lower else np.triu(g, 1) + np.triu(_h(g), 1)
    return part + _diagonal_matrix(np.real(np.diagonal(g, 0, -2, -1)))


def hermitian_eigh_adjoint(g: Any, a: Any, out: Any, UPLO: Any) -> Any:
    """Adjoint of ``np.linalg.eigh(a, UPLO)`` of a complex ``a`` (distinct eigenvalues for the
    vectors' part)."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    w, v = out
    gw, gv = unpack_adjoint(g, 2)
    n = np.shape(w)[-1]
    middle = np.zeros(np.shape(w)[:-1] + (n, n), dtype=complex)
    if not is_zero(gw):
        middle = middle + _diagonal_matrix(np.real(gw))
    if not is_zero(gv):
        middle = middle + _over_gaps(mT(v) @ gv, np.expand_dims(w, -2) - np.expand_dims(w, -1))
    return hermitian_from_adjoint(np.conj(v) @ middle @ mT(v), _lower(UPLO))


def hermitian_eigh_tangent(a: Any, out: Any, t: Any, UPLO: Any) -> Any:
    w, v = out
    c = _h(v) @ hermitian_from(t, _lower(UPLO)) @ v
    dv = v @ _over_gaps(c, np.expand_dims(w, -2) - np.expand_dims(w, -1))
    return (np.real(np.diagonal(c, 0, -2, -1)), dv)


# -- eig: A = V diag(w) V^-1 with unit columns, C = V^-1 dA V: dw = diag(C), dV = V (F * C)
# with the part Re(v^H dv) v of each column removed (its length stays 1)
def complex_eig_adjoint(g: Any, a: Any, out: Any, vectors: bool) -> Any:
    """Adjoint of ``np.linalg.eig`` (``vectors``) or ``eigvals`` of a complex matrix."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    w, v = out if vectors else np.linalg.eig(a)
    gw, gv = unpack_adjoint(g, 2) if vectors else (g, 0.0)
    n = np.shape(w)[-1]
    middle = np.zeros(np.shape(w)[:-1] + (n, n), dtype=complex)
    if not is_zero(gw):
        middle = middle + _diagonal_matrix(gw)
    if not is_zero(gv):
        kept = gv - np.conj(v) * np.expand_dims(np.real(np.sum(v * gv, axis=-2)), -2)
        middle = middle + _over_gaps(mT(v) @ kept, np.expand_dims(w, -2) - np.expand_dims(w, -1))
    return np.linalg.solve(mT(v), middle @ mT(v))


def complex_eig_tangent(a: Any, out: Any, t: Any, vectors: bool) -> Any:
    w, v = out if vectors else np.linalg.eig(a)
    c = np.linalg.solve(v, t @ v)
    dw = np.diagonal(c, 0, -2, -1)
    if not vectors:
        return dw
    dv = v @ _over_gaps(c, np.expand_dims(w, -2) - np.expand_dims(w, -1))
    return (dw, dv - v * np.expand_dims(np.real(np.sum(np.conj(v) * dv, axis=-2)), -2))


# -- norms: every norm but the spectral ones depends on the moduli |x| only
def complex_norm_adjoint(g: Any, x: Any, out: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """Adjoint of ``np.linalg.norm`` of complex entries: the real formula at ``|x|`` times
    ``conj(x) / |x|`` (0 at 0), or, for the spectral norms (``nuc``, 2, -2 of a matrix), the
    real formula's ``U V^H`` conjugated."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    x = np.asarray(x)
    matrix = (axis is None and x.ndim == 2 and ord is not None) or (isinstance(axis, (tuple, list)) and len(axis) == 2)
    if matrix and ord in ("nuc", 2, -2):
        return _spectral_adjoint(np.real(g), x, ord, axis, keepdims)
    ax = np.abs(x)
    phase = np.conj(x) / np.where(ax == 0, 1.0, ax)
    return norm_adjoint(np.real(g), ax, out, ord, axis, keepdims) * phase


def _spectral_adjoint(g: Any, x: Any, ord: Any, axis: Any, keepdims: bool) -> Any:
    """The nuclear norm's (sum of singular values) ``conj(U V^H)``, or the 2-norm's (-2: the
    smallest) ``conj(u v^H)`` of the extreme singular value, ties split evenly."""
    rows, cols = (x.ndim - 2, x.ndim - 1) if axis is None else tuple(int(a) % x.ndim for a in axis)
    u, s, vh = np.linalg.svd(np.moveaxis(np.conj(x), (rows, cols), (-2, -1)), full_matrices=False)
    if ord == "nuc":
        d = u @ vh
    else:
        extreme = np.max(s, axis=-1, keepdims=True) if ord == 2 else np.min(s, axis=-1, keepdims=True)
        hits = s == extreme
        d = (u * np.expand_dims(hits / np.sum(hits, axis=-1, keepdims=True), -2)) @ vh
    gm = np.asarray(g) if keepdims else np.expand_dims(g, (rows, cols))
    return gm * np.moveaxis(d, (-2, -1), (rows, cols))


def complex_norm_tangent(x: Any, out: Any, t: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    d = complex_norm_adjoint(np.ones(np.shape(out)), x, out, ord, axis, keepdims)
    reduced = None if axis is None else tuple(int(a) % np.ndim(x) for a in np.atleast_1d(axis))
    return np.real(np.sum(d * t, axis=reduced, keepdims=keepdims))


HELPERS = helpers_of(globals(), __name__)
