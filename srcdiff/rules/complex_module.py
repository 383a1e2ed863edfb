"""Complex numbers: the rules that hold for them, and the rules of the functions made for them.

Convention.  Inside generated code the adjoint ``g`` of a complex value ``z = x + iy`` is
``dF/dx - i dF/dy`` (linear in the cotangent, no conjugate), so the adjoint rule of a
holomorphic function, ``g * f'(z)``, is the one written for real numbers: every rule listed in
:data:`HOLOMORPHIC` applies to complex values unchanged.  At the boundary srcdiff returns the
conjugate, ``dF/dx + i dF/dy``: the gradient with respect to the real inner product
``Re(vdot(u, v))``, which is what a gradient step ``z - lr * grad`` needs and what ``vjp``
must give for ``<v, vjp(u)> = <J v, u>`` (PyTorch's convention; JAX's and autograd's ``grad``
give its conjugate).  The adjoint of a real value is the real part.  ``grad`` of a complex
output (of complex arguments) is the adjoint itself, ``f'(z)`` for a holomorphic ``f``.

Functions that are not holomorphic (``abs``, ``real``, ``imag``, ``conj``, ``angle``, ``var``...)
have rules written for both; a rule not listed here is refused for complex values
(:mod:`srcdiff.analysis.complex_values`).

>>> lookup = COMPLEX.rules.get
>>> lookup(np.imag).adjoints["val"]
'-1j * np.real(g) if cplx(val) else 0.0 * g'
"""

from __future__ import annotations

import builtins
import operator
import sys
from typing import Any

import gast
import numpy as np

from . import complex_helpers, complex_linalg, linalg_helpers
from .runtime_rules import RUNTIME
from .table import RuleTable, register_helpers, rule

register_helpers(complex_helpers.HELPERS)
register_helpers(complex_linalg.HELPERS)
COMPLEX = RuleTable("numpy complex")

# (real-linear, not complex-linear: their tangents are not their adjoints with t for g)
# (a real result's adjoint may carry an imaginary part that means nothing -- the adjoints of real
# values are real parts -- so rules from complex to real take np.real(g) first)
COMPLEX.define(np.real, rule("val", val="np.real(g) if cplx(val) else g", jvp={"val": "np.real(t)"}))
COMPLEX.define(np.imag, rule("val", val="-1j * np.real(g) if cplx(val) else 0.0 * g", jvp={"val": "np.imag(t)"}))
COMPLEX.define(np.conjugate, rule("x", x="np.conj(g)", jvp={"x": "np.conj(t)"}))
COMPLEX.define(
    np.angle,
    rule(
        "z, deg=False",
        # (a real z's angle is 0 or pi, flat away from 0: its adjoint is zero, not imaginary)
        z="-1j * np.real(g) * np.conj(z) * reciprocal_or_zero(np.real(z * np.conj(z)))"
        " * (57.29577951308232 if deg else 1.0) if cplx(z) else 0.0 * g",
        jvp={
            "z": "np.imag(np.conj(z) * t) * reciprocal_or_zero(np.real(z * np.conj(z)))"
            " * (57.29577951308232 if deg else 1.0)"
        },
    ),
)
COMPLEX.define(
    np.real_if_close,
    rule("a, tol=100", a="np.real(g) if np.isrealobj(out) else g", jvp={"a": "np.real(t) if np.isrealobj(out) else t"}),
)

_1D = "a, n=None, axis=-1, norm=None"
for _kind in ("fft", "ifft"):
    COMPLEX.define(
        getattr(np.fft, _kind),
        rule(_1D, elementwise=False, linear=True, a=f"dft_adjoint(g, lengths(a, axis), n, axis, norm, {_kind!r})"),
    )
