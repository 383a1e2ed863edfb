"""Rules for ``scipy.special`` and ``scipy.stats``; scipy itself stays optional.

srcdiff never imports scipy (importing ``scipy.stats`` alone takes about a second): the table
defines its rules the first time it is read once the program has imported ``scipy.special``
(or ``scipy.stats``) -- as any function calling scipy has, by the time srcdiff resolves that
call.  :meth:`ScipyTable.load` imports scipy and defines them all at once (for the docs and
tests); without scipy installed the table stays empty.

The distributions are methods of scipy's singletons (``scipy.stats.norm.logpdf``): the rules are
keyed by those bound methods, which compare (and hash) equal however often they are read.
A frozen distribution (``scipy.stats.norm(0.0, 1.0).logpdf``) has no rule and is refused.

>>> SCIPY.name
'scipy'
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from . import scipy_helpers
from .scipy_distributions import MORE_CONTINUOUS
from .scipy_special_more import define_more_special
from .table import Rule, RuleTable, register_helpers, rule

register_helpers(scipy_helpers.HELPERS)


class ScipyTable(RuleTable):
    """A rule table that fills itself, part by part, once the program has imported that part of
    scipy (``definers``: module name -> the function defining its rules)."""

    def __init__(self, name: str, definers: dict[str, Callable[[RuleTable], None]]) -> None:
        self._rules: dict[Any, Rule] = {}
        self._constants: set[Any] = set()
        self._waiting = dict(definers)
        self._defining = False
        self._lock = threading.RLock()  # (another thread waits for the rules, not a half-filled table)
        super().__init__(name)

    @property  # type: ignore[override]
    def rules(self) -> dict[Any, Rule]:
        if self._waiting:
            self._define_imported()
        return self._rules

    @rules.setter
    def rules(self, value: dict[Any, Rule]) -> None:
        self._rules = value

    @property  # type: ignore[override]
    def nondifferentiable(self) -> set[Any]:
        if self._waiting:
            self._define_imported()
        return self._constants

    @nondifferentiable.setter
    def nondifferentiable(self, value: set[Any]) -> None:
        self._constants = value

    def _define_imported(self) -> None:
        with self._lock:
            if self._defining:  # (a definer reading the table sees what is defined so far)
                return
            self._defining = True
            try:
                for module in [m for m in self._waiting if m in sys.modules]:
                    self._waiting.pop(module)(self)
            finally:
                self._defining = False

    def load(self) -> bool:
        """Import scipy and define every rule; False if scipy is not installed.

        >>> SCIPY.load() == ("scipy.special" in sys.modules)
        True
        """
        for module in list(self._waiting):
            try:
                __import__(module)
            except ImportError:
                return False
        self._define_imported()
        return True


#: How user code spells each scipy function with a rule (filled as the rules are defined).
NAMES: dict[Any, list[str]] = {}

#: The scipy section of ``docs/coverage.md`` (:mod:`srcdiff.tools.docs_tables`), before its table.
DOCS_INTRO = (
    "## scipy\n\n"
    "Only when scipy is installed; the rules are defined once the program has imported\n"
    "`scipy.special`, `scipy.stats` or `scipy.signal`. The distributions' methods are matched on scipy's own\n"
    "objects (`scipy.stats.norm.logpdf`, with `from scipy.stats import norm` too); a frozen\n"
    "distribution (`norm(0.0, 1.0).logpdf`) has no rule. Shape parameters not listed as\n"
    "differentiable (a Bessel function's order, the incomplete gamma function's `a`, a cdf's\n"
    "shape parameters) are refused when differentiated.\n\n"
)


def docs_names(fn: Any) -> list[str]:
    """The names of ``fn`` in scipy, the first the one the docs show.

    >>> docs_names(len)  # (not one of scipy's: its own name)
    ['len']
    """
    return NAMES.get(fn) or [getattr(fn, "__qualname__", repr(fn))]


def _name_special(special: Any) -> None:
    by_id: dict[int, list[str]] = {}
    for name in sorted(vars(special)):
        if not name.startswith("_"):
            by_id.setdefault(id(getattr(special, name)), []).append(name)
    for fn in [*SCIPY.rules, *SCIPY.nondifferentiable]:
        names = by_id.get(id(fn), [])
        primary = getattr(fn, "__name__", "")
        if names:
            NAMES[fn] = [f"scipy.special.{n}" for n in sorted(names, key=lambda n: (n != primary, n))]


def _define_special(table: RuleTable) -> None:
    import scipy.special as special

    scipy_helpers.SPECIAL["module"] = special
    register_helpers({"special": special})
    unary = {
        special.expit: "g * out * (1.0 - out)",
        special.logit: "g / (x * (1.0 - x))",
        special.gammaln: "g * special.digamma(x)",  # (log |gamma| for negative x: digamma there too)
        special.gamma: "g * out * special.digamma(x)",
        special.rgamma: "-g * out * special.digamma(x)",
        special.digamma: "g * special.polygamma(1, x)",  # (also special.psi)
        special.erf: "g * 1.1283791670955126 * np.exp(-x * x)",
        special.erfc: "-g * 1.1283791670955126 * np.exp(-x * x)",
        special.erfinv: "g * 0.886226925452758 * np.exp(out * out)",
        special.erfcinv: "-g * 0.886226925452758 * np.exp(out * out)",
        special.ndtr: "g * 0.3989422804014327 * np.exp(-0.5 * x * x)",
        special.log_ndtr: "g * 0.3989422804014327 * np.exp(-0.5 * x * x - out)",
        special.ndtri: "g * 2.5066282746310002 * np.exp(0.5 * out * out)",
        special.entr: "-g * (np.log(x) + 1.0)",
        # Bessel functions: the recurrences (I1' = (I0 + I2) / 2 holds at 0 too, where I1 / x does not)
        special.i0: "g * special.i1(x)",
        special.i1: "g * 0.5 * (special.i0(x) + special.iv(2.0, x))",
        # i0e(x) = exp(-|x|) i0(x): at its kink x = 0 the mean of the one-sided slopes, 0 (as np.abs)
        special.i0e: "g * (special.i1e(x) - np.sign(x) * out)",
        special.i1e: "g * (0.5 * (special.i0e(x) + special.ive(2.0, x)) - np.sign(x) * out)",
        special.j0: "-g * special.j1(x)",
        special.j1: "g * 0.5 * (special.j0(x) - special.jv(2.0, x))",
        special.y0: "-g * special.y1(x)",
        special.y1: "g * 0.5 * (special.y0(x) - special.yv(2.0, x))",
        special.k0: "-g * special.k1(x)",
        special.k1: "-g * 0.5 * (special.k0(x) + special.kv(2.0, x))",
    }
    if hasattr(special, "log_expit"):  # scipy 1.8+
        unary[special.log_expit] = "g * special.expit(-x)"
    for fn, template in unary.items():
        table.define(fn, rule("x", x=template))
    # (the order v is a constant: derivatives in it have no closed form)
    bessel = {
        special.iv: "g * 0.5 * (special.iv(v - 1.0, z) + special.iv(v + 1.0, z))",
        special.ive: "g * (0.5 * (special.ive(v - 1.0, z) + special.ive(v + 1.0, z)) - np.sign(z) * out)",
        special.jv: "g * 0.5 * (special.jv(v - 1.0, z) - special.jv(v + 1.0, z))",  # (also special.jn)
        special.yv: "g * 0.5 * (special.yv(v - 1.0, z) - special.yv(v + 1.0, z))",
        special.kv: "-g * 0.5 * (special.kv(v - 1.0, z) + special.kv(v + 1.0, z))",
        special.kve: "g * (out - 0.5 * (special.kve(v - 1.0, z) + special.kve(v + 1.0, z)))",
    }
    for fn, template in bessel.items():
        table.define(fn, rule("v, z", z=template, refuse="v"))
    table.define(special.yn, rule("n, x", x="g * 0.5 * (special.yn(n - 1, x) - special.yn(n + 1, x))", refuse="n"))
    table.define(special.polygamma, rule("n, x", x="g * special.polygamma(n + 1, x)", refuse="n"))
    table.define(special.multigammaln, rule("a, d", a="g * multipolygamma(1, a, d)", refuse="d"))
    table.define(scipy_helpers.multipolygamma, rule("n, a, d", a="g * multipolygamma(n + 1, a, d)"))
    psi_ab = "special.digamma({}) - special.digamma(a + b)"
    table.define(
        special.beta, rule("a, b", a=f"g * out * ({psi_ab.format('a')})", b=f"g * out * ({psi_ab.format('b')})")
    )
    table.define(special.betaln, rule("a, b", a=f"g * ({psi_ab.format('a')})", b=f"g * ({psi_ab.format('b')})"))
    # xlogy(0, y) is 0 for every y: no derivative in y there (not 0 / 0 at y = 0; elsewhere x / y,
    # whose derivative in x is 1 / y at x = 0 too)
    table.define(special.xlogy, rule("x, y", x="g * np.log(y)", y="g * x / np.where((x == 0) & (y == 0), 1.0, y)"))
    table.define(
        special.xlog1py,
        rule("x, y", x="g * np.log1p(y)", y="g * x / np.where((x == 0) & (y == -1), 1.0, 1.0 + y)"),
    )
    table.define(special.rel_entr, rule("x, y", x="g * (np.log(x / y) + 1.0)", y="-g * x / y"))
    table.define(special.kl_div, rule("x, y", x="g * np.log(x / y)", y="g * (1.0 - x / y)"))
    # the incomplete gamma and beta functions: in x only (their shape parameters have no closed form)
    gamma_density = "np.exp(special.xlogy(a - 1.0, x) - x - special.gammaln(a))"
    table.define(special.gammainc, rule("a, x", x=f"g * {gamma_density}", refuse="a"))
    table.define(special.gammaincc, rule("a, x", x=f"-g * {gamma_density}", refuse="a"))
    beta_density = "np.exp(special.xlogy(a - 1.0, x) + special.xlog1py(b - 1.0, -x) - special.betaln(a, b))"
    table.define(special.betainc, rule("a, b, x", x=f"g * {beta_density}", refuse="a, b"))
    _define_reductions(table, special)
    table.constant(special.gammasgn)
    define_more_special(table, special)
    _name_special(special)


def _define_reductions(table: RuleTable, special: Any) -> None:
    # (return_sign=True is not in the signature: such a call has no rule and is refused)
    lse = "a, axis=None, b=None, keepdims=False"
    table.define(
        special.logsumexp,
        rule(
            lse,
            elementwise=False,
            a="logsumexp_adjoint(g, a, b, out, axis, keepdims, False)",
            b="logsumexp_adjoint(g, a, b, out, axis, keepdims, True)",
            jvp={
                "a": "logsumexp_tangent(t, a, b, out, axis, keepdims, False)",
                "b": "logsumexp_tangent(t, a, b, out, axis, keepdims, True)",
            },
        ),
    )
    table.define(
        special.softmax,
        rule(
            "x, axis=None",
            elementwise=False,
            x="out * (g - np.sum(g * out, axis=axis, keepdims=True))",
            jvp={"x": "out * (t - np.sum(out * t, axis=axis, keepdims=True))"},
        ),
    )
    table.define(
        special.log_softmax,
        rule(
            "x, axis=None",
            elementwise=False,
            x="g - np.exp(out) * np.sum(g, axis=axis, keepdims=True)",
            jvp={"x": "t - np.sum(np.exp(out) * t, axis=axis, keepdims=True)"},
        ),
    )


# -- scipy.stats ---------------------------------------------------------------------------------
#: Continuous distributions: (shape parameters, score d logpdf / dz of the standardized density
#: at Z, d logpdf / d shape for each shape parameter, bounded support?).
_CONTINUOUS: dict[str, tuple[str, str, dict[str, str], bool]] = {
    "norm": ("", "-Z", {}, False),
    "t": (
        "df",
        "-(df + 1.0) * Z / (df + Z * Z)",
        {
            "df": "0.5 * (special.digamma(0.5 * (df + 1.0)) - special.digamma(0.5 * df)) - 0.5 / df"
            " - 0.5 * np.log1p(Z * Z / df) + 0.5 * (df + 1.0) * Z * Z / (df * (df + Z * Z))"
        },
        False,
    ),
    "gamma": ("a", "(a - 1.0) / Z - 1.0", {"a": "np.log(Z) - special.digamma(a)"}, True),
    "beta": (
        "a, b",
        "(a - 1.0) / Z - (b - 1.0) / (1.0 - Z)",
        {
            "a": "np.log(Z) - special.digamma(a) + special.digamma(a + b)",
            "b": "np.log1p(-Z) - special.digamma(b) + special.digamma(a + b)",
        },
        True,
    ),
    "chi2": ("df", "(0.5 * df - 1.0) / Z - 0.5", {"df": "0.5 * (np.log(0.5 * Z) - special.digamma(0.5 * df))"}, True),
}
_CONTINUOUS.update(MORE_CONTINUOUS)
_Z = "((x - loc) / scale)"


def _continuous_rules(name: str) -> dict[str, Rule]:
    """Rules for the pdf, logpdf, cdf, logcdf, sf and logsf of a location-scale distribution:
    with z = (x - loc) / scale, d/dx = score / scale, d/dloc = -score / scale and
    d/dscale = -(z * score + 1) / scale for the logpdf, and the density for the cdf."""
    shapes, score, shape_partials, bounded = _CONTINUOUS[name]
    params = [s.strip() for s in shapes.split(",") if s.strip()]
    signature = ", ".join(["x", *params, "loc=0.0, scale=1.0"])
    args = ", ".join(["x", *params, "loc", "scale"])
    partials = {
        "x": f"({score}) / scale",
        "loc": f"-({score}) / scale",
        "scale": f"-({_Z} * ({score}) + 1.0) / scale",
        **shape_partials,
    }
    partials = {p: text.replace("Z", _Z) for p, text in partials.items()}
    # outside a bounded support the logpdf is -inf and the pdf 0, for all nearby values
    inside = "np.where(out > -np.inf, {}, 0.0)" if bounded else "({})"
    density_inside = "np.where(out > 0.0, {}, 0.0)" if bounded else "{}"
    log_density: dict[str, Any] = {p: "g * " + inside.format(d) for p, d in partials.items()}
    density_of: dict[str, Any] = {p: "g * " + density_inside.format(f"out * ({d})") for p, d in partials.items()}
    found = {"logpdf": rule(signature, **log_density), "pdf": rule(signature, **density_of)}
    # the cdf's derivatives: the density, times -1 for loc and -z for scale (none for shapes);
    # the sf's are their negatives
    factors = {"x": (False, ""), "loc": (True, ""), "scale": (True, f"{_Z} * ")}
    density = f"stats.{name}.pdf({args})"
    ratio = inside.format(f"np.exp(stats.{name}.logpdf({args}) - out)")
    refuse = ", ".join(params)
    for method, flip, of in (
        ("cdf", False, density),
        ("sf", True, density),
        ("logcdf", False, ratio),
        ("logsf", True, ratio),
    ):
        templates: dict[str, Any] = {
            p: ("-" if negative != flip else "") + f"g * {z}{of}" for p, (negative, z) in factors.items()
        }
        found[method] = rule(signature, refuse=refuse, **templates)
    return found


def _poisson_rules() -> dict[str, Rule]:
    """Poisson in its mean ``mu`` (``k`` and ``loc`` are integers: no derivative).  The cdf's
    derivative is minus the pmf at floor(k - loc)."""
    signature = "k, mu, loc=0"
    point = "np.floor(k - loc), mu"
    return {
        "logpmf": rule(signature, mu="g * np.where(out > -np.inf, (k - loc) / mu - 1.0, 0.0)"),
        "pmf": rule(signature, mu="g * out * ((k - loc) / mu - 1.0)"),
        "cdf": rule(signature, mu=f"-g * stats.poisson.pmf({point})"),
        "sf": rule(signature, mu=f"g * stats.poisson.pmf({point})"),
        "logcdf": rule(signature, mu=f"-g * np.where(out > -np.inf, np.exp(stats.poisson.logpmf({point}) - out), 0.0)"),
        "logsf": rule(signature, mu=f"g * np.exp(stats.poisson.logpmf({point}) - out)"),
    }


def _mvn_rules() -> dict[str, Rule]:
    signature = "x, mean=None, cov=1, allow_singular=False"
    found = {}
    for method, weight in (("logpdf", "g"), ("pdf", "g * out")):
        scale = "" if method == "logpdf" else "out * "
        adjoints: dict[str, Any] = {
            p: f"mvn_adjoint({weight}, x, mean, cov, allow_singular, '{p}')" for p in ("x", "mean", "cov")
        }
        tangents = {p: f"{scale}mvn_tangent(t, x, mean, cov, allow_singular, '{p}')" for p in ("x", "mean", "cov")}
        found[method] = rule(signature, elementwise=False, jvp=tangents, **adjoints)
    return found


def _dirichlet_rules() -> dict[str, Rule]:
    psi = {"x": "0.0", "alpha": "special.digamma(np.sum(alpha)) - special.digamma(alpha)"}
    found = {}
    for method, weight, scale in (("logpdf", "g", ""), ("pdf", "g * out", "out * ")):
        adjoints: dict[str, Any] = {p: f"dirichlet_adjoint({weight}, x, alpha, {psi[p]}, '{p}')" for p in psi}
        tangents = {p: f"{scale}dirichlet_tangent(t, x, alpha, {psi[p]}, '{p}')" for p in psi}
        found[method] = rule("x, alpha", elementwise=False, jvp=tangents, **adjoints)
    return found


def _define_stats(table: RuleTable) -> None:
    import scipy.stats as stats

    register_helpers({"stats": stats})
    for name in _CONTINUOUS:
        for method, r in _continuous_rules(name).items():
            _define_method(table, stats, name, method, r)
    for method, r in _poisson_rules().items():
        _define_method(table, stats, "poisson", method, r)
    for method, r in _mvn_rules().items():
        _define_method(table, stats, "multivariate_normal", method, r)
    entropy = rule(
        "mean=None, cov=1",
        elementwise=False,
        cov="g * mvn_entropy_partials(cov)",
        jvp={"cov": "np.sum(mvn_entropy_partials(cov) * t)"},
    )
    _define_method(table, stats, "multivariate_normal", "entropy", entropy)
    for method, r in _dirichlet_rules().items():
        _define_method(table, stats, "dirichlet", method, r)


def _define_method(table: RuleTable, stats: Any, distribution: str, method: str, r: Rule) -> None:
    fn = getattr(getattr(stats, distribution), method)
    table.define(fn, r)
    NAMES[fn] = [f"scipy.stats.{distribution}.{method}"]


def _define_signal(table: RuleTable) -> None:
    from . import scipy_signal

    scipy_signal.define(table, NAMES)


def _define_integrate(table: RuleTable) -> None:
    import scipy.integrate as integrate

    # (``t`` is named ``times`` here: templates reserve ``t``; a call passing it by name is refused)
    signature = "func, y0, times, args=(), Dfun=None, col_deriv=0, full_output=0, ml=None, mu=None, rtol=None"
    signature += ", atol=None, tcrit=None, h0=0.0, hmax=0.0, hmin=0.0, ixpr=0, mxstep=0, mxhnil=0, mxordn=12"
    signature += ", mxords=5, printmessg=0, tfirst=False"
    jvp = {p: f"odeint_refused({p})" for p in ("y0", "times", "args")}
    refused = rule(
        signature,
        elementwise=False,
        sequences="args",
        jvp=jvp,
        y0="odeint_refused(y0)",
        times="odeint_refused(times)",
        args="odeint_refused(args)",
    )
    table.define(integrate.odeint, refused)
    NAMES[integrate.odeint] = ["scipy.integrate.odeint"]


SCIPY = ScipyTable(
    "scipy",
    {
        "scipy.special": _define_special,
        "scipy.stats": _define_stats,
        "scipy.signal": _define_signal,
        "scipy.integrate": _define_integrate,
    },
)
