"""Reverse-mode gradients of scalar Python code, checked against finite differences.

Every function below is ordinary user code that srcdiff must differentiate from
its source. Input points stay away from kinks and branch boundaries, so central
finite differences (``helpers.numeric_grad``) are a reliable reference.
"""

from __future__ import annotations

import inspect
import math
from math import cos, exp, sqrt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import srcdiff
from helpers import assert_grad_matches, numeric_grad


def by_name(func):
    return func.__name__


def cases(table):
    """``[(func, [args, ...]), ...]`` -> pytest params with readable ids."""
    params = []
    for func, points in table:
        for args in points:
            args = args if isinstance(args, tuple) else (args,)
            params.append(pytest.param(func, args, id=f"{func.__name__}{args}"))
    return params


# ============================================================== seed examples


def linear(x, y):
    return 2 * x - y


def test_seed_linear_gradient_wrt_both():
    assert srcdiff.grad(linear, wrt=(0, 1))(3.0, 4.0) == (2.0, -1.0)


def sine(x):
    return math.sin(x)


@pytest.mark.parametrize("x", [-2.0, 0.0, 0.5, 3.0])
def test_seed_sin_is_cos(x):
    assert srcdiff.grad(sine)(x) == pytest.approx(math.cos(x), rel=1e-12, abs=1e-12)


def seed_chain(x):
    a = x**2
    b = math.exp(a)
    c = a + b
    d = math.sqrt(c)
    e = math.cos(c)
    return d + e


def seed_chain_by_hand(x):
    c = x**2 + math.exp(x**2)
    return (0.5 / math.sqrt(c) - math.sin(c)) * 2 * x * (1 + math.exp(x**2))


@pytest.mark.parametrize("x", [-1.3, -0.4, 0.25, 0.9, 1.5])
def test_seed_chain_matches_finite_differences(x):
    assert_grad_matches(seed_chain, (x,))


@pytest.mark.parametrize("x", [-1.3, -0.4, 0.25, 0.9, 1.5])
def test_seed_chain_matches_hand_derivative(x):
    assert srcdiff.grad(seed_chain)(x) == pytest.approx(seed_chain_by_hand(x), rel=1e-10, abs=1e-12)


def seed_chain_imported_names(x):
    a = x**2
    c = a + exp(a)
    return sqrt(c) + cos(c)


@pytest.mark.parametrize("x", [-0.7, 0.3, 1.1])
def test_names_imported_from_math_are_differentiated(x):
    assert_grad_matches(seed_chain_imported_names, (x,))


# ============================================================== arithmetic operators


def add(x, y):
    return x + y


def sub(x, y):
    return x - y


def mul(x, y):
    return x * y


def truediv(x, y):
    return x / y


def floordiv(x, y):
    return x // y


def mod(x, y):
    return x % y


# x / y of every pair is at least 0.08 away from an integer, so // and % are smooth there.
BINARY_POINTS = [(1.7, 0.6), (2.5, -1.3), (-3.2, 1.1), (0.4, 2.9)]


@pytest.mark.parametrize("x, y", BINARY_POINTS)
@pytest.mark.parametrize("op", [add, sub, mul, truediv, floordiv, mod], ids=by_name)
def test_binary_operator_with_two_variables(op, x, y):
    assert_grad_matches(op, (x, y), wrt=(0, 1))


def power(x, y):
    return x**y


@pytest.mark.parametrize("x, y", [(1.7, 0.6), (2.5, -1.3), (0.4, 2.9), (3.0, 2.0)])
def test_power_with_variable_base_and_exponent(x, y):
    assert_grad_matches(power, (x, y), wrt=(0, 1))


def celsius_to_fahrenheit(c):
    return c * 9 / 5 + 32


def reciprocal_shift(x):
    return 1.0 / (x - 0.5)


def one_minus(x):
    return 1 - x


def half_life_decay(t):
    return 0.5**t


def wrap_angle(theta):
    return theta % (2 * math.pi)


def remainder_of_seven(x):
    return 7.0 % x


def quantize(x):
    return x // 0.25 * 0.25


def buckets_of_ten(x):
    return 10.0 // x + x


CONSTANT_OPERAND_CASES = [
    (celsius_to_fahrenheit, [-40.0, 0.0, 36.6]),
    (reciprocal_shift, [-1.0, 0.1, 2.0]),
    (one_minus, [-1.0, 0.3]),
    (half_life_decay, [-1.0, 0.0, 2.5]),
    (wrap_angle, [-7.0, 1.0, 10.0]),
    (remainder_of_seven, [1.5, 2.6, -3.0]),
    (quantize, [0.1, 1.3, -2.4]),
    (buckets_of_ten, [0.7, 3.0, -4.5]),
]