COMPLEX.define(
    np.fft.rfft, rule(_1D, elementwise=False, linear=True, a="rfft_adjoint(g, lengths(a, axis), n, axis, norm)")
)
COMPLEX.define(
    np.fft.irfft, rule(_1D, elementwise=False, linear=True, a="irfft_adjoint(g, lengths(a, axis), n, axis, norm)")
)
COMPLEX.define(np.fft.fftshift, rule("x, axes=None", elementwise=False, linear=True, x="np.fft.ifftshift(g, axes)"))
COMPLEX.define(np.fft.ifftshift, rule("x, axes=None", elementwise=False, linear=True, x="np.fft.fftshift(g, axes)"))
_ND = "a, s=None, axes={}, norm=None"
for _kind, _axes in (("fftn", None), ("ifftn", None), ("fft2", (-2, -1)), ("ifft2", (-2, -1))):
    _base = _kind.replace("2", "n")
    COMPLEX.define(
        getattr(np.fft, _kind),
        rule(
            _ND.format(_axes),
            elementwise=False,
            linear=True,
            a=f"dftn_adjoint(g, np.shape(a), s, axes, norm, {_base!r})",
        ),
    )
for _kind, _axes in (("rfftn", None), ("rfft2", (-2, -1)), ("irfftn", None), ("irfft2", (-2, -1))):
    _helper = "irfftn_adjoint" if _kind.startswith("i") else "rfftn_adjoint"
    COMPLEX.define(
        getattr(np.fft, _kind),
        rule(_ND.format(_axes), elementwise=False, linear=True, a=f"{_helper}(g, np.shape(a), s, axes, norm)"),
    )
# The adjoint helpers' own rules, for second derivatives: each is linear in its first parameter,
# and its adjoint is the transform itself (they come in pairs of transposes).
_h = complex_helpers
_LINEAR_HELPERS = [
    (_h.dft_adjoint, "v, m, n, axis, norm, kind", "dft(g, lengths(v, axis), axis, norm, kind)"),
    (_h.dft, "x, n, axis, norm, kind", "dft_adjoint(g, lengths(x, axis), n, axis, norm, kind)"),
    (_h.rfft_adjoint, "v, m, n, axis, norm", "np.fft.rfft(g, m if n is None else n, axis, norm)"),
    (_h.irfft_adjoint, "v, m, n, axis, norm", "np.fft.irfft(g, 2 * (m - 1) if n is None else n, axis, norm)"),
    (_h.dftn_adjoint, "v, shape, s, axes, norm, kind", "dftn_transpose(g, np.shape(v), shape, s, axes, norm, kind)"),
    (_h.dftn_transpose, "w, out_shape, shape, s, axes, norm, kind", "dftn_adjoint(g, shape, s, axes, norm, kind)"),
    (_h.rfftn_adjoint, "v, shape, s, axes, norm", "rfftn_transpose(g, shape, s, axes, norm)"),
    (_h.rfftn_transpose, "w, shape, s, axes, norm", "rfftn_adjoint(g, shape, s, axes, norm)"),
    (_h.irfftn_adjoint, "v, shape, s, axes, norm", "irfftn_transpose(g, np.shape(v), shape, s, axes, norm)"),
    (_h.irfftn_transpose, "w, out_shape, shape, s, axes, norm", "irfftn_adjoint(g, shape, s, axes, norm)"),
]
for _fn, _signature, _template in _LINEAR_HELPERS:
    _first = _signature.split(",")[0]
    _templates: dict[str, Any] = {_first: _template}
    COMPLEX.define(_fn, rule(_signature, elementwise=False, linear=_first, **_templates))
COMPLEX.constant(complex_helpers.fft_axes)
COMPLEX.constant(complex_helpers.lengths, np.iscomplexobj, np.isrealobj, np.iscomplex, np.isreal)

