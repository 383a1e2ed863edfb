"""Every rule in the rule tables, checked against central finite differences.

The test module is generated from the tables themselves: adding a rule without
giving it a test domain here fails ``test_every_rule_has_a_domain``.
"""

from __future__ import annotations

import importlib.util
import math
import operator
import statistics

import gast
import pytest

import srcdiff
from srcdiff import rules
from srcdiff.rules.scipy_module import SCIPY
from srcdiff.rules.second_order import second_order
from helpers import numeric_grad

# callable -> (call expression over the parameters, points to check)
DOMAINS = {
    math.sin: ("math.sin(x)", [(0.3,), (-2.0,)]),
    math.cos: ("math.cos(x)", [(0.3,), (2.5,)]),
    math.tan: ("math.tan(x)", [(0.3,), (-1.0,)]),
    math.asin: ("math.asin(x)", [(0.3,), (-0.7,)]),
    math.acos: ("math.acos(x)", [(0.3,), (-0.7,)]),
    math.atan: ("math.atan(x)", [(0.3,), (-4.0,)]),
    math.atan2: ("math.atan2(y, x)", [(0.3, 1.2), (-1.0, -0.5)]),
    math.sinh: ("math.sinh(x)", [(0.3,), (-2.0,)]),
    math.cosh: ("math.cosh(x)", [(0.3,), (-2.0,)]),
    math.tanh: ("math.tanh(x)", [(0.3,), (-1.5,)]),
    math.asinh: ("math.asinh(x)", [(0.3,), (-2.0,)]),
    math.acosh: ("math.acosh(x)", [(1.3,), (4.0,)]),
    math.atanh: ("math.atanh(x)", [(0.3,), (-0.8,)]),
    math.exp: ("math.exp(x)", [(0.3,), (-2.0,)]),
    math.expm1: ("math.expm1(x)", [(0.3,), (-2.0,)]),
    math.log: ("math.log(x) + math.log(x, y)", [(0.3, 2.0), (5.0, 10.0)]),
    math.log2: ("math.log2(x)", [(0.3,), (5.0,)]),
    math.log10: ("math.log10(x)", [(0.3,), (5.0,)]),
    math.log1p: ("math.log1p(x)", [(0.3,), (-0.5,)]),
    math.sqrt: ("math.sqrt(x)", [(0.3,), (5.0,)]),
    math.pow: ("math.pow(x, y)", [(0.3, 1.7), (2.0, -0.5)]),
    math.hypot: ("math.hypot(x, y)", [(0.3, 1.7), (-2.0, 0.5)]),
    math.fabs: ("math.fabs(x)", [(0.3,), (-2.0,)]),
    math.copysign: ("math.copysign(x, y)", [(0.3, -1.0), (-2.0, 3.0)]),
    math.erf: ("math.erf(x)", [(0.3,), (-1.2,)]),
    math.erfc: ("math.erfc(x)", [(0.3,), (-1.2,)]),
    math.lgamma: ("math.lgamma(x)", [(0.3,), (-2.5,), (7.0,), (40.0,)]),
    math.gamma: ("math.gamma(x)", [(0.3,), (-1.5,), (4.2,)]),
    math.degrees: ("math.degrees(x)", [(0.3,)]),
    math.radians: ("math.radians(x)", [(30.0,)]),
    math.fmod: ("math.fmod(x, y)", [(5.3, 2.0), (-5.3, 2.1)]),
    math.ldexp: ("math.ldexp(x, 3)", [(0.3,)]),
    abs: ("abs(x)", [(0.3,), (-2.0,)]),
    float: ("float(x)", [(0.3,)]),
    pow: ("pow(x, y)", [(0.3, 1.7), (2.0, 3.0)]),
    min: ("min(x, y) + min([x, y, 1.5])", [(0.3, 1.7), (2.0, -3.0)]),
    max: ("max(x, y) + max([x, y, 0.5])", [(0.3, 1.7), (2.0, -3.0)]),
    sum: ("sum([x, y, x]) + sum([x], y)", [(0.3, 1.7)]),
    list: ("sum(list((x, y))) * list([x, y])[1]", [(0.3, 1.7)]),
    tuple: ("sum(tuple([x, y])) * tuple([y, x])[1]", [(0.3, 1.7)]),
    gast.Add: ("x + y", [(0.3, 1.7)]),
    gast.Sub: ("x - y", [(0.3, 1.7)]),
    gast.Mult: ("x * y", [(0.3, 1.7)]),
    gast.Div: ("x / y", [(0.3, 1.7), (-2.0, 0.5)]),
    gast.Mod: ("x % y", [(5.3, 2.0), (-5.3, 2.1)]),
    gast.Pow: ("x ** y + x ** 3 + y ** 0.5", [(0.3, 1.7), (2.0, 3.0)]),
    gast.USub: ("-x", [(0.3,)]),
    gast.UAdd: ("+x", [(0.3,)]),
}
if hasattr(math, "cbrt"):
    DOMAINS[math.cbrt] = ("math.cbrt(x)", [(0.3,), (-8.0,)])
    DOMAINS[math.exp2] = ("math.exp2(x)", [(0.3,), (-2.0,)])