@pytest.mark.parametrize("func, args", cases(CONSTANT_OPERAND_CASES))
def test_operator_with_a_constant_operand(func, args):
    assert_grad_matches(func, args)


def test_floor_division_has_zero_gradient():
    assert srcdiff.grad(quantize)(1.3) == 0.0


def negate(x):
    return -x


def negated_product(x, y):
    return -(x * y) - -y


def unary_plus(x):
    return +x * 3.0


@pytest.mark.parametrize(
    "func, args",
    cases([(negate, [-1.5, 2.0]), (negated_product, [(1.5, -2.0), (-0.3, 0.8)]), (unary_plus, [-1.5, 2.0])]),
)
def test_unary_operators(func, args):
    assert_grad_matches(func, args, wrt=0 if len(args) == 1 else (0, 1))


def square(x):
    return x**2


def cube(x):
    return x**3


def inverse_square(x):
    return x**-2


def zeroth_power(x):
    return x**0


def fifth_power_of_sum(x):
    return (x + 0.5) ** 5


@pytest.mark.parametrize("x", [-1.7, -0.3, 0.6, 2.2])
@pytest.mark.parametrize("func", [square, cube, inverse_square, zeroth_power, fifth_power_of_sum], ids=by_name)
def test_integer_powers_including_negative_bases(func, x):
    assert_grad_matches(func, (x,))


def root(x):
    return x**0.5


@pytest.mark.parametrize("x", [0.2, 1.0, 9.0])
def test_fractional_power(x):
    assert_grad_matches(root, (x,))


def power_by_int_argument(x, n):
    return x**n


@pytest.mark.parametrize("x, n", [(1.5, 3), (0.7, -2), (-1.5, 3), (-0.8, 4)])
def test_power_with_int_argument_exponent_and_any_base(x, n):
    assert_grad_matches(power_by_int_argument, (x, n))


# ============================================================== augmented assignment


def aug_add(x, y):
    total = x
    total += y * y
    total += 1.0
    return total


def aug_sub(x, y):
    r = x * y
    r -= y
    r -= 0.5
    return r


def aug_mul(x, y):
    r = x
    r *= y
    r *= 3.0
    return r


def aug_div(x, y):
    r = x
    r /= y
    r /= 2.0
    return r


def aug_pow(x, y):
    r = x
    r **= y
    r **= 2
    return r


def aug_on_parameter(x, y):
    x += y
    x *= x
    return x


@pytest.mark.parametrize("x, y", [(1.7, 0.6), (2.5, -1.3), (0.4, 2.9)])
@pytest.mark.parametrize("func", [aug_add, aug_sub, aug_mul, aug_div, aug_pow, aug_on_parameter], ids=by_name)
def test_augmented_assignment(func, x, y):
    assert_grad_matches(func, (x, y), wrt=(0, 1))


# ============================================================== the math module


def use_sin(x):
    return math.sin(x)


def use_cos(x):
    return math.cos(x)


def use_tan(x):
    return math.tan(x)


def use_asin(x):
    return math.asin(x)


def use_acos(x):
    return math.acos(x)


def use_atan(x):
    return math.atan(x)


def use_sinh(x):
    return math.sinh(x)


def use_cosh(x):
    return math.cosh(x)


def use_tanh(x):
    return math.tanh(x)


def use_asinh(x):
    return math.asinh(x)


def use_acosh(x):
    return math.acosh(x)


def use_atanh(x):
    return math.atanh(x)


def use_exp(x):
    return math.exp(x)


def use_expm1(x):
    return math.expm1(x)


def use_log(x):
    return math.log(x)


def use_log2(x):
    return math.log2(x)


def use_log10(x):
    return math.log10(x)


def use_log1p(x):
    return math.log1p(x)


def use_sqrt(x):
    return math.sqrt(x)


def use_fabs(x):
    return math.fabs(x)


def use_erf(x):
    return math.erf(x)


def use_erfc(x):
    return math.erfc(x)


def use_degrees(x):
    return math.degrees(x)


def use_radians(x):
    return math.radians(x)


REALS = [-2.0, -0.5, 0.3, 1.7]
OPEN_UNIT = [-0.8, -0.2, 0.3, 0.9]
POSITIVE = [0.2, 1.0, 3.7, 12.0]

