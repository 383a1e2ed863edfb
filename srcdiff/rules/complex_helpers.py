"""Adjoint helpers of the complex-number rules: the discrete Fourier transforms.

Adjoints follow the convention of :mod:`srcdiff.rules.complex_module`: linear in ``g`` (no
conjugate), so the adjoint of a complex-linear map ``y = M a`` is ``M.T @ g``.  The DFT matrix is
symmetric, so the adjoint of ``fft`` is ``fft`` again, cropped or zero-padded back to the input's
length when ``n`` changed it.

>>> a = np.array([1.0, 2.0, 3.0])
>>> np.allclose(dft_adjoint(np.ones(3), 3, 3, -1, None, "fft"), np.fft.fft(np.ones(3)))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .array_helpers import count, expand
from .table import helpers_of


def resized(x: Any, length: int, axis: int) -> Any:
    """``x`` cut or zero-padded to ``length`` along ``axis`` (what the ``n`` of the fft
    functions does to their input).

    >>> resized(np.arange(3.0), 5, 0)
    array([0., 1., 2., 0., 0.])
    """
    x = np.asarray(x)
    have = x.shape[axis]
    if have == length:
        return x
    if have > length:
        return np.take(x, np.arange(length), axis=axis)
    pad = [(0, 0)] * x.ndim
    pad[axis] = (0, length - have)
    return np.pad(x, pad)


def dft(x: Any, n: Any, axis: int, norm: Any, kind: str) -> Any:
    """``np.fft.<kind>(x, n, axis, norm)`` (``kind``: fft or ifft)."""
    return getattr(np.fft, kind)(x, n, axis, norm)


def dft_adjoint(g: Any, m: int, n: Any, axis: int, norm: Any, kind: str) -> Any:
    """Adjoint of ``y = np.fft.<kind>(a, n, axis, norm)`` (``kind``: fft or ifft) for an input of
    length ``m`` along ``axis``: the same transform of ``g``, resized to ``m``."""
    g = np.asarray(g)
    return resized(getattr(np.fft, kind)(g, axis=axis, norm=norm), m, axis)


def rfft_adjoint(g: Any, m: int, n: Any, axis: int, norm: Any) -> Any:
    """Adjoint of ``y = np.fft.rfft(a, n, axis, norm)`` for a real input of length ``m``: the
    half spectrum ``g`` zero-padded to the full length, transformed, resized, real part."""
    n = m if n is None else n
    full = resized(np.asarray(g), n, axis)
    return np.real(resized(np.fft.fft(full, axis=axis, norm=norm), m, axis))


def irfft_adjoint(g: Any, m: int, n: Any, axis: int, norm: Any) -> Any:
    """Adjoint of ``y = np.fft.irfft(a, n, axis, norm)`` for a half spectrum of length ``m``:
    ``y`` is the real part of a complex-linear map of ``a`` (terms 1..m-2 counted twice, for
    their mirror images), whose transpose is an inverse transform of ``g``."""
    g = np.asarray(g)
    n = 2 * (m - 1) if n is None else n
    half = n // 2 + 1
    weights = np.full(half, 2.0)
    weights[0] = 1.0
    if n % 2 == 0:
        weights[-1] = 1.0
    shape = [1] * g.ndim
    shape[axis] = half
    spectrum = np.take(np.fft.ifft(g, axis=axis, norm=norm), np.arange(half), axis=axis)
    return resized(spectrum * weights.reshape(shape), m, axis)


def complex_var_adjoint(g: Any, a: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Adjoint of ``np.var`` of complex entries, ``mean(|a - mean(a)|**2)``: ``conj(a - mean)``
    times ``2 g / (n - ddof)`` (``g`` real: the result is)."""
    a = np.asarray(a)
    reduced = None if axis is None else tuple(int(x) % a.ndim for x in np.atleast_1d(axis))
    centered = np.conj(a - np.mean(a, axis=reduced, keepdims=True))
    return expand(np.real(g), a, axis, keepdims) * 2.0 * centered / (count(a, axis) - ddof)


def complex_std_adjoint(g: Any, a: Any, out: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Adjoint of ``np.std`` of complex entries (0 where the deviation is 0)."""
    return complex_var_adjoint(np.real(g) / (2.0 * np.where(np.asarray(out) == 0, 1.0, out)), a, axis, ddof, keepdims)


def lengths(a: Any, axis: int) -> int:
    """The length of ``a`` along ``axis`` (a number for the templates)."""
    return int(np.shape(a)[axis])


HELPERS = helpers_of(globals(), __name__)
