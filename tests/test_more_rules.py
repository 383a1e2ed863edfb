"""The kinks, ties and edges that the newer rules' docstrings name (srcdiff/rules/numpy_extra.py,
statistics_module.py, scipy_special_more.py, scipy_distributions.py), with exact values, and what
they refuse.  Every rule is also checked at random points, to second order, by the generated rule
tests (test_rules.py, test_numpy_rules.py, test_scipy_rules.py)."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

import srcdiff
from srcdiff.rules import lookup
from srcdiff.rules.second_order import FIRST_ORDER_ONLY, first_order_only, second_order


# -- the Second order column ----------------------------------------------------------------------
def test_second_order_follows_the_helpers_an_adjoint_calls(monkeypatch):
    assert second_order(lookup(np.sin)) and second_order(lookup(np.trapezoid)) and second_order(lookup(np.cumprod))
    assert all(callable(h) and reason for h, reason in FIRST_ORDER_ONLY.items())
    # a helper listed as first order only ends the claim of every rule reaching it
    from srcdiff.rules import array_helpers, second_order as module

    monkeypatch.setitem(module.FIRST_ORDER_ONLY, array_helpers.cumprod_adjoint, "a test")
    assert not second_order(lookup(np.cumprod)) and first_order_only(lookup(np.cumprod)) == ["cumprod_adjoint"]


def cumprod_sum(x):
    return np.sum(np.cumprod(x) * np.array([1.0, 2.0, 3.0]))


def test_cumprod_at_second_order():
    x = np.array([0.5, 1.5, -0.7])
    g = srcdiff.grad(cumprod_sum)
    h = 1e-5
    numeric = np.array([(g(x + h * e) - g(x - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(srcdiff.hessian(cumprod_sum)(x), numeric, rtol=1e-5, atol=1e-7)


# -- numpy ----------------------------------------------------------------------------------------
def ptp_plain(x):
    return np.ptp(x)


def test_ptp_ties_split_evenly():
    np.testing.assert_array_equal(srcdiff.grad(ptp_plain)(np.array([3.0, 1.0, 3.0, 1.0])), [0.5, -0.5, 0.5, -0.5])


def nanstd_plain(x):
    return np.nanstd(x)


def test_nanstd_of_equal_numbers_is_the_zero_subgradient_and_nans_get_zero():
    g = srcdiff.grad(nanstd_plain)(np.array([2.0, np.nan, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0])
    g = srcdiff.grad(nanstd_plain)(np.array([1.0, np.nan, 3.0]))
    np.testing.assert_allclose(g, [-0.5, 0.0, 0.5], rtol=1e-12)


def fmod_in_divisor(y):
    return np.fmod(5.0, y)


def test_fmod_derivative_in_the_divisor_is_minus_the_truncated_quotient():
    assert srcdiff.grad(fmod_in_divisor)(2.0) == -2.0  # fmod(5, 2) = 5 - 2 * 2
    assert srcdiff.grad(fmod_in_divisor)(-2.0) == 2.0  # trunc(5 / -2) = -2


def nextafter_both(x, y):
    return np.nextafter(x, y) + math.nextafter(x, y)


def test_nextafter_follows_x_only():
    assert srcdiff.grad(nextafter_both, wrt=(0, 1))(0.5, 2.0) == (2.0, 0.0)


def compress_method(x):
    return np.sum(x.compress(np.array([True, False])))


def test_compress_method_is_refused_not_misread():
    # (np.compress takes the condition first: x.compress(c) is not np.compress(x, c))
    with pytest.raises(srcdiff.SrcDiffError):
        srcdiff.grad(compress_method)(np.array([1.0, 2.0]))


def trapezoid_2d_x(y, x):
    return np.trapezoid(y, x)


def test_trapezoid_with_a_2d_x_is_refused():
    with pytest.raises(srcdiff.SrcDiffError):
        srcdiff.grad(trapezoid_2d_x, wrt=1)(np.ones((2, 3)), np.cumsum(np.ones((2, 3)), axis=1))


# -- math and statistics --------------------------------------------------------------------------
def dist_same(x):
    return math.dist([x, 1.0], [x, 1.0])


def median_of(x, y):
    return statistics.median([x, y, 1.0]) + 10.0 * statistics.median_low([x, y, 1.0, 3.0])


def pstdev_of(x):
    return statistics.pstdev([x, x, x])


def harmonic_with_zero(x):
    return statistics.harmonic_mean([x, 0.0])


def mean_of_array(x):
    return statistics.fmean(x) + statistics.pvariance(x) + statistics.median(x)


def test_dist_at_equal_points_is_the_zero_subgradient():
    assert srcdiff.grad(dist_same)(0.5) == 0.0


def test_median_ties_give_the_sorted_place_to_the_first_item():
    # all equal, sorted in data order: x, y, 1.0 (, 3.0); the middle place and median_low's are y's
    assert srcdiff.grad(median_of, wrt=(0, 1))(1.0, 1.0) == (0.0, 11.0)
    assert srcdiff.grad(median_of, wrt=(0, 1))(1.0, 0.5) == (11.0, 0.0)  # sorted: y, x, 1.0 (, 3.0)


def test_pstdev_of_equal_items_is_zero():
    assert srcdiff.grad(pstdev_of)(2.0) == 0.0


def test_harmonic_mean_of_a_zero_is_refused():
    with pytest.raises(srcdiff.SrcDiffError):
        srcdiff.grad(harmonic_with_zero)(1.0)


def test_statistics_of_an_array():
    x = np.array([0.3, 1.7, -0.4, 2.2])
    srcdiff.check_grads(mean_of_array, (x,), order=2)


# -- scipy ----------------------------------------------------------------------------------------
stats = pytest.importorskip("scipy.stats")
special = pytest.importorskip("scipy.special")


def laplace_at(x):
    return stats.laplace.logpdf(x, 0.5)


def expon_outside(x):
    return stats.expon.pdf(x) + stats.uniform.cdf(x + 2.0) + stats.pareto.logpdf(x, 2.0)


def huber_edge(r):
    return special.huber(1.0, r)


def spherical_second(z):
    return special.spherical_jn(2, z, True)


def test_laplace_kink_takes_score_zero():
    assert srcdiff.grad(laplace_at)(0.5) == 0.0
    assert srcdiff.grad(laplace_at)(0.2) == 1.0


def test_outside_a_bounded_support_every_derivative_is_zero():
    assert srcdiff.grad(expon_outside)(-0.5) == 0.0  # expon below 0, uniform above 1, pareto below 1


def test_huber_at_its_edge_is_the_quadratic_pieces_derivative():
    assert srcdiff.grad(huber_edge)(1.0) == 1.0 and srcdiff.grad(huber_edge)(-1.0) == -1.0
    assert srcdiff.grad(huber_edge)(3.0) == 1.0


def test_spherical_bessel_second_derivative_from_the_bessel_equation():
    z, h = 1.3, 1e-5
    want = (special.spherical_jn(2, z + h, True) - special.spherical_jn(2, z - h, True)) / (2 * h)
    assert srcdiff.grad(spherical_second)(z) == pytest.approx(want, rel=1e-7)