MATH_UNARY_CASES = [
    (use_sin, REALS),
    (use_cos, REALS),
    (use_tan, [-1.2, -0.3, 0.4, 1.1]),
    (use_asin, OPEN_UNIT),
    (use_acos, OPEN_UNIT),
    (use_atan, REALS),
    (use_sinh, REALS),
    (use_cosh, REALS),
    (use_tanh, REALS),
    (use_asinh, REALS),
    (use_acosh, [1.2, 2.0, 5.5]),
    (use_atanh, OPEN_UNIT),
    (use_exp, REALS),
    (use_expm1, REALS),
    (use_log, POSITIVE),
    (use_log2, POSITIVE),
    (use_log10, POSITIVE),
    (use_log1p, [-0.5, 0.0, 0.3, 4.0]),
    (use_sqrt, POSITIVE),
    (use_fabs, [-2.3, -0.4, 0.7, 3.1]),
    (use_erf, REALS),
    (use_erfc, REALS),
    (use_degrees, REALS),
    (use_radians, REALS),
]


@pytest.mark.parametrize("func, args", cases(MATH_UNARY_CASES))
def test_math_function_of_one_argument(func, args):
    assert_grad_matches(func, args)


def use_atan2(y, x):
    return math.atan2(y, x)


def use_log_with_base(x, base):
    return math.log(x, base)


def use_log_base_two(x):
    return math.log(x, 2)


def use_math_pow(x, y):
    return math.pow(x, y)


def use_hypot(x, y):
    return math.hypot(x, y)


def use_copysign(x, y):
    return math.copysign(x, y)


MATH_BINARY_CASES = [
    (use_atan2, [(0.5, 1.2), (-0.7, 0.3), (1.1, -2.0), (-0.4, -0.9)]),
    (use_log_with_base, [(2.0, 10.0), (0.5, 3.0), (7.3, 1.7)]),
    (use_math_pow, [(1.7, 0.6), (0.4, 2.9), (2.5, -1.3)]),
    (use_hypot, [(3.0, 4.0), (-0.5, 1.2), (2.0, -0.1)]),
    (use_copysign, [(1.5, 2.0), (-1.5, 2.0), (1.5, -2.0), (-0.3, -0.7)]),
]


@pytest.mark.parametrize("func, args", cases(MATH_BINARY_CASES))
def test_math_function_of_two_arguments(func, args):
    assert_grad_matches(func, args, wrt=(0, 1))


@pytest.mark.parametrize("x", [0.5, 3.0])
def test_math_log_with_constant_base(x):
    assert_grad_matches(use_log_base_two, (x,))


def fractional_part(x):
    return x - math.floor(x)


def ceiling_times_x(x):
    return math.ceil(x) * x


def staircase(x):
    return 2.0 * math.floor(x) + math.ceil(x)


@pytest.mark.parametrize("x", [-2.3, -0.4, 0.7, 3.1])
@pytest.mark.parametrize("func", [fractional_part, ceiling_times_x, staircase], ids=by_name)
def test_floor_and_ceil_pass_no_gradient(func, x):
    assert_grad_matches(func, (x,))


def test_staircase_gradient_is_exactly_zero():
    assert srcdiff.grad(staircase)(1.4) == 0.0


# ============================================================== builtins


def distance(x, y):
    return abs(x - y)


def lower(x, y):
    return min(x, y)


def upper(x, y):
    return max(x, y)


def relu_of_larger(x, y):
    return max(x, y, 0.5)


def smallest_of_four(x, y):
    return min(x, 2.0 * y, x * y, 3.0)


def builtin_pow(x, y):
    return pow(x, y)


def builtin_pow_int_exponent(x, y):
    return pow(x, 3) * y


BUILTIN_CASES = [
    (distance, [(1.0, 2.5), (3.0, -1.0)]),
    (lower, [(1.0, 2.5), (3.0, -1.0)]),
    (upper, [(1.0, 2.5), (3.0, -1.0)]),
    # each point selects a different argument as the maximum / minimum
    (relu_of_larger, [(1.0, 2.0), (3.0, 1.0), (0.1, -1.0)]),
    (smallest_of_four, [(1.0, 2.0), (3.0, 0.4), (-1.0, 2.0), (5.0, 4.0)]),
    (builtin_pow, [(1.7, 0.6), (0.4, 2.9)]),
    (builtin_pow_int_exponent, [(-1.2, 0.5), (2.0, 3.0)]),
]