#: Functions whose rules hold for complex arguments as written (holomorphic, or linear with
#: real coefficients, or selecting elements).
HOLOMORPHIC: set[Any] = {
    np.negative, np.positive, np.exp, np.exp2, np.expm1, np.log, np.log2, np.log10, np.log1p, np.sqrt,
    np.square, np.reciprocal, np.sin, np.cos, np.tan, np.arcsin, np.arccos, np.arctan, np.sinh, np.cosh,
    np.tanh, np.arcsinh, np.arctanh, np.add, np.subtract, np.multiply, np.divide, np.true_divide,
    np.sum, np.mean, np.prod, np.cumsum, np.cumprod, np.trace, np.dot, np.matmul, np.tensordot, np.einsum,
    np.outer, np.inner, np.kron, np.transpose, np.reshape, np.ravel, np.squeeze, np.expand_dims,
    np.concatenate, np.stack, np.hstack, np.vstack, np.swapaxes, np.moveaxis, np.broadcast_to, np.diag,
    np.diagonal, np.tril, np.triu, np.flip, np.roll, np.tile, np.repeat, np.take, np.where, np.array,
    np.asarray, np.full, np.atleast_1d, np.atleast_2d, np.max, np.min, np.amax, np.amin, np.linalg.inv,
    np.linalg.solve, np.linalg.det, np.linalg.matrix_power,
    operator.add, operator.sub, operator.mul, operator.truediv, operator.neg, operator.pos, operator.matmul,
    builtins.sum, list, tuple, linalg_helpers.mT,
}  # fmt: skip
#: Rules written for complex arguments too (with ``cplx(x)`` branches in their templates).
COMPLEX_AWARE: set[Any] = {
    np.abs,
    builtins.abs,
    np.arccosh,
    np.var,
    np.std,
    np.linalg.norm,
    np.linalg.eigh,
    np.linalg.svd,
    np.linalg.eig,
    np.linalg.eigvals,
    np.astype,
}
#: Operators whose rules hold for complex operands (``**`` only with a constant exponent).
OPERATORS: tuple[type, ...] = (
    gast.Add,
    gast.Sub,
    gast.Mult,
    gast.Div,
    gast.MatMult,
    gast.USub,
    gast.UAdd,
    gast.Pow,
    gast.Not,
)
#: Functions with a real result whatever their arguments (a complex value goes no further).
REAL_RESULTS: set[Any] = {
    np.real, np.imag, np.abs, builtins.abs, np.angle, np.var, np.std, np.linalg.norm, len, np.shape, np.size,
    np.fft.irfft, np.fft.irfftn, np.fft.irfft2,
}  # fmt: skip
#: Functions that make complex values of real ones.
COMPLEX_RESULTS: set[Any] = {
    np.fft.fft, np.fft.ifft, np.fft.rfft, np.fft.fftn, np.fft.ifftn, np.fft.fft2, np.fft.ifft2, np.fft.rfftn,
    np.fft.rfft2, complex, np.complex128, np.complex64,
}  # fmt: skip


#: scipy.special functions whose rules are holomorphic (scipy evaluates them for complex numbers).
_SCIPY_HOLOMORPHIC = ("erf", "erfc")
#: srcdiff's runtime helpers whose rules are written for real numbers (the others move, pick or
#: sum values, or are linear with real coefficients: they hold for complex values too), each with
#: how many leading arguments it is linear in: those may be complex (an adjoint ``g`` times a
#: real function of real values, as in a gradient differentiated again).
_REAL_RUNTIME = {
    "log_or_zero": 0,
    "logistic": 0,
    "polygamma_scalar": 0,
    "power_base_adjoint": 1,
    "power_term": 2,
    "reciprocal_or_zero": 0,
}


def holds_for_complex(fn: Any, positions: tuple[int, ...] | None = None) -> bool:
    """Is ``fn``'s rule right for complex arguments (at ``positions`` only, if given)?

    >>> holds_for_complex(np.sin), holds_for_complex(np.maximum)
    (True, False)
    """
    if fn in HOLOMORPHIC or fn in COMPLEX_AWARE or fn in COMPLEX.rules:
        return True
    special = sys.modules.get("scipy.special")  # (scipy is optional: its functions by name)
    if special is not None and any(getattr(special, name, None) is fn for name in _SCIPY_HOLOMORPHIC):
        return True
    if fn not in RUNTIME.rules:
        return False
    linear = _REAL_RUNTIME.get(getattr(fn, "__name__", ""))
    return linear is None or positions is not None and all(k < linear for k in positions)
