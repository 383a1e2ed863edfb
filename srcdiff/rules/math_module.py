"""Rules for the ``math`` module (scalars only, so no broadcasting)."""

from __future__ import annotations

import math

from .operators import POWER_BASE
from .runtime_rules import RUNTIME
from .table import RuleTable, register_helpers, rule

MATH = RuleTable("math")

# Bernoulli numbers B2, B4, ..., B16 of the asymptotic series of the polygamma functions
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)


def polygamma_scalar(n: int, x: float) -> float:
    """The ``n``-th derivative of the digamma function at a real ``x`` (``n = 0``: digamma, the
    derivative of ``math.lgamma``), in plain Python so that ``math.lgamma``'s and ``math.gamma``'s
    derivatives need no scipy.  Exact to about 1e-15 relative; ``nan`` at the poles (0, -1, ...).

    >>> round(polygamma_scalar(0, 1.0), 12), round(polygamma_scalar(1, 1.0), 12)  # -Euler's gamma, pi**2 / 6
    (-0.577215664902, 1.644934066848)
    """
    x = float(x)
    if x <= 0.0 and x == math.floor(x):
        return math.nan
    sign = -1.0 if n % 2 == 0 else 1.0  # (-1) ** (n + 1)
    total = 0.0
    # the recurrence psi_n(x) = psi_n(x + 1) - (-1) ** n * n! / x ** (n + 1) moves x up to where the
    # series is accurate (it converges faster for larger x, and needs more room for larger n)
    factorial = float(math.factorial(n))
    while x < 15.0 + n:
        total += sign * factorial / x ** (n + 1)
        x += 1.0
    if n == 0:
        series = math.log(x) - 0.5 / x
        for k, b in enumerate(_BERNOULLI, start=1):
            series -= b / (2 * k * x ** (2 * k))
        return total + series
    series = math.factorial(n - 1) / x**n + factorial / (2.0 * x ** (n + 1))
    for k, b in enumerate(_BERNOULLI, start=1):
        series += b * math.factorial(2 * k + n - 1) / (math.factorial(2 * k) * x ** (2 * k + n))
    return total + sign * series


register_helpers({"polygamma_scalar": polygamma_scalar})
RUNTIME.define(polygamma_scalar, rule("n, x", x="g * polygamma_scalar(n + 1, x)"))


for fn, r in {
    math.sin: rule("x", x="g * math.cos(x)"),
    math.cos: rule("x", x="-g * math.sin(x)"),
    math.tan: rule("x", x="g * (1.0 + out * out)"),
    math.asin: rule("x", x="g / math.sqrt(1.0 - x * x)"),
    math.acos: rule("x", x="-g / math.sqrt(1.0 - x * x)"),
    math.atan: rule("x", x="g / (1.0 + x * x)"),
    math.atan2: rule("y, x", y="g * x / (x * x + y * y)", x="-g * y / (x * x + y * y)"),
    math.sinh: rule("x", x="g * math.cosh(x)"),
    math.cosh: rule("x", x="g * math.sinh(x)"),
    math.tanh: rule("x", x="g * (1.0 - out * out)"),
    math.asinh: rule("x", x="g / math.sqrt(x * x + 1.0)"),
    math.acosh: rule("x", x="g / math.sqrt(x * x - 1.0)"),
    math.atanh: rule("x", x="g / (1.0 - x * x)"),
    math.exp: rule("x", x="g * out"),
    math.expm1: rule("x", x="g * (out + 1.0)"),
    math.log: rule(
        "x, base=None",
        x="g / x if base is None else g / (x * math.log(base))",
        base="-g * out / (base * math.log(base))",
    ),
    math.log2: rule("x", x="g / (x * math.log(2.0))"),
    math.log10: rule("x", x="g / (x * math.log(10.0))"),
    math.log1p: rule("x", x="g / (1.0 + x)"),
    math.sqrt: rule("x", x="g / (2.0 * out)"),
    math.pow: rule("a, b", a=POWER_BASE, b="g * out * log_or_zero(a)"),
    # at the origin (a kink) the zero subgradient, as for a norm, instead of 0 / 0
    math.hypot: rule("x, y", x="g * x * reciprocal_or_zero(out)", y="g * y * reciprocal_or_zero(out)"),
    math.fabs: rule("x", x="g * math.copysign(1.0, x) if x != 0.0 else 0.0 * g"),
    math.copysign: rule("x, y", x="g * math.copysign(1.0, x) * math.copysign(1.0, y)"),
    math.erf: rule("x", x="g * 1.1283791670955126 * math.exp(-x * x)"),
    math.erfc: rule("x", x="-g * 1.1283791670955126 * math.exp(-x * x)"),
    # (log |gamma(x)| for negative x: its derivative is digamma there too)
    math.lgamma: rule("x", x="g * polygamma_scalar(0, x)"),
    math.gamma: rule("x", x="g * out * polygamma_scalar(0, x)"),
    math.degrees: rule("x", x="g * 57.29577951308232"),
    math.radians: rule("x", x="g * 0.017453292519943295"),
    math.fmod: rule("x, y", x="g", y="-g * math.trunc(x / y)"),
    math.ldexp: rule("x, e", x="g * 2.0 ** e"),
}.items():
    MATH.define(fn, r)

if hasattr(math, "cbrt"):  # Python 3.11+
    MATH.define(math.cbrt, rule("x", x="g / (3.0 * out * out)"))
    MATH.define(math.exp2, rule("x", x="g * out * 0.6931471805599453"))  # type: ignore[attr-defined]

MATH.constant(
    math.floor,
    math.ceil,
    math.trunc,
    math.isnan,
    math.isinf,
    math.isfinite,
    math.isclose,
    math.factorial,
    math.comb,
    math.perm,
    math.gcd,
    math.isqrt,
)