@pytest.mark.parametrize("func, args", cases(BUILTIN_CASES))
def test_builtin_abs_min_max_pow(func, args):
    assert_grad_matches(func, args, wrt=(0, 1))


def float_conversion(x):
    return float(x) * x


def fractional_square(x):
    whole = int(x)
    frac = x - whole
    return frac * frac


def cents_lost_by_rounding(x):
    return (x - round(x, 2)) * 100.0


def rounded_twice(x):
    return round(x) * 2.0


@pytest.mark.parametrize("x", [-2.34, 0.12, 1.79])  # 0.005 from rounding boundaries
@pytest.mark.parametrize("func", [float_conversion, fractional_square, cents_lost_by_rounding, rounded_twice], ids=by_name)
def test_builtin_float_int_round(func, x):
    assert_grad_matches(func, (x,))


def test_int_and_round_give_exactly_zero_gradient():
    assert srcdiff.grad(rounded_twice)(1.3) == 0.0
    assert srcdiff.grad(fractional_square)(1.25) == pytest.approx(0.5)


# ============================================================== tuple unpacking


def polar_product(r, theta):
    px, py = r * math.cos(theta), r * math.sin(theta)
    return px * py + px


def swap_once(x, y):
    a, b = x, y
    a, b = b, a
    return a - 2.0 * b


def fibonacci_like(x, y):
    a, b = x, y
    for _ in range(5):
        a, b = b, a + 0.5 * b
    return a * b


def sin_and_cos(t):
    return math.sin(t), math.cos(t)


def uses_tuple_helper(x, y):
    s, c = sin_and_cos(x * y)
    return s * c + s


@pytest.mark.parametrize(
    "func, args",
    cases([(polar_product, [(2.0, 0.3), (0.5, -1.2)]), (swap_once, [(1.0, 2.0)]),
           (fibonacci_like, [(0.3, 0.7), (-1.0, 2.0)]), (uses_tuple_helper, [(0.4, 1.3), (-1.1, 0.6)])]),
)
def test_tuple_unpacking_and_swaps(func, args):
    assert_grad_matches(func, args, wrt=(0, 1))


def test_swap_routes_gradients_to_the_other_variable():
    assert srcdiff.grad(swap_once, wrt=(0, 1))(1.0, 2.0) == (-2.0, 1.0)


# ============================================================== branches


def piecewise(x):
    if x < -1.0:
        y = -x * x
    elif x < 1.0:
        y = x**3
    else:
        y = 2.0 * x - 1.0
    return y


@pytest.mark.parametrize("x", [-2.5, -1.5, -0.5, 0.3, 0.9, 1.5, 3.0])
def test_if_elif_else(x):
    assert_grad_matches(piecewise, (x,))


def quadrant_energy(x, y):
    if x > 0:
        if y > 0:
            e = x * y
        else:
            e = x - y * y
    else:
        if y > x:
            e = math.sin(x) * y
        else:
            e = x * x + y
    return e


@pytest.mark.parametrize("x, y", [(1.2, 0.7), (1.2, -0.7), (-0.8, 0.5), (-0.8, -1.5)])
def test_nested_ifs(x, y):
    assert_grad_matches(quadrant_energy, (x, y), wrt=(0, 1))


def leaky_relu(x):
    return x if x > 0 else 0.1 * x


def ternary_in_expression(x, y):
    scale = y * y if x > 1.0 else y
    return scale * x + (math.exp(x) if y < 0 else math.cos(x))


@pytest.mark.parametrize("func, args", cases([(leaky_relu, [-2.0, -0.3, 0.4, 2.0])]))
def test_conditional_expression(func, args):
    assert_grad_matches(func, args)


@pytest.mark.parametrize("x, y", [(2.0, 0.5), (2.0, -0.5), (0.3, 1.5), (0.3, -1.5)])
def test_conditional_expression_inside_larger_expression(x, y):
    assert_grad_matches(ternary_in_expression, (x, y), wrt=(0, 1))


def band(x, y):
    if x > 0 and y > 0:
        return x * y
    if x < -1.0 or y < -1.0:
        return x + y * y
    if not x > y:
        return x - y
    return math.sin(x * y)


@pytest.mark.parametrize("x, y", [(1.0, 2.0), (-2.0, 0.5), (0.5, -2.0), (-0.5, 0.5), (0.5, -0.5)])
def test_and_or_not_in_conditions(x, y):
    assert_grad_matches(band, (x, y), wrt=(0, 1))


