"""Every scipy rule (``srcdiff/rules/scipy_module.py``) checked against central finite differences,
in reverse mode, forward mode and second order (forward over the generated gradient), like
``test_numpy_rules.py`` (whose helpers it uses).  Skipped without scipy.

Adding a scipy rule without a case here fails ``test_every_rule_has_a_domain``.  Also here: scipy
stays optional (srcdiff imports, and works, without it), the kinks and edges the rules name, and
what is refused.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from test_numpy_rules import PARAMS, A, F, assert_array_grad, case_module, check_second_order

import srcdiff
from srcdiff import rules
from srcdiff.rules import scipy_helpers
from srcdiff.rules.math_module import polygamma_scalar
from srcdiff.rules.scipy_module import SCIPY

scipy = pytest.importorskip("scipy")
special = pytest.importorskip("scipy.special")
stats = pytest.importorskip("scipy.stats")
SCIPY.load()


def FIXED(value):
    return lambda rng: np.array(value, dtype=float)


def SPD(n):
    """A covariance matrix: symmetric positive definite, with a random (ignored) upper triangle."""

    def make(rng):
        low = np.tril(rng.uniform(-0.5, 0.5, (n, n)), -1)
        return low + low.T + np.diag(rng.uniform(1.5, 2.5, n)) + np.triu(rng.uniform(-3.0, 3.0, (n, n)), 1)

    return make


#: (rules exercised, body, argument makers); every argument is differentiated.
CASES: list[tuple[tuple, str, tuple]] = []


def case(keys, body, *specs):
    CASES.append((keys if isinstance(keys, tuple) else (keys,), body, specs))


# ---- scipy.special, elementwise
S = special
for fn, specs in {
    S.expit: [A(3, 4, lo=-4.0, hi=4.0)],
    S.logit: [A(3, 4, lo=0.1, hi=0.9)],
    S.gammaln: [A(3, 4, lo=0.3, hi=4.0), FIXED([-2.5, -0.3, -1.7])],
    S.gamma: [A(3, 4, lo=0.3, hi=3.0), FIXED([-2.5, -0.3])],
    S.rgamma: [A(3, 4, lo=0.3, hi=3.0), FIXED([-2.5, -0.5])],
    S.digamma: [A(3, 4, lo=0.3, hi=3.0), FIXED([-2.5, -0.5])],
    S.erf: [A(3, 4)],
    S.erfc: [A(3, 4)],
    S.erfinv: [A(3, 4, lo=-0.9, hi=0.9)],
    S.erfcinv: [A(3, 4, lo=0.1, hi=1.9)],
    S.ndtr: [A(3, 4, lo=-3.0, hi=3.0)],
    S.log_ndtr: [A(3, 4, lo=-3.0, hi=3.0), FIXED([-30.0, -10.0, 6.0])],
    S.ndtri: [A(3, 4, lo=0.05, hi=0.95)],
    S.entr: [A(3, 4, lo=0.1, hi=2.0)],
    S.i0: [A(3, 4, lo=-3.0, hi=3.0)],
    S.i1: [A(3, 4, lo=-3.0, hi=3.0)],
    S.i0e: [A(3, 4, lo=-3.0, hi=3.0)],
    S.i1e: [A(3, 4, lo=-3.0, hi=3.0)],
    S.j0: [A(3, 4, lo=0.5, hi=10.0)],
    S.j1: [A(3, 4, lo=-10.0, hi=10.0)],
    S.y0: [A(3, 4, lo=0.5, hi=10.0)],
    S.y1: [A(3, 4, lo=0.5, hi=10.0)],
    S.k0: [A(3, 4, lo=0.5, hi=5.0)],
    S.k1: [A(3, 4, lo=0.5, hi=5.0)],
}.items():
    for spec in specs:
        case(fn, f"special.{fn.__name__}(x)", spec)
if hasattr(S, "log_expit"):
    case(S.log_expit, "special.log_expit(x)", A(3, 4, lo=-4.0, hi=4.0))
case(S.digamma, "special.psi(x)", A(4, lo=0.3, hi=3.0))
case(S.expit, "special.expit(2.0 * x) * x", A(2, 3))
case(S.iv, "special.iv(2.5, x)", A(4, lo=0.5, hi=5.0))
case(S.iv, "special.iv(0, x) + special.iv(1, x)", A(4, lo=-3.0, hi=3.0))
case(S.ive, "special.ive(1.5, x)", A(4, lo=0.5, hi=5.0))
case(S.ive, "special.ive(2, x)", A(4, lo=-3.0, hi=3.0))
case(S.jv, "special.jv(1.5, x)", A(4, lo=0.5, hi=8.0))
case(S.jv, "special.jn(2, x)", A(4, lo=-8.0, hi=8.0))
case(S.yv, "special.yv(0.5, x)", A(4, lo=0.5, hi=8.0))
case(S.kv, "special.kv(1.5, x)", A(4, lo=0.5, hi=4.0))
case(S.kve, "special.kve(0.5, x)", A(4, lo=0.5, hi=4.0))
case(S.yn, "special.yn(2, x)", A(4, lo=0.5, hi=8.0))
case(S.polygamma, "special.polygamma(0, x) + special.polygamma(2, x)", A(4, lo=0.5, hi=3.0))
case(S.polygamma, "special.polygamma(np.array([1, 3]), x)", A(3, 2, lo=0.5, hi=3.0))
case((S.multigammaln, scipy_helpers.multipolygamma), "special.multigammaln(x, 3)", A(3, 4, lo=2.5, hi=5.0))
case(S.multigammaln, "special.multigammaln(x, 1)", A(lo=0.5, hi=3.0))
case(S.beta, "special.beta(x, y)", A(3, 4, lo=0.5, hi=3.0), A(4, lo=0.5, hi=3.0))
case(S.betaln, "special.betaln(x, y)", A(3, 4, lo=0.5, hi=3.0), A(3, 1, lo=0.5, hi=3.0))
case(S.xlogy, "special.xlogy(x, y)", A(3, 4), A(3, 4, lo=0.5, hi=3.0))
case(S.xlogy, "special.xlogy(x, y)", FIXED([0.0, 1.5, 0.0]), A(3, lo=0.5, hi=3.0))  # x == 0
case(S.xlog1py, "special.xlog1py(x, y)", A(3, 4), A(4, lo=-0.5, hi=3.0))
case(S.xlog1py, "special.xlog1py(x, y)", FIXED([0.0, -1.5]), A(2, lo=-0.5, hi=3.0))
case(S.rel_entr, "special.rel_entr(x, y)", A(3, 4, lo=0.2, hi=3.0), A(3, 4, lo=0.2, hi=3.0))
case(S.kl_div, "special.kl_div(x, y)", A(3, 4, lo=0.2, hi=3.0), A(4, lo=0.2, hi=3.0))
case(S.gammainc, "special.gammainc(2.5, x) + special.gammainc(1.0, x)", A(4, lo=0.3, hi=4.0))
case(S.gammaincc, "special.gammaincc(0.7, x)", A(4, lo=0.3, hi=4.0))
case(S.betainc, "special.betainc(2.0, 3.5, x) + special.betainc(0.8, 1.0, x)", A(4, lo=0.1, hi=0.9))

# ---- scipy.special: srcdiff/rules/scipy_special_more.py
for fn, specs in {
    S.erfcx: [A(3, 4, lo=-2.0, hi=5.0)],
    S.dawsn: [A(3, 4, lo=-4.0, hi=4.0)],
    S.erfi: [A(3, 4, lo=-1.5, hi=1.5)],
    S.expm1: [A(3, 4)],
    S.log1p: [A(3, 4, lo=-0.5, hi=2.0)],
    S.exp2: [A(3, 4)],
    S.exp10: [A(3, 4, lo=-1.0, hi=1.0)],
    S.cbrt: [A(3, 4, lo=0.5, hi=3.0), A(3, lo=-3.0, hi=-0.5)],
    S.cosm1: [A(3, 4, lo=-3.0, hi=3.0), FIXED([0.0, 1e-9])],
    S.sindg: [A(3, 4, lo=-300.0, hi=300.0)],
    S.cosdg: [A(3, 4, lo=-300.0, hi=300.0)],
    S.tandg: [A(3, 4, lo=-60.0, hi=60.0)],
    S.cotdg: [A(3, 4, lo=20.0, hi=160.0)],
    S.loggamma: [A(3, 4, lo=0.3, hi=5.0)],
    S.k0e: [A(3, 4, lo=0.5, hi=5.0)],
    S.k1e: [A(3, 4, lo=0.5, hi=5.0)],
    S.expi: [A(3, 4, lo=0.3, hi=3.0), A(3, lo=-3.0, hi=-0.3)],
    S.exp1: [A(3, 4, lo=0.3, hi=3.0)],
    S.ndtri_exp: [A(3, 4, lo=-10.0, hi=-0.1)],
}.items():
    for spec in specs:
        case(fn, f"special.{fn.__name__}(x)", spec)
if hasattr(S, "softplus"):
    case(S.softplus, "special.softplus(x)", A(3, 4, lo=-4.0, hi=4.0))
case(S.boxcox, "special.boxcox(x, 0.5) + special.boxcox(x, 0.0) + special.boxcox(x, -1.3)", A(4, lo=0.3, hi=3.0))
case(S.boxcox1p, "special.boxcox1p(x, 0.5) + special.boxcox1p(x, 0.0)", A(4, lo=-0.5, hi=3.0))
case(S.inv_boxcox, "special.inv_boxcox(x, 0.5) + special.inv_boxcox(x, 0.0)", A(4, lo=-1.0, hi=2.0))
case(S.inv_boxcox1p, "special.inv_boxcox1p(x, 0.5) + special.inv_boxcox1p(x, 0.0)", A(4, lo=-1.0, hi=2.0))
case(S.huber, "special.huber(x, y)", A(3, 4, lo=0.5, hi=1.5), A(3, 4, lo=-3.0, hi=3.0))
case(S.pseudo_huber, "special.pseudo_huber(x, y)", A(3, 4, lo=0.5, hi=1.5), A(4, lo=-3.0, hi=3.0))
case(S.owens_t, "special.owens_t(x, y)", A(3, 4, lo=-2.0, hi=2.0), A(3, 4, lo=-2.0, hi=2.0))
case(S.zeta, "special.zeta(3.5, x) + special.zeta(2.0, x)", A(4, lo=0.5, hi=3.0))
case(S.expn, "special.expn(1, x) + special.expn(3, x) + special.expn(0, x)", A(4, lo=0.3, hi=3.0))
case(S.hyp1f1, "special.hyp1f1(0.7, 1.5, x)", A(4, lo=-2.0, hi=2.0))
case(S.hyp2f1, "special.hyp2f1(0.7, 1.2, 2.5, x)", A(4, lo=-0.8, hi=0.8))
case(S.hyperu, "special.hyperu(0.7, 1.5, x)", A(4, lo=0.5, hi=3.0))
case(S.jve, "special.jve(1.5, x) + special.jve(0, x)", A(4, lo=0.5, hi=8.0))
case(S.yve, "special.yve(0.5, x)", A(4, lo=0.5, hi=8.0))
for fn in (S.spherical_jn, S.spherical_yn, S.spherical_in, S.spherical_kn):
    name = f"special.{fn.__name__}"
    case(fn, f"{name}(0, x) + {name}(2, x) + {name}(1, x, True) + {name}(3, x, derivative=True)", A(4, lo=0.5, hi=4.0))
case(S.stdtr, "special.stdtr(3.5, x) + special.stdtr(1.0, x)", A(4, lo=-3.0, hi=3.0))
case(S.chdtr, "special.chdtr(3.0, x) + special.chdtr(1.5, x)", A(4, lo=0.3, hi=5.0))
case(S.chdtrc, "special.chdtrc(3.0, x)", A(4, lo=0.3, hi=5.0))
case(S.gdtr, "special.gdtr(x, 2.5, y)", A(4, lo=0.5, hi=2.0), A(4, lo=0.3, hi=4.0))
case(S.gdtrc, "special.gdtrc(x, 2.5, y)", A(4, lo=0.5, hi=2.0), A(4, lo=0.3, hi=4.0))
case(S.pdtr, "special.pdtr(np.array([0.0, 2.0, 3.5, 7.0]), x)", A(4, lo=0.5, hi=5.0))
case(S.pdtrc, "special.pdtrc(np.array([0.0, 2.0, 3.5, 7.0]), x)", A(4, lo=0.5, hi=5.0))
case(S.gammaincinv, "special.gammaincinv(2.5, x) + special.gammaincinv(0.8, x)", A(4, lo=0.1, hi=0.9))
case(S.gammainccinv, "special.gammainccinv(2.5, x)", A(4, lo=0.1, hi=0.9))
case(S.betaincinv, "special.betaincinv(2.0, 3.5, x) + special.betaincinv(0.8, 1.0, x)", A(4, lo=0.1, hi=0.9))

# ---- scipy.special, reductions
for axis in ["", ", axis=0", ", axis=1", ", axis=-1", ", axis=(0, 2)", ", axis=1, keepdims=True", ", keepdims=True"]:
    case(S.logsumexp, f"special.logsumexp(x{axis})", A(2, 3, 4))
    case(S.logsumexp, f"special.logsumexp(x{axis}, b=y)", A(2, 3, 4), A(2, 3, 4, lo=0.2, hi=2.0))
case(S.logsumexp, "special.logsumexp(x, b=y)", A(3, 4), A(4, lo=0.2, hi=2.0))  # b broadcast
case(S.logsumexp, "special.logsumexp(x, 1, y, True)", A(3, 4), A(3, 1, lo=0.2, hi=2.0))
case(S.logsumexp, "special.logsumexp(x, b=y, axis=0)", A(4), A(3, 4, lo=0.2, hi=2.0))  # a broadcast
case(S.logsumexp, "special.logsumexp(x)", FIXED([1000.0, 1001.0, 999.0]))  # no overflow
case(S.logsumexp, "special.logsumexp(x, axis=1, keepdims=True)", A(1, 5))
for fn in (S.softmax, S.log_softmax):
    for axis in ["", ", axis=0", ", axis=1", ", axis=(0, 2)"]:
        case(fn, f"special.{fn.__name__}(x{axis})", A(2, 3, 4))
    case(fn, f"special.{fn.__name__}(x)", A(4))

# ---- scipy.stats: every method, every parameter differentiated (shapes only in logpdf/pdf)
#: distribution -> makers for x, the shape parameters, loc, scale (inside the support)
DISTRIBUTIONS = {
    "norm": [A(4), A(4), A(4, lo=0.5, hi=2.0)],
    "t": [A(4), A(4, lo=2.1, hi=6.0), A(4), A(4, lo=0.5, hi=2.0)],
    "gamma": [A(4, lo=1.0, hi=3.0), A(4, lo=1.2, hi=3.0), A(4, lo=-0.5, hi=0.5), A(4, lo=0.5, hi=2.0)],
    "beta": [
        A(4, lo=0.2, hi=0.6),
        A(4, lo=1.2, hi=3.0),
        A(4, lo=1.2, hi=3.0),
        A(4, lo=-0.1, hi=0.1),
        A(4, lo=1.0, hi=1.3),
    ],
    "chi2": [A(4, lo=1.0, hi=3.0), A(4, lo=1.5, hi=5.0), A(4, lo=-0.5, hi=0.5), A(4, lo=0.5, hi=2.0)],
    # (srcdiff/rules/scipy_distributions.py)
    "laplace": [A(4), A(4), A(4, lo=0.5, hi=2.0)],
    "logistic": [A(4), A(4), A(4, lo=0.5, hi=2.0)],
    "cauchy": [A(4), A(4), A(4, lo=0.5, hi=2.0)],
    "hypsecant": [A(4), A(4), A(4, lo=0.5, hi=2.0)],
    "gumbel_r": [A(4), A(4), A(4, lo=0.5, hi=2.0)],
    "gumbel_l": [A(4), A(4), A(4, lo=0.5, hi=2.0)],
    "expon": [A(4, lo=0.6, hi=3.0), A(4, lo=-0.5, hi=0.5), A(4, lo=0.5, hi=2.0)],
    "uniform": [A(4, lo=0.0, hi=1.0), A(4, lo=-1.0, hi=-0.6), A(4, lo=2.0, hi=3.0)],
    "halfnorm": [A(4, lo=0.6, hi=3.0), A(4, lo=-0.5, hi=0.5), A(4, lo=0.5, hi=2.0)],
    "rayleigh": [A(4, lo=0.6, hi=3.0), A(4, lo=-0.5, hi=0.5), A(4, lo=0.5, hi=2.0)],
    "maxwell": [A(4, lo=0.6, hi=3.0), A(4, lo=-0.5, hi=0.5), A(4, lo=0.5, hi=2.0)],
    "lognorm": [A(4, lo=0.6, hi=3.0), A(4, lo=0.4, hi=1.5), A(4, lo=-0.5, hi=0.5), A(4, lo=0.5, hi=2.0)],
    "weibull_min": [A(4, lo=0.6, hi=3.0), A(4, lo=1.2, hi=3.0), A(4, lo=-0.5, hi=0.5), A(4, lo=0.5, hi=2.0)],
    "invgamma": [A(4, lo=0.6, hi=3.0), A(4, lo=1.2, hi=3.0), A(4, lo=-0.5, hi=0.5), A(4, lo=0.5, hi=2.0)],
    "pareto": [A(4, lo=2.6, hi=4.0), A(4, lo=1.2, hi=3.0), A(4, lo=-0.5, hi=0.5), A(4, lo=0.5, hi=1.0)],
    "lomax": [A(4, lo=0.6, hi=3.0), A(4, lo=1.2, hi=3.0), A(4, lo=-0.5, hi=0.5), A(4, lo=0.5, hi=2.0)],
    "genlogistic": [A(4), A(4, lo=0.5, hi=3.0), A(4), A(4, lo=0.5, hi=2.0)],
    "skewnorm": [A(4), A(4, lo=-3.0, hi=3.0), A(4), A(4, lo=0.5, hi=2.0)],
}
for name, specs in DISTRIBUTIONS.items():
    dist = getattr(stats, name)
    n = len(specs)
    everything = ", ".join(PARAMS[:n])
    for method in ("logpdf", "pdf"):
        case(getattr(dist, method), f"stats.{name}.{method}({everything})", *specs)
    shapes = ", ".join(f"{float(np.mean(s(np.random.default_rng(0)))):.3f}" for s in specs[1:-2])
    for method in ("cdf", "logcdf", "sf", "logsf"):
        args = ", ".join(["x", *([shapes] if shapes else []), "y", "z"])
        case(getattr(dist, method), f"stats.{name}.{method}({args})", specs[0], specs[-2], specs[-1])
case(stats.norm.logpdf, "stats.norm.logpdf(x, loc=y, scale=z)", A(4, 3), A(1, 3), A(4, 1, lo=0.5, hi=2.0))
case(stats.norm.cdf, "stats.norm.cdf(x, y, z)", A(4, 3), A(1, 3), A(4, 1, lo=0.5, hi=2.0))
case(stats.norm.logcdf, "stats.norm.logcdf(x)", A(4, lo=-20.0, hi=5.0))
case(stats.norm.pdf, "stats.norm.pdf(x, scale=y)", A(4), F(0.5, 2.0))
case(stats.t.pdf, "stats.t.pdf(x, y, z, u)", A(4, 3), A(1, 3, lo=2.1, hi=5.0), A(4, 3), A(4, 1, lo=0.5, hi=2.0))
case(stats.t.logcdf, "stats.t.logcdf(x, 3.5, y, z)", A(4, 3), A(4, 3), A(4, 1, lo=0.5, hi=2.0))
case(stats.gamma.logpdf, "stats.gamma.logpdf(x, y)", A(4, lo=0.5, hi=3.0), A(4, lo=1.2, hi=3.0))
case(stats.gamma.pdf, "stats.gamma.pdf(x, 2.0)", FIXED([-1.0, 0.5, 2.0]))  # outside the support: 0
case(stats.beta.cdf, "stats.beta.cdf(x, 2.0, 3.0)", FIXED([-0.5, 0.3, 1.5]))
case(stats.chi2.logpdf, "stats.chi2.logpdf(x, df=y)", A(4, lo=0.5, hi=3.0), A(4, lo=1.5, hi=4.0))

K = "np.array([0.0, 2.0, 3.0, 7.0])"
for method in ("pmf", "logpmf", "cdf", "logcdf", "sf", "logsf"):
    case(getattr(stats.poisson, method), f"stats.poisson.{method}({K}, x)", A(4, lo=0.5, hi=5.0))
case(stats.poisson.cdf, "stats.poisson.cdf(np.array([0.5, 2.7, -1.0, 4.2]), x)", A(4, lo=0.5, hi=5.0))
case(stats.poisson.cdf, f"stats.poisson.cdf({K}, x, 1)", A(4, lo=0.5, hi=5.0))
case(stats.poisson.pmf, f"stats.poisson.pmf({K}, x, loc=1)", A(4, lo=0.5, hi=5.0))
case(stats.poisson.logpmf, "stats.poisson.logpmf(np.array([[0.0], [4.0]]), x)", A(2, 3, lo=0.5, hi=5.0))

MVN = stats.multivariate_normal
for method in ("logpdf", "pdf"):
    fn = getattr(MVN, method)
    case(fn, f"stats.multivariate_normal.{method}(x, y, z)", A(5, 3), A(3), SPD(3))
    case(fn, f"stats.multivariate_normal.{method}(x, y, z)", A(3), A(3), SPD(3))
    case(fn, f"stats.multivariate_normal.{method}(x, y, z)", A(1, 2), A(2), SPD(2))
    case(fn, f"stats.multivariate_normal.{method}(x, y, z)", A(3, 1, 2), A(2), SPD(2))
    case(fn, f"stats.multivariate_normal.{method}(x, cov=y)", A(4, 2), SPD(2))
    case(fn, f"stats.multivariate_normal.{method}(x, y, z)", A(4), A(), F(0.5, 2.0))  # one dimension
    case(fn, f"stats.multivariate_normal.{method}(x, y, 2.0 * z)", A(2, 3), A(3), F(0.5, 2.0))
for method in ("logpdf", "pdf"):
    fn = getattr(stats.dirichlet, method)
    # x on the simplex whatever its value: normalized (the derivative flows through the division)
    case(fn, f"stats.dirichlet.{method}(x / np.sum(x), y)", A(3, lo=0.5, hi=2.0), A(3, lo=0.6, hi=3.0))
    case(fn, f"stats.dirichlet.{method}(x / np.sum(x, axis=0), y)", A(3, 4, lo=0.5, hi=2.0), A(3, lo=0.6, hi=3.0))
    case(fn, f"stats.dirichlet.{method}(x, y)", A(2, lo=0.1, hi=0.4), A(3, lo=0.6, hi=3.0))  # one fewer
    case(fn, f"stats.dirichlet.{method}(x, y)", A(2, 3, lo=0.1, hi=0.4), A(3, lo=0.6, hi=3.0))
case(MVN.logpdf, "stats.multivariate_normal.logpdf(x, y, z, allow_singular=False)", A(2), A(2), SPD(2))

case(MVN.entropy, "stats.multivariate_normal.entropy(x, y)", A(3), SPD(3))
case(MVN.entropy, "stats.multivariate_normal.entropy(cov=x)", SPD(2))
case(MVN.entropy, "stats.multivariate_normal.entropy(None, x)", F(0.5, 2.0))  # one dimension

# ---- scipy.signal
signal = pytest.importorskip("scipy.signal")
for fn in (signal.convolve, signal.correlate):
    name = f"signal.{fn.__name__}"
    for mode in ("full", "valid", "same"):
        case(fn, f"{name}(x, y, mode={mode!r})", A(5), A(3))
        case(fn, f"{name}(x, y, mode={mode!r})", A(5, 4), A(3, 2))
    case(fn, f"{name}(x, y)", A(3), A(6))  # the second input longer
    case(fn, f"{name}(x, y, mode='same')", A(3, 5), A(4, 2))
    case(fn, f"{name}(x, y, mode='valid', method='fft')", A(2, 3), A(4, 5))  # (scipy swaps them)


def _name(fn):
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", str(fn))


integrate = pytest.importorskip("scipy.integrate")
#: rules that only refuse (tested in test_what_only_refuses_is_refused)
REFUSING = {integrate.odeint}


def test_every_rule_has_a_domain():
    covered = {key for keys, _, _ in CASES for key in keys} | REFUSING
    missing = [_name(fn) for fn in SCIPY.rules if fn not in covered]
    assert not missing, f"scipy rules without a test case: {missing}"


def test_every_case_names_rules_that_exist():
    unknown = [_name(k) for keys, _, _ in CASES for k in keys if k not in SCIPY.rules]
    assert not unknown, f"cases naming callables that have no rule: {unknown}"


@pytest.fixture(scope="module")
def case_functions(tmp_path_factory):
    header = ["import numpy as np", "import scipy.special as special", "from scipy import signal, stats"]
    cases = [(body, len(specs)) for _, body, specs in CASES]
    return case_module(tmp_path_factory.mktemp("scipy_rules"), "scipy_rule_functions", header, cases)


def _case(case_functions, index):
    rng = np.random.default_rng(2000 + index)
    args = [spec(rng) for spec in CASES[index][2]]
    value = getattr(case_functions, f"raw_{index}")(*args)
    w = rng.normal(size=np.shape(value))
    w = float(w) if np.ndim(w) == 0 else w
    return getattr(case_functions, f"case_{index}"), args, w


def _ids():
    return [f"{i}:{re.sub(r'[^A-Za-z0-9_.,=()]+', '', body)}" for i, (_, body, _) in enumerate(CASES)]


@pytest.mark.parametrize("index", range(len(CASES)), ids=_ids())
def test_rule_matches_finite_differences(case_functions, index):
    f, args, w = _case(case_functions, index)
    assert_array_grad(f, args + [w], wrt=tuple(range(len(args))), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("index", range(len(CASES)), ids=_ids())
def test_forward_and_second_order_match_finite_differences(case_functions, index):
    """Forward mode, then forward mode over the generated gradient (what hessian and hvp run):
    every helper an adjoint calls has a rule, or srcdiff reads its source."""
    f, args, w = _case(case_functions, index)
    srcdiff.check_grads(f, args + [w], order=1, rtol=1e-4, atol=1e-5)
    check_second_order(f, args + [w], len(args), CASES[index][0], reverse=True)


# -- the kinks and edges the rules name, exactly ---------------------------------------------------
def bessel_at_zero(x):
    return special.i0e(x) + 10.0 * special.i1(x) + 100.0 * special.i1e(x)


def xlogy_in_y(y):
    return special.xlogy(0.0, y) + special.xlog1py(0.0, y - 1.0)


def gamma_logpdf(x):
    return np.sum(stats.gamma.logpdf(x, 2.0) * np.array([1.0, 0.0]))


def test_bessel_derivatives_at_zero():
    # i0e's kink: the mean of its one-sided slopes (0); i1 and i1e: 1/2 (no 0 / 0)
    assert srcdiff.grad(bessel_at_zero)(0.0) == pytest.approx(0.0 + 5.0 + 50.0, abs=1e-15)


def test_xlogy_has_no_derivative_in_y_where_x_is_zero():
    assert srcdiff.grad(xlogy_in_y)(0.0) == 0.0
    assert srcdiff.grad(xlogy_in_y)(2.0) == 0.0


def test_logpdf_outside_the_support_has_zero_derivative():
    with np.errstate(invalid="ignore", divide="ignore"):
        g = srcdiff.grad(gamma_logpdf)(np.array([1.5, -1.0]))
    np.testing.assert_allclose(g, [1.0 / 1.5 - 1.0, 0.0])


def test_polygamma_scalar_matches_scipy():
    for n in range(4):
        for x in [-7.3, -2.5, -0.4, 1e-3, 0.5, 1.0, 3.7, 14.9, 40.0, 1e4]:
            want = float(special.polygamma(n, x))
            assert polygamma_scalar(n, x) == pytest.approx(want, rel=1e-12, abs=1e-12), (n, x)
    assert math.isnan(polygamma_scalar(0, -2.0))


def test_bound_methods_find_their_rules():
    assert stats.norm.logpdf is not stats.norm.logpdf  # a new bound method at each read
    assert rules.lookup(stats.norm.logpdf) is SCIPY.rules[stats.norm.logpdf]
    assert rules.lookup(stats.t.logpdf) is not rules.lookup(stats.norm.logpdf)  # same function, other object
    assert rules.is_constant(special.gammasgn)


# -- refusals ------------------------------------------------------------------------------------
def lse_sign(x):
    return special.logsumexp(x, return_sign=True)[0]


def iv_order(v):
    return special.iv(v, 1.5)


def gammainc_shape(a):
    return special.gammainc(a, 1.5)


def t_cdf_df(df):
    return stats.t.cdf(0.5, df)


def frozen(x):
    return stats.norm(0.0, 1.0).logpdf(x)


def mvn_singular(x):
    return stats.multivariate_normal.logpdf(x, np.zeros(2), np.eye(2), allow_singular=True)


def mvn_diagonal(x):
    return stats.multivariate_normal.logpdf(x, np.zeros(2), np.array([1.0, 2.0]))


@pytest.mark.parametrize(
    "f, x",
    [
        (lse_sign, np.ones(3)),
        (iv_order, 1.5),
        (gammainc_shape, 1.5),
        (t_cdf_df, 3.0),
        (frozen, 0.5),
        (mvn_singular, np.ones(2)),
        (mvn_diagonal, np.ones(2)),
    ],
)
def test_refused(f, x):
    with pytest.raises(srcdiff.SrcDiffError):
        srcdiff.grad(f)(x)


# -- scipy stays optional ------------------------------------------------------------------------
_WITHOUT_SCIPY = """
import sys
sys.modules["scipy"] = None  # `import scipy` now raises ImportError, as when it is not installed
import numpy as np
import srcdiff
from srcdiff.rules.scipy_module import SCIPY
assert SCIPY.load() is False and SCIPY.rules == {} and not SCIPY.nondifferentiable
from srcdiff_probe import f
g = srcdiff.grad(f)(np.array([1.0, 2.0]))  # digamma(1) = -Euler's gamma
assert abs(g[0] + 2.0 * 0.5772156649015329) < 1e-12 and g[1] == 0.0, g
print("ok")
"""


def test_srcdiff_works_without_scipy(tmp_path):
    (tmp_path / "srcdiff_probe.py").write_text("import math\n\ndef f(x):\n    return math.lgamma(x[0]) * x[1]\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(srcdiff.__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, str(tmp_path)]))
    done = subprocess.run([sys.executable, "-c", _WITHOUT_SCIPY], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok", done.stdout


def test_srcdiff_does_not_import_scipy():
    root = os.path.dirname(os.path.dirname(os.path.abspath(srcdiff.__file__)))
    env = dict(os.environ, PYTHONPATH=root)
    probe = "import sys, srcdiff; print('scipy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr


def decay(y, t, rate, source):
    return -rate * y + source


def integrated(y0, rate):
    return np.sum(integrate.odeint(decay, y0, np.linspace(0.0, 1.0, 4), args=(rate, 1.0)))


@pytest.mark.parametrize(
    "call",
    [
        lambda: srcdiff.grad(integrated)(np.ones(3), 0.5),
        lambda: srcdiff.grad(integrated, wrt=1)(np.ones(3), 0.5),
        lambda: srcdiff.jvp(integrated, (np.ones(3), 0.5), (np.ones(3), None)),
    ],
    ids=["grad y0", "grad args", "jvp"],
)
def test_what_only_refuses_is_refused(call):
    """odeint adapts its steps to the solution: no exact derivative of what it computes."""
    with pytest.raises(srcdiff.UnsupportedSyntaxError, match="odeint") as info:
        call()
    assert "fixed steps" in info.value.hint and info.value.filename == __file__


def test_odeint_differentiated_directly_is_refused_at_scipys_function():
    times = np.linspace(0.0, 1.0, 4)
    with pytest.raises(srcdiff.UnsupportedSyntaxError, match="odeint") as info:
        value, pullback = srcdiff.vjp(integrate.odeint, decay, np.ones(3), times, (0.5, 1.0))
        pullback(np.ones((4, 3)))
    assert not info.value.filename.startswith("<srcdiff") and "scipy" in info.value.filename
