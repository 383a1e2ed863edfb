"""More ``scipy.special`` rules (defined with the others by :mod:`srcdiff.rules.scipy_module`,
once the program has imported ``scipy.special``), real arguments only.

Where a function has parameters with no closed-form derivative (an order, a hypergeometric
function's ``a, b, c``, a cdf's degrees of freedom) only the others are differentiable; the rest
are refused when differentiated.  Edges and kinks:

- ``huber(delta, r)``: at ``|r| == delta`` the quadratic piece's derivative (both pieces agree there).
- ``spherical_jn(n, z, derivative=True)`` (and ``_yn``, ``_in``, ``_kn``): the second derivative from
  the Bessel equation, which has ``z`` in a denominator: not at ``z == 0``.
- ``pdtr(k, m)``/``pdtrc``: ``k`` is floored, as scipy does; a negative ``k`` gives 0.

>>> import scipy.special as special
>>> from srcdiff.rules.scipy_module import SCIPY
>>> SCIPY.rules[special.erfcx].adjoints["x"]
'g * (2.0 * x * out - 1.1283791670955126)'
"""

from __future__ import annotations

from typing import Any

from .table import RuleTable, rule

_DEGREE = "0.017453292519943295"
#: the Student t density at x with df degrees of freedom
_T_DENSITY = (
    "np.exp(special.gammaln(0.5 * (df + 1.0)) - special.gammaln(0.5 * df) - 0.5 * np.log(np.pi * df)"
    " - 0.5 * (df + 1.0) * np.log1p(x * x / df))"
)
_CHI2_DENSITY = "np.exp(special.xlogy(0.5 * v - 1.0, x) - 0.5 * x - 0.34657359027997264 * v - special.gammaln(0.5 * v))"
#: the standard gamma density of shape b at a * x
_GAMMA_AT = "np.exp(special.xlogy(b - 1.0, a * x) - a * x - special.gammaln(b))"
_POISSON_PMF = "np.exp(special.xlogy(np.floor(k), m) - m - special.gammaln(np.floor(k) + 1.0))"
#: spherical Bessel functions: y'' from z^2 y'' + 2 z y' + (s z^2 - n (n + 1)) y = 0 (s = 1 for jn
#: and yn, -1 for in and kn)
_SPHERICAL = (
    "g * ({fn}(n, z, True) if not derivative else -2.0 * out / z - ({s} - n * (n + 1.0) / (z * z)) * {fn}(n, z))"
)