def safe_log(x):
    if x <= 0.0:
        return 0.0
    if x < 1.0:
        return x - 1.0
    return math.log(x)


@pytest.mark.parametrize("x", [-1.0, 0.5, 2.5])
def test_early_return_in_if_branches(x):
    assert_grad_matches(safe_log, (x,))


def test_constant_early_return_gives_zero_gradient():
    assert srcdiff.grad(safe_log)(-1.0) == 0.0


# ============================================================== while loops


def grow(x):
    while x < 10.0:
        x = x * 1.5
    return x


@pytest.mark.parametrize("x", [0.3, 1.0, 2.2, 7.0, 12.0])
def test_while_loop_with_data_dependent_trip_count(x):
    assert_grad_matches(grow, (x,))


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-10 * a:
        x = 0.5 * (x + a / x)
    return x


@pytest.mark.parametrize("a", [0.5, 2.0, 100.0])
def test_while_loop_newton_iteration_converges_to_true_derivative(a):
    assert srcdiff.grad(newton_sqrt)(a) == pytest.approx(0.5 / math.sqrt(a), rel=1e-6)


def halve_until_small(x):
    steps = 0
    while x > 1.0:
        x = x / 2.0
        steps += 1
        if steps > 3:
            break
    else:
        x = x * 3.0
    return x


@pytest.mark.parametrize("x", [0.5, 1.5, 20.0])
def test_while_else_and_break(x):
    assert_grad_matches(halve_until_small, (x,))


# ============================================================== for loops


def sum_of_powers(x, n):
    total = 0.0
    for k in range(n):
        total = total + x**k
    return total


def log_series(x):
    total = 0.0
    for k in range(1, 8):
        total += x**k / k
    return total


def sine_series(x):
    term = x
    total = x
    for k in range(3, 16, 2):
        term = -term * x * x / ((k - 1) * k)
        total += term
    return total


def horner_countdown(x):
    acc = 0.0
    for k in range(5, 0, -1):
        acc = acc * x + k
    return acc


FOR_RANGE_CASES = [
    (sum_of_powers, [(0.7, 5), (-1.3, 4)]),
    (log_series, [-0.6, 0.2, 0.5]),
    (sine_series, [-1.0, 0.4, 2.0]),
    (horner_countdown, [-1.5, 0.3, 2.0]),
]


@pytest.mark.parametrize("func, args", cases(FOR_RANGE_CASES))
def test_for_over_range_with_one_two_three_arguments_and_negative_step(func, args):
    assert_grad_matches(func, args)


def test_sine_series_gradient_is_close_to_cosine():
    assert srcdiff.grad(sine_series)(0.4) == pytest.approx(math.cos(0.4), rel=1e-9)


def sum_of_squares(x, y):
    total = 0.0
    for v in [x, y, x * y]:
        total += v * v
    return total


def weighted_waves(x, weights):
    total = 0.0
    for w in weights:
        total += w * math.sin(w * x)
    return total


def polynomial(x, coeffs):
    total = 0.0
    for k, c in enumerate(coeffs):
        total += c * x**k
    return total


def ranked_energy(x, y):
    total = 0.0
    for i, v in enumerate([x, y, x + y]):
        total += (i + 1) * v * v
    return total


def squared_error(a: float, b: float, xs: list, ys: list) -> float:
    """Least-squares loss of the line a*x + b over the data points."""
    loss = 0.0
    for xi, yi in zip(xs, ys):
        residual = a * xi + b - yi
        loss += residual * residual
    return loss


def paired_products(x, y):
    total = 0.0
    for u, v in zip([x, y, 2.0], [y, x * x, x]):
        total += u * v
    return total


@pytest.mark.parametrize("x, y", [(0.5, -1.2), (2.0, 0.3)])
def test_for_over_list_literal_of_variables(x, y):
    assert_grad_matches(sum_of_squares, (x, y), wrt=(0, 1))


@pytest.mark.parametrize("x", [-0.8, 0.6, 1.9])
def test_for_over_list_argument(x):
    assert_grad_matches(weighted_waves, (x, [0.5, -1.0, 2.0]))


@pytest.mark.parametrize("x", [-1.5, 0.4, 2.0])
def test_for_over_enumerate_of_list_argument(x):
    assert_grad_matches(polynomial, (x, [1.0, -2.0, 0.5, 0.25]))


@pytest.mark.parametrize("x, y", [(0.5, -1.2), (2.0, 0.3)])
def test_for_over_enumerate_of_variables(x, y):
    assert_grad_matches(ranked_energy, (x, y), wrt=(0, 1))


