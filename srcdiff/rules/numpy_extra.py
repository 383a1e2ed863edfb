"""More numpy rules, for functions numerical code reaches for (into the table of
:mod:`srcdiff.rules.numpy_module`; helpers in :mod:`srcdiff.rules.extra_helpers`).

Conventions where the function has a kink or a jump:

- ``np.fmod(x1, x2)``: ``-trunc(x1 / x2)`` in ``x2``, 1 in ``x1`` (the jumps, where ``x1 / x2`` is an
  integer, take the derivative of the piece on their right, as ``np.mod``).
- ``np.ptp``: ties split evenly among the equal extremes, as ``np.max`` and ``np.min``.
- ``np.nanstd``: where all the numbers are equal (a kink), the zero subgradient; NaNs get 0.
- ``np.nextafter(x1, x2)``: the derivative of ``x1`` (1), none in ``x2``.

>>> from srcdiff.rules import is_constant, lookup
>>> is_constant(np.heaviside), lookup(np.fmod).adjoints["x1"]
(True, 'g')
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import extra_helpers
from .numpy_module import BINARY, METHODS, NUMPY, linear_rule, multilinear_rule
from .table import register_helpers, rule

register_helpers(extra_helpers.HELPERS)

# -- elementwise ---------------------------------------------------------------------------------
_BINARY: dict[Any, dict[str, Any]] = {
    np.fmod: {"x1": "g", "x2": "-g * np.trunc(np.true_divide(x1, x2))"},
    np.float_power: {"x1": "power_base_adjoint(g, x1, x2)", "x2": "g * out * log_or_zero(x1)"},
    np.ldexp: {"x1": "g * np.ldexp(1.0, x2)"},  # (x2: an integer exponent)
    np.nextafter: {"x1": "g"},
}
for _fn, _templates in _BINARY.items():
    NUMPY.define(_fn, rule("x1, x2", **_templates))
BINARY.update(_BINARY)

# -- reductions and scans ------------------------------------------------------------------------
_TANGENT = "np.sum({} * t, axis=axis, keepdims=keepdims)"
NUMPY.define(
    np.ptp,
    rule(
        "a, axis=None, *, keepdims=False",
        elementwise=False,
        a="ptp_adjoint(g, a, axis, keepdims)",
        jvp={"a": _TANGENT.format("ptp_adjoint(np.ones_like(out), a, axis, keepdims)")},
    ),
)
_NAN_REDUCE = "a, axis=None, dtype=None, *, ddof=0, keepdims=False"
_NAN_TANGENT = "np.sum({} * without_nans(t, a), axis=axis, keepdims=keepdims)"
NUMPY.define(
    np.nanvar,
    rule(
        _NAN_REDUCE,
        elementwise=False,
        a="nanvar_adjoint(g, a, axis, ddof, keepdims)",
        jvp={"a": _NAN_TANGENT.format("nanvar_adjoint(np.ones_like(out), a, axis, ddof, keepdims)")},
    ),
)
NUMPY.define(
    np.nanstd,
    rule(
        _NAN_REDUCE,
        elementwise=False,
        a="nanstd_adjoint(g, a, out, axis, ddof, keepdims)",
        jvp={"a": _NAN_TANGENT.format("nanstd_adjoint(np.ones_like(out), a, out, axis, ddof, keepdims)")},
    ),
)
NUMPY.define(
    np.nancumsum,
    rule(
        "a, axis=None, dtype=None",
        elementwise=False,
        a="np.where(np.isnan(a), 0.0, cumsum_adjoint(g, a, axis))",
        jvp={"a": "np.cumsum(without_nans(t, a), axis)"},
    ),
)
if hasattr(np, "cumulative_sum"):  # numpy 2.1+
    NUMPY.define(
        np.cumulative_sum,
        linear_rule(
            "x, *, axis=None, dtype=None, include_initial=False",
            elementwise=False,
            x="cumulative_sum_adjoint(g, x, axis, include_initial)",
        ),
    )
_TRAPEZOID = "y, x=None, dx=1.0, axis=-1"
_trapezoid: Any = vars(np).get("trapezoid") or vars(np)["trapz"]  # (numpy 2.0 renamed trapz)
NUMPY.define(
    _trapezoid,
    rule(
        _TRAPEZOID,
        elementwise=False,
        y="trapezoid_adjoint(g, y, x, dx, axis, 'y')",
        x="trapezoid_adjoint(g, y, x, dx, axis, 'x')",
        dx="trapezoid_adjoint(g, y, x, dx, axis, 'dx')",
        jvp={
            "y": f"np.{_trapezoid.__name__}(t, x, dx, axis)",  # (linear in y)
            "x": "trapezoid_tangent(t, y, x, dx, axis, 'x')",
            "dx": "trapezoid_tangent(t, y, x, dx, axis, 'dx')",
        },
    ),
)

# -- products and matrices -----------------------------------------------------------------------
if hasattr(np, "vecdot"):  # numpy 2.0+
    NUMPY.define(
        np.vecdot,
        multilinear_rule(
            "x1, x2, *, axis=-1",
            elementwise=False,
            x1="unbroadcast(np.expand_dims(g, axis) * x2, x1)",
            x2="unbroadcast(np.expand_dims(g, axis) * x1, x2)",
        ),
    )
    if getattr(np.linalg, "vecdot", np.vecdot) is not np.vecdot:
        NUMPY.define(np.linalg.vecdot, NUMPY.rules[np.vecdot])
if hasattr(np, "matvec"):  # numpy 2.2+
    NUMPY.define(
        np.matvec,
        multilinear_rule(
            "x1, x2",
            elementwise=False,
            x1="unbroadcast(np.expand_dims(g, -1) * np.expand_dims(x2, -2), x1)",
            x2="unbroadcast(np.sum(x1 * np.expand_dims(g, -1), axis=-2), x2)",
        ),
    )
    NUMPY.define(
        np.vecmat,
        multilinear_rule(
            "x1, x2",
            elementwise=False,
            x1="unbroadcast(np.sum(x2 * np.expand_dims(g, -2), axis=-1), x1)",
            x2="unbroadcast(np.expand_dims(x1, -1) * np.expand_dims(g, -2), x2)",
        ),
    )
NUMPY.define(
    np.vander,
    rule(
        "x, N=None, increasing=False",
        elementwise=False,
        x="np.sum(g * vander_slope(x, N, increasing), axis=-1)",
        jvp={"x": "vander_slope(x, N, increasing) * np.expand_dims(t, -1)"},
    ),
)
NUMPY.define(np.diagflat, linear_rule("v, k=0", elementwise=False, v="np.reshape(np.diagonal(g, k), np.shape(v))"))
# least squares in y (x, which shapes the fit, is refused when differentiated)
NUMPY.define(
    np.polyfit,
    linear_rule("x, y, deg", elementwise=False, y="np.linalg.pinv(np.vander(x, deg + 1)).T @ g", refuse="x"),
)

# -- picking out and assembling -----------------------------------------------------------------
NUMPY.define(
    np.compress,
    linear_rule(
        "condition, a, axis=None",
        elementwise=False,
        a="compress_adjoint(g, condition, a, axis)",
    ),
)
NUMPY.define(
    np.extract,
    linear_rule(
        "condition, arr",
        elementwise=False,
        arr="np.reshape(add_at(0.0, np.ravel(arr), np.flatnonzero(condition), g), np.shape(arr))",
    ),
)
NUMPY.define(np.dstack, linear_rule("tup", elementwise=False, sequences="tup", tup="dstack_adjoint(g, tup)"))

# what describes an array's type or shape, steps and signs: no derivative
NUMPY.constant(
    np.issubdtype,
    np.result_type,
    np.iscomplexobj,
    np.isrealobj,
    np.broadcast_shapes,
    np.heaviside,
    np.spacing,
    np.fix,
    np.signbit,
    np.isneginf,
    np.isposinf,
    np.nanargmax,
    np.nanargmin,
    np.tri,
    np.tril_indices,
    np.triu_indices,
    np.diag_indices,
    np.indices,
    np.unravel_index,
    np.ravel_multi_index,
    np.lexsort,
)
# (not x.compress(condition): np.compress takes the condition first)
METHODS.update({"take": "take", "argsort": "argsort", "nonzero": "nonzero"})

#: Notes for docs/coverage.md (srcdiff.tools.docs_tables): what the tables cannot tell.
NOTES: dict[Any, str] = {
    np.ptp: "ties split evenly among the equal extremes",
    np.fmod: "`-trunc(x1 / x2)` in `x2`",
    np.nanstd: "NaNs get 0; all numbers equal (a kink): the zero subgradient",
    np.nanvar: "NaNs get 0",
    np.nancumsum: "NaNs get 0",
    np.nextafter: "`x2` carries no derivative",
    _trapezoid: "`x` one-dimensional (or `dx`)",
    np.polyfit: "in `y` only: `x` is refused when differentiated; `w=`, `full=`, `cov=` are refused",
    np.compress: "not as the method `x.compress(...)`",
}
