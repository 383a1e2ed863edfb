"""More location-scale distributions of ``scipy.stats``, in the form of
:data:`srcdiff.rules.scipy_module._CONTINUOUS`: for each, its shape parameters, the score
d logpdf / dz of the standardized density at ``Z`` (``z = (x - loc) / scale``), the derivative of
the logpdf in each shape parameter, and whether the support is bounded (outside it the logpdf is
-inf and every derivative 0).  From these :func:`srcdiff.rules.scipy_module._continuous_rules`
makes the rules of the pdf, logpdf, cdf, logcdf, sf and logsf.

Kinks: the Laplace density's at ``x == loc`` takes the score 0 there (the mean of its one-sided
slopes, as ``np.abs``); a bounded support's edges (``expon`` at ``x == loc``, ``uniform`` at both
ends...) take the inside's derivative.

>>> MORE_CONTINUOUS["cauchy"][1]
'-2.0 * Z / (1.0 + Z * Z)'
"""

from __future__ import annotations

#: name -> (shape parameters, score at Z, d logpdf / d shape, bounded support?)
MORE_CONTINUOUS: dict[str, tuple[str, str, dict[str, str], bool]] = {
    "laplace": ("", "-np.sign(Z)", {}, False),
    "logistic": ("", "-np.tanh(0.5 * Z)", {}, False),
    "cauchy": ("", "-2.0 * Z / (1.0 + Z * Z)", {}, False),
    "hypsecant": ("", "-np.tanh(Z)", {}, False),
    "gumbel_r": ("", "np.expm1(-Z)", {}, False),
    "gumbel_l": ("", "-np.expm1(Z)", {}, False),
    "expon": ("", "-1.0 + 0.0 * Z", {}, True),
    "uniform": ("", "0.0 * Z", {}, True),
    "halfnorm": ("", "-Z", {}, True),
    "rayleigh": ("", "1.0 / Z - Z", {}, True),
    "maxwell": ("", "2.0 / Z - Z", {}, True),
    "lognorm": (
        "s",
        "-(1.0 + np.log(Z) / (s * s)) / Z",
        {"s": "(np.log(Z) ** 2 / (s * s) - 1.0) / s"},
        True,
    ),
    "weibull_min": (
        "c",
        "(c - 1.0) / Z - c * Z ** (c - 1.0)",
        {"c": "1.0 / c + np.log(Z) * (1.0 - Z**c)"},
        True,
    ),
    "invgamma": ("a", "(1.0 / Z - a - 1.0) / Z", {"a": "-np.log(Z) - special.digamma(a)"}, True),
    "pareto": ("b", "-(b + 1.0) / Z", {"b": "1.0 / b - np.log(Z)"}, True),
    "lomax": ("c", "-(c + 1.0) / (1.0 + Z)", {"c": "1.0 / c - np.log1p(Z)"}, True),
    "genlogistic": ("c", "(c + 1.0) * special.expit(-Z) - 1.0", {"c": "1.0 / c - np.logaddexp(0.0, -Z)"}, False),
    # skewnorm: 2 phi(z) Phi(a z); phi(a z) / Phi(a z) as exp(log phi - log Phi), for large negative a z
    "skewnorm": (
        "a",
        "a * np.exp(-0.5 * (a * Z) ** 2 - special.log_ndtr(a * Z)) * 0.3989422804014327 - Z",
        {"a": "Z * np.exp(-0.5 * (a * Z) ** 2 - special.log_ndtr(a * Z)) * 0.3989422804014327"},
        False,
    ),
}