DOMAINS.update({  # math's functions of sequences, and the statistics module (statistics_module.py)
    math.fsum: ("math.fsum([x, y, x * y])", [(0.3, 1.7)]),
    math.prod: ("math.prod([x, y, x]) + math.prod((y, 2.0), start=x) + math.prod([x, 0.0, y])", [(0.3, 1.7)]),
    math.dist: (
        "math.dist([x, y], [1.0, x * y]) + math.dist((x, 2.0, y), (y, 0.5, 0.0))",
        [(0.3, 1.7), (-1.0, 2.0)],
    ),
    math.remainder: ("math.remainder(x, y)", [(5.3, 2.0), (-5.3, 2.1), (4.1, -1.5)]),
    math.nextafter: ("math.nextafter(x, y)", [(0.3, 1.7), (2.0, -3.0)]),
    statistics.mean: ("statistics.mean([x, y, x * y])", [(0.3, 1.7)]),
    statistics.fmean: ("statistics.fmean([x, y, 2.0]) + statistics.fmean([x, y], weights=[y, 2.0])", [(0.3, 1.7)]),
    statistics.pvariance: ("statistics.pvariance([x, y, 2.0]) + statistics.pvariance([x, 0.5], mu=y)", [(0.3, 1.7)]),
    statistics.variance: ("statistics.variance([x, y, 2.0]) + statistics.variance([x, 0.5, y], xbar=y)", [(0.3, 1.7)]),
    statistics.pstdev: ("statistics.pstdev([x, y, 2.0]) + statistics.pstdev([x, 0.5], mu=y)", [(0.3, 1.7)]),
    statistics.stdev: ("statistics.stdev([x, y, 2.0]) + statistics.stdev([x, 0.5, y], xbar=y)", [(0.3, 1.7)]),
    statistics.median: (
        "statistics.median([x, y, 1.0]) + statistics.median([x, y, 1.0, 2.5])",
        [(0.3, 1.7), (1.4, -2.0)],
    ),
    statistics.median_low: ("statistics.median_low([x, y, 1.0, 2.5])", [(0.3, 1.7), (1.4, -2.0)]),
    statistics.median_high: ("statistics.median_high([x, y, 1.0, 2.5])", [(0.3, 1.7), (1.4, 3.0)]),
    statistics.geometric_mean: ("statistics.geometric_mean([x, y, 2.0])", [(0.3, 1.7)]),
    statistics.harmonic_mean: (
        "statistics.harmonic_mean([x, y, 2.0]) + statistics.harmonic_mean([x, 2.0], weights=[1.0, y])",
        [(0.3, 1.7)],
    ),
    statistics.covariance: ("statistics.covariance([x, y, 2.0], [y, 1.0, x * x])", [(0.3, 1.7)]),
    statistics.correlation: ("statistics.correlation([x, y, 2.0], [y, 1.0, x * x])", [(0.3, 1.7), (-1.0, 0.5)]),
})