def define_more_special(table: RuleTable, special: Any) -> None:
    """Define the rules of this module into ``table`` (the scipy one)."""
    unary = {
        special.erfcx: "g * (2.0 * x * out - 1.1283791670955126)",
        special.dawsn: "g * (1.0 - 2.0 * x * out)",
        special.erfi: "g * 1.1283791670955126 * np.exp(x * x)",
        special.expm1: "g * (out + 1.0)",
        special.log1p: "g / (1.0 + x)",
        special.exp2: "g * out * 0.6931471805599453",
        special.exp10: "g * out * 2.302585092994046",
        special.cbrt: "g / (3.0 * out * out)",
        special.cosm1: "-g * np.sin(x)",
        special.sindg: f"g * {_DEGREE} * special.cosdg(x)",
        special.cosdg: f"-g * {_DEGREE} * special.sindg(x)",
        special.tandg: f"g * {_DEGREE} * (1.0 + out * out)",
        special.cotdg: f"-g * {_DEGREE} * (1.0 + out * out)",
        special.loggamma: "g * special.digamma(x)",
        special.k0e: "g * (out - special.k1e(x))",
        special.k1e: "g * (out - 0.5 * (special.k0e(x) + special.kve(2.0, x)))",
        special.expi: "g * np.exp(x) / x",
        special.exp1: "-g * np.exp(-x) / x",
        special.ndtri_exp: "g * 2.5066282746310002 * np.exp(x + 0.5 * out * out)",
    }
    if hasattr(special, "softplus"):  # scipy 1.15+
        unary[special.softplus] = "g * special.expit(x)"
    for fn, template in unary.items():
        table.define(fn, rule("x", x=template))
    # Box-Cox in x (lmbda: its derivative there is 0 / 0 at lmbda = 0)
    table.define(special.boxcox, rule("x, lmbda", x="g * np.power(x, lmbda - 1.0)", refuse="lmbda"))
    table.define(special.boxcox1p, rule("x, lmbda", x="g * np.power(1.0 + x, lmbda - 1.0)", refuse="lmbda"))
    table.define(special.inv_boxcox, rule("y, lmbda", y="g * np.power(out, 1.0 - lmbda)", refuse="lmbda"))
    table.define(special.inv_boxcox1p, rule("y, lmbda", y="g * np.power(1.0 + out, 1.0 - lmbda)", refuse="lmbda"))
    inside = "np.abs(r) <= delta"
    table.define(
        special.huber,
        rule(
            "delta, r",
            delta=f"g * np.where({inside}, 0.0, np.abs(r) - delta)",
            r=f"g * np.where({inside}, r, delta * np.sign(r))",
        ),
    )
    root = "np.sqrt(1.0 + (r / delta) ** 2)"
    table.define(
        special.pseudo_huber,
        rule("delta, r", delta=f"g * (2.0 * out / delta - r * r / (delta * {root}))", r=f"g * r / {root}"),
    )
    table.define(
        special.owens_t,
        rule(
            "h, a",
            h="-g * 0.19947114020071635 * np.exp(-0.5 * h * h) * special.erf(0.7071067811865476 * a * h)",
            a="g * np.exp(-0.5 * h * h * (1.0 + a * a)) / (6.283185307179586 * (1.0 + a * a))",
        ),
    )
    table.define(special.zeta, rule("x, q=None", q="-g * x * special.zeta(x + 1.0, q)", refuse="x"))
    # E_n' = -E_(n-1) for n >= 1; E_0(x) = exp(-x) / x (scipy has no E_-1: its nan would reach the
    # second derivative of E_1)
    table.define(
        special.expn,
        rule(
            "n, x",
            x="-g * np.where(n >= 1, special.expn(np.maximum(n - 1, 0), x), np.exp(-x) * (1.0 + 1.0 / x) / x)",
            refuse="n",
        ),
    )
    table.define(special.hyp1f1, rule("a, b, x", x="g * a / b * special.hyp1f1(a + 1.0, b + 1.0, x)", refuse="a, b"))
    table.define(
        special.hyp2f1,
        rule("a, b, c, z", z="g * a * b / c * special.hyp2f1(a + 1.0, b + 1.0, c + 1.0, z)", refuse="a, b, c"),
    )
    table.define(special.hyperu, rule("a, b, x", x="-g * a * special.hyperu(a + 1.0, b + 1.0, x)", refuse="a, b"))
    # exponentially scaled by exp(-|imag z|): for real z the functions themselves
    for fn in (special.jve, special.yve):
        name = f"special.{fn.__name__}"
        table.define(fn, rule("v, z", z=f"g * 0.5 * ({name}(v - 1.0, z) - {name}(v + 1.0, z))", refuse="v"))
    for fn, s in ((special.spherical_jn, "1.0"), (special.spherical_yn, "1.0")):
        table.define(fn, rule("n, z, derivative=False", z=_SPHERICAL.format(fn=f"special.{fn.__name__}", s=s)))
    for fn in (special.spherical_in, special.spherical_kn):
        table.define(fn, rule("n, z, derivative=False", z=_SPHERICAL.format(fn=f"special.{fn.__name__}", s="-1.0")))
    # cdfs in their variable (and gdtr in its rate a)
    table.define(special.stdtr, rule("df, x", x=f"g * {_T_DENSITY}", refuse="df"))
    table.define(special.chdtr, rule("v, x", x=f"g * {_CHI2_DENSITY}", refuse="v"))
    table.define(special.chdtrc, rule("v, x", x=f"-g * {_CHI2_DENSITY}", refuse="v"))
    table.define(special.gdtr, rule("a, b, x", a=f"g * x * {_GAMMA_AT}", x=f"g * a * {_GAMMA_AT}", refuse="b"))
    table.define(special.gdtrc, rule("a, b, x", a=f"-g * x * {_GAMMA_AT}", x=f"-g * a * {_GAMMA_AT}", refuse="b"))
    table.define(special.pdtr, rule("k, m", m=f"-g * {_POISSON_PMF}"))
    table.define(special.pdtrc, rule("k, m", m=f"g * {_POISSON_PMF}"))
    # inverses: one over the density at the result
    table.define(
        special.gammaincinv,
        rule("a, y", y="g * np.exp(out - special.xlogy(a - 1.0, out) + special.gammaln(a))", refuse="a"),
    )
    table.define(
        special.gammainccinv,
        rule("a, y", y="-g * np.exp(out - special.xlogy(a - 1.0, out) + special.gammaln(a))", refuse="a"),
    )
    table.define(
        special.betaincinv,
        rule(
            "a, b, y",
            y="g * np.exp(special.betaln(a, b) - special.xlogy(a - 1.0, out) - special.xlog1py(b - 1.0, -out))",
            refuse="a, b",
        ),
    )