@pytest.mark.parametrize("a, b", [(0.5, 0.1), (2.0, -1.0)])
def test_for_over_zip_of_list_arguments(a, b):
    assert_grad_matches(squared_error, (a, b, [0.0, 1.0, 2.0, 3.0], [1.1, 2.9, 5.2, 6.8]), wrt=(0, 1))


@pytest.mark.parametrize("x, y", [(0.5, -1.2), (2.0, 0.3)])
def test_for_over_zip_of_variables(x, y):
    assert_grad_matches(paired_products, (x, y), wrt=(0, 1))


def triangle_sum(x, y):
    total = 0.0
    for i in range(3):
        for j in range(i + 1):
            total += math.sin(x * i + y * j)
    return total


def loops_in_loops(x):
    acc = x
    for _ in range(2):
        n = 0
        while n < 3:
            acc = math.sin(acc) + x
            n += 1
    return acc


@pytest.mark.parametrize("x, y", [(0.3, 0.7), (-1.1, 2.0)])
def test_nested_for_loops(x, y):
    assert_grad_matches(triangle_sum, (x, y), wrt=(0, 1))


@pytest.mark.parametrize("x", [-0.9, 0.2, 1.4])
def test_while_nested_in_for(x):
    assert_grad_matches(loops_in_loops, (x,))


def grow_until_five(x):
    value = x
    for _ in range(100):
        value = value * 1.3 + 0.1
        if value > 5.0:
            break
    return value


@pytest.mark.parametrize("x", [0.5, 1.9, 4.6, 6.0])
def test_break_with_data_dependent_exit(x):
    assert_grad_matches(grow_until_five, (x,))


def positive_squares(x, y):
    total = 0.0
    for v in [x, y, x - y, y - x]:
        if v < 0:
            continue
        total += v * v
    return total


@pytest.mark.parametrize("x, y", [(1.5, 0.5), (0.5, 1.5), (-1.0, -2.0)])
def test_continue(x, y):
    assert_grad_matches(positive_squares, (x, y), wrt=(0, 1))


def square_until_large(x):
    y = x
    for _ in range(5):
        if y > 100.0:
            break
        y = y * y
    else:
        y = y + 1.0
    return y


@pytest.mark.parametrize("x", [1.2, 3.5, -1.1])
def test_for_else_with_and_without_break(x):
    assert_grad_matches(square_until_large, (x,))


def first_crossing(x):
    value = x
    for k in range(20):
        value = value * 1.2 + 0.3
        if value > 4.0:
            return value * (k + 1)
    return -value


@pytest.mark.parametrize("x", [0.5, 2.0, 5.0, -8.0])
def test_return_inside_loop(x):
    assert_grad_matches(first_crossing, (x,))


def repeated_product(x, y):
    for _ in range(3):
        x = x * y
    return x


def iterated_sine(y):
    for _ in range(4):
        y = math.sin(y)
    return y


@pytest.mark.parametrize("x, y", [(1.5, 0.8), (-0.5, 1.3)])
def test_variable_overwritten_in_loop(x, y):
    assert srcdiff.grad(repeated_product, wrt=(0, 1))(x, y) == pytest.approx((y**3, 3 * x * y**2))


@pytest.mark.parametrize("y", [-1.0, 0.5, 2.0])
def test_repeated_sine_overwrites_its_argument(y):
    assert_grad_matches(iterated_sine, (y,))


# ============================================================== helper functions


def soft_clip(v, limit=2.0):
    """Identity in [-limit, limit], logarithmic growth outside."""
    if v > limit:
        return limit + math.log1p(v - limit)
    if v < -limit:
        return -limit - math.log1p(-v - limit)
    return v


def horner(x, coeffs):
    acc = 0.0
    for c in coeffs:
        acc = acc * x + c
    return acc


def model_positional(x, y):
    return soft_clip(x * y) + horner(x, [1.0, -2.0, 0.5])


def model_keywords(x, y):
    return soft_clip(v=x + y, limit=1.5) * soft_clip(limit=3.0, v=x)


def model_default_argument(x):
    return soft_clip(3.0 * x) ** 2


def clipped_polynomial(v):
    return soft_clip(horner(v, [0.3, -1.0, 2.0]), limit=3.0)


def model_nested_helpers(x):
    return clipped_polynomial(x) * x


@pytest.mark.parametrize("x, y", [(0.5, 0.8), (2.0, 1.9), (-2.5, 1.2)])
def test_helper_called_positionally(x, y):
    assert_grad_matches(model_positional, (x, y), wrt=(0, 1))


