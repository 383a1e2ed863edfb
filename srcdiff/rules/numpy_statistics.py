"""More numpy rules: order statistics, NaN-ignoring reductions, weighted means, covariance,
interpolation, polynomials, convolution and spaced samples (into the table of
:mod:`srcdiff.rules.numpy_module`; helpers in :mod:`srcdiff.rules.statistics_helpers`).

Conventions where the function has a kink:

- ``np.median``/``np.quantile``/``np.percentile`` weigh the sorted values the way numpy's
  ``'linear'`` method does; equal values are sorted stably (the first in the array counts as
  the smaller), so at a tie the whole weight of a sorted place goes to one element.
- ``np.nanmax``/``np.nanmin``: ties split the adjoint evenly, as with ``np.max``; NaNs get 0.
- ``np.interp`` in ``x``: the right derivative (at a breakpoint, the slope of the segment to its
  right; 0 below the first point and from the last one on).

>>> from srcdiff.rules import lookup
>>> lookup(np.nansum).adjoints["a"]
'np.where(np.isnan(a), 0.0, expand(g, a, axis, keepdims))'
"""

from __future__ import annotations

import numpy as np

from . import statistics_helpers
from .numpy_module import NUMPY, multilinear_rule
from .runtime_rules import RUNTIME
from .table import register_helpers, rule

register_helpers(statistics_helpers.HELPERS)
# index arrays and weights made from counts and constants (a count is never differentiated)
RUNTIME.constant(
    statistics_helpers.lane_order,
    statistics_helpers.quantile_weights,
    statistics_helpers.space_weights,
    statistics_helpers._lanes,
    statistics_helpers._cov_weights,
    statistics_helpers._mode_start,
)

# -- order statistics ----------------------------------------------------------------------
# (``out=`` is not supported: a positional one does not fit these signatures and is refused)
_QUANTILE = "a, q, axis=None, *, overwrite_input=False, method='linear', keepdims=False, weights=None"
_Q_ARGS = "axis, method, keepdims, weights"
NUMPY.define(
    np.quantile,
    rule(
        _QUANTILE,
        elementwise=False,
        a=f"quantile_adjoint(g, a, q, {_Q_ARGS})",
        jvp={"a": f"quantile_tangent(t, a, q, {_Q_ARGS})"},
        refuse="q",
    ),
)
NUMPY.define(
    np.percentile,
    rule(
        _QUANTILE,
        elementwise=False,
        a=f"quantile_adjoint(g, a, np.true_divide(q, 100), {_Q_ARGS})",
        jvp={"a": f"quantile_tangent(t, a, np.true_divide(q, 100), {_Q_ARGS})"},
        refuse="q",
    ),
)
NUMPY.define(
    np.median,
    rule(
        "a, axis=None, *, overwrite_input=False, keepdims=False",
        elementwise=False,
        a="quantile_adjoint(g, a, 0.5, axis, 'linear', keepdims, None)",
        jvp={"a": "quantile_tangent(t, a, 0.5, axis, 'linear', keepdims, None)"},
    ),
)

# -- NaN-ignoring reductions (a NaN element gets a zero adjoint) -----------------------------
_REDUCE = "a, axis=None, dtype=None, *, keepdims=False"
_NAN_TANGENT = "np.sum({} * without_nans(t, a), axis=axis, keepdims=keepdims)"
NUMPY.define(
    np.nansum,
    rule(
        _REDUCE,
        elementwise=False,
        a="np.where(np.isnan(a), 0.0, expand(g, a, axis, keepdims))",
        jvp={"a": "np.sum(without_nans(t, a), axis=axis, keepdims=keepdims)"},
    ),
)
NUMPY.define(
    np.nanmean,
    rule(
        _REDUCE,
        elementwise=False,
        a="nanmean_adjoint(g, a, axis, keepdims)",
        jvp={"a": "nanmean_tangent(t, a, axis, keepdims)"},
    ),
)
_NANPROD = "np.where(np.isnan(a), 0.0, prod_adjoint({}, np.where(np.isnan(a), 1.0, a), axis, keepdims))"
NUMPY.define(
    np.nanprod,
    rule(
        _REDUCE,
        elementwise=False,
        a=_NANPROD.format("g"),
        jvp={"a": _NAN_TANGENT.format(_NANPROD.format("np.ones_like(out)"))},
    ),
)
for _extreme in (np.nanmax, np.nanmin):
    NUMPY.define(
        _extreme,
        rule(
            "a, axis=None, *, keepdims=False",
            elementwise=False,
            a="extreme_adjoint(g, a, out, axis, keepdims)",
            jvp={"a": _NAN_TANGENT.format("extreme_adjoint(np.ones_like(out), a, out, axis, keepdims)")},
        ),
    )
# (the replacements for NaN and infinities are refused when differentiated)
NUMPY.define(
    np.nan_to_num,
    rule(
        "x, copy=True, nan=0.0, posinf=None, neginf=None",
        x="np.where(np.isfinite(x), g, 0.0)",
        refuse="nan, posinf, neginf",
    ),
)