DOMAINS.update({  # the operator module's functions: their operators' rules
    operator.add: ("operator.add(x, y)", [(0.3, 1.7)]),
    operator.sub: ("operator.sub(x, y)", [(0.3, 1.7)]),
    operator.mul: ("operator.mul(x, y)", [(0.3, 1.7)]),
    operator.truediv: ("operator.truediv(x, y)", [(0.3, 1.7)]),
    operator.mod: ("operator.mod(x, y)", [(5.3, 2.0), (-5.3, 2.1)]),
    operator.pow: ("operator.pow(x, y) + operator.pow(x, 3)", [(0.3, 1.7)]),
    operator.neg: ("operator.neg(x)", [(0.3,)]),
    operator.pos: ("operator.pos(x)", [(0.3,)]),
})

# numpy rules (and `@`) are checked on arrays in test_numpy_rules.py, linalg's in test_linalg_rules.py,
# scipy's in test_scipy_rules.py, the complex ones in test_complex.py
ALL_RULES = [
    fn for table in rules.TABLES if table not in (rules.NUMPY, rules.LINALG, rules.RUNTIME, SCIPY, rules.COMPLEX)
    for fn in table.rules
    if fn not in (gast.MatMult, operator.matmul)
    and not (getattr(fn, "__module__", "") or "").startswith("srcdiff.runtime")
]


def test_every_rule_has_a_domain():
    missing = [getattr(fn, "__name__", fn) for fn in ALL_RULES if fn not in DOMAINS]
    assert not missing, f"rules without a test domain: {missing}"


@pytest.fixture(scope="module")
def rule_functions(tmp_path_factory):
    """One module-level function per rule, written to a real file so srcdiff can read it."""
    lines = ["import math", "import operator", "import statistics", ""]
    for i, (fn, (expr, points)) in enumerate(DOMAINS.items()):
        params = ["x", "y"][: len(points[0])]
        lines += [f"def rule_{i}({', '.join(params)}):", f"    return {expr}", ""]
    path = tmp_path_factory.mktemp("rules") / "rule_functions.py"
    path.write_text("\n".join(lines))
    spec = importlib.util.spec_from_file_location("rule_functions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("index,fn", list(enumerate(DOMAINS)), ids=[getattr(f, "__name__", str(f)) for f in DOMAINS])
def test_rule_matches_finite_differences(rule_functions, index, fn):
    f = getattr(rule_functions, f"rule_{index}")
    expr, points = DOMAINS[fn]
    for args in points:
        wrt = tuple(range(len(args)))
        got = srcdiff.grad(f, wrt=wrt)(*args)
        want = numeric_grad(f, args, wrt)
        for g, w in zip(got, want):
            assert math.isclose(g, w, rel_tol=1e-6, abs_tol=1e-7), f"{expr} at {args}: {got} vs {want}"


@pytest.mark.parametrize("index,fn", list(enumerate(DOMAINS)), ids=[getattr(f, "__name__", str(f)) for f in DOMAINS])
def test_rule_second_derivatives_match_finite_differences(rule_functions, index, fn):
    """Hessians differentiate the generated gradient, so the helpers a rule's adjoint calls need
    rules of their own (math.hypot's reciprocal_or_zero once had none: a wrong Hessian)."""
    f = getattr(rule_functions, f"rule_{index}")
    for args in DOMAINS[fn][1]:
        srcdiff.check_grads(f, args, order=2, rtol=1e-4, atol=1e-5)


def test_every_rule_here_claims_second_order():
    """docs/coverage.md's Second order column (srcdiff.rules.second_order) for the rules the test
    above differentiates twice."""
    missing = [getattr(fn, "__name__", fn) for fn in DOMAINS if not second_order(rules.lookup(fn))]
    assert not missing, f"checked at second order but not claimed: {missing}"


@pytest.mark.parametrize("fn", sorted(rules.MATH.nondifferentiable, key=lambda f: f.__name__)[:4])
def test_constant_functions_have_no_rule(fn):
    assert rules.lookup(fn) is None and rules.is_constant(fn)