@pytest.mark.parametrize("x, y", [(0.5, 0.3), (2.0, 1.9), (-4.0, 1.2)])
def test_helper_called_with_keyword_arguments(x, y):
    assert_grad_matches(model_keywords, (x, y), wrt=(0, 1))


@pytest.mark.parametrize("x", [-1.5, 0.2, 1.5])
def test_helper_default_argument(x):
    assert_grad_matches(model_default_argument, (x,))


@pytest.mark.parametrize("x", [-1.4, 0.3, 1.6])
def test_helper_calling_helper(x):
    assert_grad_matches(model_nested_helpers, (x,))


# ============================================================== recursion


def recursive_power(x, n):
    if n == 0:
        return 1.0
    return x * recursive_power(x, n - 1)


def exp_tail(x, k, n):
    """1 + x/k (1 + x/(k+1) (1 + ...)): the exponential series from term k on."""
    if k > n:
        return 1.0
    return 1.0 + x / k * exp_tail(x, k + 1, n)


def approx_exp(x):
    return exp_tail(x, 1, 18)


@pytest.mark.parametrize("x, n", [(1.3, 4), (-0.7, 3), (2.0, 0)])
def test_recursive_function(x, n):
    assert_grad_matches(recursive_power, (x, n))


@pytest.mark.parametrize("x", [-1.0, 0.5, 2.0])
def test_recursive_series_gradient_is_close_to_exp(x):
    assert srcdiff.grad(approx_exp)(x) == pytest.approx(math.exp(x), rel=1e-9)


# ============================================================== closures and globals


def make_scaled_sine(scale):
    def scaled_sine(x):
        return scale * math.sin(x)

    return scaled_sine


def test_closure_captured_float():
    scaled_sine = make_scaled_sine(2.5)
    assert srcdiff.grad(scaled_sine)(0.4) == pytest.approx(2.5 * math.cos(0.4))


def test_two_closures_from_one_factory_use_their_own_values():
    small, big = make_scaled_sine(2.0), make_scaled_sine(5.0)
    assert srcdiff.grad(small)(0.4) == pytest.approx(2.0 * math.cos(0.4))
    assert srcdiff.grad(big)(0.4) == pytest.approx(5.0 * math.cos(0.4))


SCALE = 3.0


def scaled_square(x):
    return SCALE * x * x


def test_module_global_is_read():
    assert srcdiff.grad(scaled_square)(2.0) == pytest.approx(12.0)


def test_module_global_is_read_at_call_time(monkeypatch):
    df = srcdiff.grad(scaled_square)
    monkeypatch.setitem(globals(), "SCALE", 5.0)
    assert scaled_square(2.0) == 20.0
    assert df(2.0) == pytest.approx(20.0)


# ============================================================== wrt, types and API semantics


def times(n, x):
    return n * x


def test_gradient_wrt_int_argument_is_float():
    g = srcdiff.grad(cube)(2)
    assert isinstance(g, float)
    assert g == 12.0


def test_gradient_wrt_int_argument_among_floats():
    g = srcdiff.grad(times, wrt=0)(3, 1.5)
    assert isinstance(g, float)
    assert g == 1.5


def only_x(x, y):
    return x * x


def sign_flip(x, t):
    return x if t > 0 else -x


def constant(x):
    return 4.0


@pytest.mark.parametrize(
    "func, args, wrt",
    [(only_x, (1.5, 2.0), 1), (sign_flip, (1.5, 2.0), 1), (sign_flip, (1.5, -2.0), "t"), (constant, (1.5,), 0)],
    ids=["unused-parameter", "parameter-only-in-condition", "condition-parameter-by-name", "constant-function"],
)
def test_gradient_wrt_ignored_parameter_is_float_zero(func, args, wrt):
    g = srcdiff.grad(func, wrt=wrt)(*args)
    assert isinstance(g, float)
    assert g == 0.0


def test_wrt_tuple_includes_zero_for_ignored_parameter():
    assert srcdiff.grad(only_x, wrt=(0, 1))(1.5, 2.0) == (3.0, 0.0)


def area(width, height):
    return width * height


def test_default_wrt_is_first_parameter():
    assert srcdiff.grad(area)(2.0, 5.0) == 5.0


def test_wrt_by_name():
    assert srcdiff.grad(area, wrt="height")(2.0, 5.0) == 2.0