# -- weighted means, covariance --------------------------------------------------------------
_AVERAGE = "a, weights, out, axis, returned, keepdims"
NUMPY.define(
    np.average,
    rule(
        "a, axis=None, weights=None, returned=False, *, keepdims=False",
        elementwise=False,
        a=f"average_adjoint(g, {_AVERAGE}, True)",
        weights=f"average_adjoint(g, {_AVERAGE}, False)",
        jvp={"a": f"average_tangent(t, {_AVERAGE}, True)", "weights": f"average_tangent(t, {_AVERAGE}, False)"},
    ),
)
_COV = "m, y, rowvar, bias, ddof, fweights, aweights"
NUMPY.define(
    np.cov,
    rule(
        "m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *, dtype=None",
        elementwise=False,
        m=f"cov_adjoint(g, {_COV}, True)",
        y=f"cov_adjoint(g, {_COV}, False)",
        jvp={"m": f"cov_tangent(t, {_COV}, True)", "y": f"cov_tangent(t, {_COV}, False)"},
        refuse="fweights, aweights",
    ),
)
NUMPY.define(
    np.corrcoef,
    rule(
        "x, y=None, rowvar=True, *, dtype=None",
        elementwise=False,
        x="corrcoef_adjoint(g, x, y, rowvar, True)",
        y="corrcoef_adjoint(g, x, y, rowvar, False)",
        jvp={"x": "corrcoef_tangent(t, x, y, rowvar, True)", "y": "corrcoef_tangent(t, x, y, rowvar, False)"},
    ),
)

# -- interpolation, polynomials, sinc, convolution ----------------------------------------------
# (the breakpoints xp are refused when differentiated; x: the right derivative at a breakpoint)
NUMPY.define(
    np.interp,
    rule(
        "x, xp, fp, left=None, right=None, period=None",
        elementwise=False,
        x="g * interp_slope(x, xp, fp, period)",
        fp="interp_fp_adjoint(g, x, xp, left, right, period)",
        left="np.sum(g * interp_edge(x, xp, True))",
        right="np.sum(g * interp_edge(x, xp, False))",
        jvp={
            "x": "t * interp_slope(x, xp, fp, period)",
            "fp": "interp_fp_tangent(t, x, xp, left, right, period)",
            "left": "t * interp_edge(x, xp, True)",
            "right": "t * interp_edge(x, xp, False)",
        },
        refuse="xp",
    ),
)
NUMPY.define(
    np.polyval,
    rule(
        "p, x",
        elementwise=False,
        p="polyval_adjoint(g, p, x)",
        x="g * np.polyval(polyder_coefficients(p), x)",
        jvp={"p": "np.polyval(t, x)", "x": "t * np.polyval(polyder_coefficients(p), x)"},
    ),
)
NUMPY.define(np.sinc, rule("x", x="g * sinc_slope(x)"))
NUMPY.define(
    np.convolve,
    multilinear_rule(
        "a, v, mode='full'",
        elementwise=False,
        a="convolve_adjoint(g, a, v, mode, True, False)",
        v="convolve_adjoint(g, a, v, mode, False, False)",
    ),
)
NUMPY.define(
    np.correlate,
    multilinear_rule(
        "a, v, mode='valid'",
        elementwise=False,
        a="convolve_adjoint(g, a, v, mode, True, True)",
        v="convolve_adjoint(g, a, v, mode, False, True)",
    ),
)
NUMPY.define(
    np.unwrap,  # the corrections are multiples of the period: piecewise constant
    rule(
        "p, discont=None, axis=-1, *, period=6.283185307179586",
        elementwise=False,
        p="g",
        jvp={"p": "t"},
        refuse="period",
    ),
)

# -- spaced samples --------------------------------------------------------------------------
_SPACE = "num, endpoint, retstep, dtype, axis"
NUMPY.define(
    np.linspace,
    rule(
        "start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *, device=None",
        elementwise=False,
        start=f"linspace_adjoint(g, start, stop, {_SPACE}, True)",
        stop=f"linspace_adjoint(g, start, stop, {_SPACE}, False)",
        jvp={
            "start": f"linspace_tangent(t, start, stop, {_SPACE}, True)",
            "stop": f"linspace_tangent(t, start, stop, {_SPACE}, False)",
        },
    ),
)
_GEOM = "start, stop, out, num, endpoint, dtype, axis"
NUMPY.define(
    np.geomspace,
    rule(
        "start, stop, num=50, endpoint=True, dtype=None, axis=0",
        elementwise=False,
        start=f"geomspace_adjoint(g, {_GEOM}, True)",
        stop=f"geomspace_adjoint(g, {_GEOM}, False)",
        jvp={"start": f"geomspace_tangent(t, {_GEOM}, True)", "stop": f"geomspace_tangent(t, {_GEOM}, False)"},
    ),
)