def test_wrt_by_position():
    assert srcdiff.grad(area, wrt=1)(2.0, 5.0) == 2.0


def test_wrt_tuple_returns_gradients_in_requested_order():
    assert srcdiff.grad(area, wrt=(1, 0))(2.0, 5.0) == (2.0, 5.0)
    assert srcdiff.grad(area, wrt=("width", "height"))(2.0, 5.0) == (5.0, 2.0)


def test_wrt_tuple_mixing_names_and_positions():
    assert srcdiff.grad(area, wrt=("height", 0))(2.0, 5.0) == (2.0, 5.0)


def test_value_and_grad_single():
    value, g = srcdiff.value_and_grad(seed_chain)(0.9)
    assert value == pytest.approx(seed_chain(0.9), rel=1e-12)
    assert g == pytest.approx(seed_chain_by_hand(0.9), rel=1e-10)


def test_value_and_grad_tuple():
    value, (gx, gy) = srcdiff.value_and_grad(quadrant_energy, wrt=("x", "y"))(1.2, -0.7)
    assert value == pytest.approx(quadrant_energy(1.2, -0.7), rel=1e-12)
    assert (gx, gy) == pytest.approx(numeric_grad(quadrant_energy, (1.2, -0.7), (0, 1)), rel=1e-5)


def test_grad_as_plain_decorator():
    @srcdiff.grad
    def slope(x):
        return 3.0 * x * x

    assert slope(2.0) == pytest.approx(12.0)


def test_grad_as_decorator_with_wrt():
    @srcdiff.grad(wrt=(0, 1))
    def rectangle(w, h):
        return w * h + 2.0 * (w + h)

    assert rectangle(3.0, 4.0) == pytest.approx((6.0, 5.0))


def test_gradient_function_accepts_keyword_arguments():
    df = srcdiff.grad(band, wrt=(0, 1))
    expected = df(1.0, 2.0)
    assert df(x=1.0, y=2.0) == expected
    assert df(1.0, y=2.0) == expected
    assert df(y=2.0, x=1.0) == expected


def with_default(x, y=2.0):
    return x * y + y


def test_gradient_function_uses_default_arguments():
    assert srcdiff.grad(with_default)(1.5) == 2.0
    assert srcdiff.grad(with_default, wrt="y")(1.5) == 2.5


def test_gradient_function_has_the_same_parameters():
    df = srcdiff.grad(with_default, wrt="y")
    assert list(inspect.signature(df).parameters) == ["x", "y"]


def test_list_argument_is_not_mutated():
    xs, ys = [0.0, 1.0, 2.0, 3.0], [1.1, 2.9, 5.2, 6.8]
    xs_before, ys_before = list(xs), list(ys)
    srcdiff.grad(squared_error, wrt=(0, 1))(0.5, 0.1, xs, ys)
    srcdiff.value_and_grad(squared_error)(0.5, 0.1, xs, ys)
    assert xs == xs_before and ys == ys_before


def test_gradient_is_repeatable():
    df = srcdiff.grad(model_positional, wrt=(0, 1))
    assert df(0.5, 0.8) == df(0.5, 0.8)


# ============================================================== properties


SAFE_FLOATS = st.floats(min_value=-3.0, max_value=3.0, allow_nan=False, allow_infinity=False)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(x=SAFE_FLOATS, coeffs=st.lists(st.floats(min_value=-2.0, max_value=2.0), min_size=1, max_size=6))
def test_horner_polynomial_matches_analytic_derivative(x, coeffs):
    # horner(x, [c0, c1, ..., cn]) = c0 x^n + c1 x^(n-1) + ... + cn
    n = len(coeffs) - 1
    expected = sum((n - i) * c * x ** (n - i - 1) for i, c in enumerate(coeffs[:-1]))
    assert srcdiff.grad(horner)(x, coeffs) == pytest.approx(expected, rel=1e-9, abs=1e-9)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(x=st.floats(min_value=0.05, max_value=20.0))
def test_while_loop_gradient_is_product_of_iteration_factors(x):
    iterations, value = 0, x
    while value < 10.0:
        value, iterations = value * 1.5, iterations + 1
    assert srcdiff.grad(grow)(x) == pytest.approx(1.5**iterations, rel=1e-9)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(x=SAFE_FLOATS, y=SAFE_FLOATS)
def test_smooth_two_argument_function_matches_finite_differences(x, y):
    # polar_product is smooth everywhere
    assert_grad_matches(polar_product, (x, y), wrt=(0, 1), rtol=1e-5, atol=1e-5)
