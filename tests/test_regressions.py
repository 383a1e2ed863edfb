"""Regression tests from an adversarial pass over scalar srcdiff.

Each function is small user-style code. Known bugs are marked
``xfail(strict=True)`` with a one-line diagnosis, so fixing one makes its test
XPASS (and fail, as a reminder to drop the marker). The unmarked tests are
tricky cases that already work and must keep working.

Where refusing with a ``SrcDiffError`` would be an acceptable fix (list
arithmetic, rebinding a list while iterating over it), the test accepts either
a correct gradient or a refusal; only a wrong gradient or another exception
type fails it.
"""

from __future__ import annotations

import copy
import math

import pytest

import srcdiff
from helpers import assert_grad_matches, numeric_grad


def assert_grad_or_refusal(f, args, wrt=0):
    """A correct gradient or a SrcDiffError; never a wrong gradient or another exception."""
    try:
        srcdiff.grad(f, wrt=wrt)(*args)
    except srcdiff.SrcDiffError:
        return
    assert_grad_matches(f, args, wrt)


def list_numeric_grad(f, args, p, h=1e-6):
    """Central differences of ``f`` with respect to every element of the sequence ``args[p]``."""
    seq = args[p]
    out = []
    for i in range(len(seq)):
        up, down = list(seq), list(seq)
        up[i] += h
        down[i] -= h
        a_up, a_down = list(args), list(args)
        a_up[p], a_down[p] = type(seq)(up), type(seq)(down)
        out.append((f(*a_up) - f(*a_down)) / (2 * h))
    return out


def assert_list_grad_matches(f, args, p=0):
    snapshot = copy.deepcopy(args)
    got = srcdiff.grad(f, wrt=p)(*args)
    assert args == snapshot, "srcdiff mutated its arguments"
    assert type(got) is type(args[p]), f"gradient of a {type(args[p]).__name__} came back as {type(got).__name__}"
    expected = list_numeric_grad(f, args, p)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert isinstance(g, float)
        assert math.isclose(g, e, rel_tol=1e-5, abs_tol=1e-6), f"{got} != {expected}"


# ============================================================ bugs: helpers with defaults


def two_defaults(a, b=2.0, c=3.0):
    return a * b + c * c * a


def calls_two_defaults(x):
    return two_defaults(x)


def calls_two_defaults_by_keyword(x, y):
    return two_defaults(x, c=y) + two_defaults(c=x, a=y)


def test_helper_with_two_default_arguments():
    assert_grad_matches(calls_two_defaults, (0.7,))


def test_helper_with_two_defaults_called_with_keywords_in_any_order():
    assert_grad_matches(calls_two_defaults_by_keyword, (0.7, 1.1), wrt=(0, 1))


def posonly_then_defaults(a, /, b, c=1.0, d=2.0):
    return a * b * c * d


def test_top_level_positional_only_parameter_with_two_defaults():
    assert_grad_matches(posonly_then_defaults, (0.7, 1.1), wrt=(0, 1))


def one_default(a, b=2.0):
    return a * b * b


def calls_one_default(x, y):
    return one_default(x) + one_default(x, y) + one_default(b=x, a=y)


def test_helper_with_one_default_in_every_call_style():
    assert_grad_matches(calls_one_default, (0.7, 1.1), wrt=(0, 1))


def kw_only_helper(a, *, k=2.0):
    return a * k


def calls_kw_only_helper(x, y):
    return kw_only_helper(x) + kw_only_helper(x, k=y) + kw_only_helper(k=x, a=y)


def test_helper_with_keyword_only_default():
    assert_grad_matches(calls_kw_only_helper, (0.7, 1.1), wrt=(0, 1))


def kw_only_top(x, *, y=2.0):
    return x * y * y


def test_wrt_keyword_only_parameter_by_name():
    assert srcdiff.grad(kw_only_top, wrt="y")(0.7) == pytest.approx(2 * 0.7 * 2.0)
    assert srcdiff.grad(kw_only_top, wrt="y")(0.7, y=3.0) == pytest.approx(2 * 0.7 * 3.0)
    assert srcdiff.grad(kw_only_top, wrt=("x", "y"))(x=0.7, y=3.0) == pytest.approx((9.0, 4.2))


# ======================================================= bugs: `for ... in range(...)` index


def index_reassigned_in_body(x):
    s = 0.0
    for i in range(3):
        i = i * 2
        s = s + x * i
    return s


def test_range_index_reassigned_in_loop_body():
    assert_grad_matches(index_reassigned_in_body, (0.7,))


def index_shadows_parameter(x):
    y = x * x
    for x in range(2):
        y = y + x
    return y + x


def test_range_loop_target_rebinds_the_differentiated_parameter():
    assert_grad_matches(index_shadows_parameter, (0.7,))


def range_reads_its_own_target(x):
    i = 1
    s = 0.0
    for i in range(i, 4):
        s = s + x ** i
    return s


def test_range_bounds_that_read_the_loop_target():
    assert_grad_matches(range_reads_its_own_target, (0.7,))


def same_index_in_two_loops(x):
    s = x
    for i in range(3):
        s = s * x + i
    for i in range(2):
        s = s + i * x
    return s * i


def same_index_nested(x):
    s = 0.0
    for i in range(3):
        for i in range(2):
            s = s + x * (i + 1)
        s = s * (i + 1.5)
    return s


def loop_index_after_loop(x):
    s = 0.0
    for i in range(4):
        s = s + x * i
    return s * i


def loop_element_after_loop(x):
    for v in [x, x * x, 3.0 * x]:
        pass
    return v


def element_shadows_parameter(x):
    y = x * x
    for x in [1.0, 2.0]:
        y = y + x
    return y + x


@pytest.mark.parametrize("func", [same_index_in_two_loops, same_index_nested, loop_index_after_loop,
                                  loop_element_after_loop, element_shadows_parameter])
def test_loop_variables_reused_and_read_after_the_loop(func):
    assert_grad_matches(func, (0.7,))


# =============================================== bugs: rebinding the list a loop iterates over


def rebind_iterated_list(x):
    xs = [x, 2.0 * x, 3.0]
    s = 0.0
    for v in xs:
        s = s + v
        xs = [v * 10.0]
    return s


def rebind_iterated_list_same_length(x):
    xs = [x, 2.0 * x, 3.0]
    s = 0.0
    for v in xs:
        s = s + v * v
        xs = [1.0, 1.0, 1.0]
    return s


def rebind_zipped_list(x):
    xs = [x, 2.0 * x]
    ys = [1.0, 2.0]
    s = 0.0
    for a, b in zip(xs, ys):
        s = s + a * b
        ys = [0.0, 0.0]
    return s


def test_loop_body_rebinds_the_list_it_iterates_shorter():
    assert_grad_or_refusal(rebind_iterated_list, (0.7,))


def test_loop_body_rebinds_the_list_it_iterates_same_length():
    assert_grad_or_refusal(rebind_iterated_list_same_length, (0.7,))


def test_value_and_grad_value_when_loop_body_rebinds_the_list():
    try:
        value, _ = srcdiff.value_and_grad(rebind_iterated_list_same_length)(0.7)
    except srcdiff.SrcDiffError:
        return
    assert value == rebind_iterated_list_same_length(0.7)


def test_zip_loop_body_rebinds_a_zipped_list():
    assert_grad_or_refusal(rebind_zipped_list, (0.7,))


# ======================================================= bugs: list / tuple arithmetic


def list_concatenation(x):
    ys = []
    ys = ys + [x * x]
    ys = ys + [x]
    return ys[0] + 2.0 * ys[1]


def tuple_concatenation(x, y):
    t = (x,) + (y,)
    return t[0] * 3.0 + t[1]


def list_repetition(x):
    ys = [x] * 3
    return ys[0] + ys[2]


def test_list_concatenation():
    assert_grad_or_refusal(list_concatenation, (0.7,))


def test_tuple_concatenation():
    assert_grad_or_refusal(tuple_concatenation, (0.7, 1.3), wrt=(0, 1))


def test_list_repetition():
    assert_grad_or_refusal(list_repetition, (0.7,))


# ================================================================= bugs: x ** 0 at x == 0


def power_zero(x):
    return x ** 0 + x


def pow_builtin_zero(x, n):
    return pow(x, n) + x


def test_power_with_zero_exponent_at_zero_base():
    assert srcdiff.grad(power_zero)(0.0) == 1.0


def test_pow_with_zero_exponent_at_zero_base():
    assert srcdiff.grad(pow_builtin_zero)(0.0, 0) == 1.0


def test_power_with_zero_exponent_away_from_zero():
    assert_grad_matches(power_zero, (0.5,))


# ======================================= bugs: call targets are frozen at the first call


def scale_helper(x):
    return x * x


def uses_scale_helper(x):
    return scale_helper(x) * 2.0


def cube(x):
    return x * x * x


ACTIVATION = math.sin


def uses_activation(x):
    return ACTIVATION(x) * 2.0


def test_rebinding_a_global_helper_between_calls(monkeypatch):
    df = srcdiff.grad(uses_scale_helper)
    assert df(0.7) == pytest.approx(4 * 0.7)
    monkeypatch.setitem(globals(), "scale_helper", cube)
    assert uses_scale_helper(0.7) == pytest.approx(2 * 0.7 ** 3)  # the original sees the new helper
    assert df(0.7) == pytest.approx(6 * 0.7 ** 2)


def test_rebinding_a_global_alias_of_a_math_function_between_calls(monkeypatch):
    df = srcdiff.grad(uses_activation)
    assert df(0.7) == pytest.approx(2 * math.cos(0.7))
    monkeypatch.setitem(globals(), "ACTIVATION", math.cos)
    assert df(0.7) == pytest.approx(-2 * math.sin(0.7))


N_TERMS = 3


def uses_global_count(x):
    s = 0.0
    for i in range(N_TERMS):
        s = s + x * i
    return s


def test_global_loop_bound_changed_between_calls(monkeypatch):
    df = srcdiff.grad(uses_global_count)
    assert df(0.7) == 3.0
    monkeypatch.setitem(globals(), "N_TERMS", 5)
    assert df(0.7) == 10.0


# ======================================================== tricky cases that work


def overwritten_in_nested_loops(x, y):
    z = x
    for i in range(3):
        for j in range(2):
            if z > 1.0:
                z = z * y - 0.5
            else:
                z = z + x * j
            z = math.sin(z) + z
    return z


def break_inner_loop(x):
    s = 0.0
    for i in range(4):
        for j in range(4):
            if j > i:
                break
            s = s + x ** (j + 1)
    return s


def break_outer_loop(x):
    s = 0.0
    done = False
    for i in range(5):
        for j in range(3):
            s = s + x * (i + j)
            if s > 10.0:
                done = True
                break
        if done:
            break
    return s


def while_continue_else(x):
    i = 0
    s = 0.0
    while i < 6:
        i = i + 1
        if i % 2 == 0:
            continue
        s = s + x * i
    else:
        s = s * x
    return s


def for_continue_else(x):
    s = 1.0
    for i in range(5):
        if i == 2:
            continue
        s = s * x + i
    else:
        s = s + x * x
    return s


def while_else_continue_break(x):
    s = 0.0
    i = 0
    while i < 5:
        i = i + 1
        if i == 3:
            continue
        if s > 50.0:
            break
        s = s + x * i * s + x
    else:
        s = s * 2.0
    return s


def for_else_with_return(x):
    for i in range(5):
        if x * i > 2.0:
            break
    else:
        return x * 100.0
    return x * i


def while_true_break(x):
    s = x
    while True:
        s = s * 1.5
        if s > 10.0:
            break
    return s


def return_from_for_inside_while(x):
    s = x
    k = 0
    while k < 3:
        for j in range(3):
            s = s + x * j
            if s > 5.0:
                return s * k
        k += 1
    return s


def nested_continue(x):
    s = 0.0
    for i in range(4):
        for j in range(4):
            if (i + j) % 2 == 0:
                continue
            s = s + x ** 2 * j
        if i == 2:
            continue
        s = s * x
    return s


def deep_branches(x, y):
    if x > 0:
        if y > 0:
            z = x * y
        elif y > -1:
            z = x - y
        else:
            z = x
            if x > 1:
                return z * 3.0
    else:
        z = y * y
    return z * x


def defined_in_one_branch(x):
    if x > 0:
        z = x * x
    if x > 0:
        return z
    return x


def defined_in_loop_branch_only(x):
    s = 0.0
    for i in range(4):
        if i > 1:
            w = x * i
        if i > 2:
            s = s + w * w
    return s


def alias_then_overwrite(x):
    y = x
    y = y * 2
    y = y + x
    return y * x


def swaps_in_loop(x, y):
    a, b = x, y
    for i in range(3):
        a, b = b, a * b
    return a + b


def augmented_everything(x):
    z: float = x * 2.0
    z **= 2
    z /= 3.0
    z -= x
    z %= 5.0
    return z


def chained_targets(x):
    a = b = x * 2.0
    a = a * b
    return a + b


def or_as_value(x, y):
    z = (x - 1.0) or y
    return z * z


def shadows_builtins(x):
    sum = 0.0
    for i in range(3):
        sum = sum + x * i
    abs = sum * 2.0
    return abs


def names_like_generated_ones(x, dx, _stack, d_t1, _t1, g):
    _ret = x * dx
    return _ret + _stack * x + d_t1 * _t1 * g * x


TRICKY = [
    (overwritten_in_nested_loops, (0.7, 1.3), (0, 1)),
    (overwritten_in_nested_loops, (1.7, 0.9), (0, 1)),
    (break_inner_loop, (0.7,), 0),
    (break_outer_loop, (0.7,), 0),
    (break_outer_loop, (3.0,), 0),
    (while_continue_else, (0.7,), 0),
    (for_continue_else, (0.7,), 0),
    (while_else_continue_break, (0.7,), 0),
    (while_else_continue_break, (3.0,), 0),
    (for_else_with_return, (0.7,), 0),
    (for_else_with_return, (0.1,), 0),
    (while_true_break, (0.7,), 0),
    (return_from_for_inside_while, (0.7,), 0),
    (return_from_for_inside_while, (0.3,), 0),
    (nested_continue, (0.7,), 0),
    (deep_branches, (0.7, 1.1), (0, 1)),
    (deep_branches, (0.7, -0.5), (0, 1)),
    (deep_branches, (0.7, -2.0), (0, 1)),
    (deep_branches, (1.7, -2.0), (0, 1)),
    (deep_branches, (-0.7, 1.1), (0, 1)),
    (defined_in_one_branch, (0.7,), 0),
    (defined_in_one_branch, (-0.7,), 0),
    (defined_in_loop_branch_only, (0.7,), 0),
    (alias_then_overwrite, (0.7,), 0),
    (swaps_in_loop, (0.7, 1.2), (0, 1)),
    (augmented_everything, (0.7,), 0),
    (chained_targets, (0.7,), 0),
    (or_as_value, (0.7, 1.3), (0, 1)),
    (or_as_value, (1.0, 1.3), (0, 1)),
    (shadows_builtins, (0.7,), 0),
    (names_like_generated_ones, (0.7, 1.0, 2.0, 3.0, 4.0, 5.0), (0, 1, 2, 3, 4, 5)),
]


@pytest.mark.parametrize("func, args, wrt", [pytest.param(f, a, w, id=f"{f.__name__}{a}") for f, a, w in TRICKY])
def test_tricky_control_flow(func, args, wrt):
    assert_grad_matches(func, args, wrt)


# ------------------------------------------------------------------- helpers, recursion


def nested_return_helper(x, n):
    for i in range(n):
        for j in range(n):
            if x * i * j > 2.0:
                return x * i + j
    return -x


def uses_nested_return_helper(x):
    return nested_return_helper(x, 4) + nested_return_helper(x * 0.1, 3)


def is_big(x):
    return x * x > 0.5


def while_test_calls_helper(x):
    y = x
    while is_big(y):
        y = y * 0.7
    return y


def pair(a, b):
    return a * b, a + b


def unpacks_helper_tuples(x, y):
    p, q = pair(x, y)
    r, s = pair(p, 2.0)
    return p * q + r - s + pair(y, x)[0] + pair(x, x)[1]


def with_exp(a, b):
    return a * math.exp(b)


def mixed_activity_calls(x, y):
    return with_exp(x, 1.0) + with_exp(2.0, y) + with_exp(x, y) + with_exp(b=x, a=y) + with_exp(3.0, 4.0)


def fib(x, n):
    if n < 2:
        return x
    return fib(x, n - 1) + fib(x, n - 2) * x


def uses_fib(x):
    return fib(x, 6)


def even_steps(x, n):
    if n == 0:
        return x
    return odd_steps(x * 1.1, n - 1) + x


def odd_steps(x, n):
    if n == 0:
        return x * x
    return even_steps(math.sin(x), n - 1)


def mutual_recursion(x):
    return even_steps(x, 5)


def deep_recursion(x, n):
    if n == 0:
        return x
    return math.sin(deep_recursion(x, n - 1)) * 0.5 + x * 0.01


def uses_deep_recursion(x):
    return deep_recursion(x, 200)


def reassigns_params_in_loop(a, b):
    for i in range(3):
        a = a * b + i
    b = a
    return a * b


def uses_reassigns_params(x, y):
    return reassigns_params_in_loop(x, y) + reassigns_params_in_loop(2.0, y) + reassigns_params_in_loop(x, 3.0)


def while_helper(a, b):
    k = 0
    while a < b:
        a = a * 1.5 + 0.1
        k += 1
        if k > 50:
            break
    return a


def loop_calls_while_helper(x):
    s = 0.0
    for i in range(3):
        s = s + while_helper(x * (i + 1), 3.0 + x)
    return s


HELPERS = [
    (uses_nested_return_helper, (0.7,), 0),
    (uses_nested_return_helper, (3.0,), 0),
    (while_test_calls_helper, (3.0,), 0),
    (unpacks_helper_tuples, (0.7, 1.1), (0, 1)),
    (mixed_activity_calls, (0.7, 1.3), (0, 1)),
    (uses_fib, (0.7,), 0),
    (fib, (0.7, 6), 0),
    (mutual_recursion, (0.7,), 0),
    (uses_deep_recursion, (0.7,), 0),
    (uses_reassigns_params, (0.7, 1.3), (0, 1)),
    (loop_calls_while_helper, (0.7,), 0),
]


@pytest.mark.parametrize("func, args, wrt", [pytest.param(f, a, w, id=f"{f.__name__}{a}") for f, a, w in HELPERS])
def test_helpers_and_recursion(func, args, wrt):
    assert_grad_matches(func, args, wrt)


def make_scaled(a):
    def scaled(x):
        return a * x * x
    return scaled


def make_composed(g):
    def composed(x):
        return g(x) + g(2.0 * x)
    return composed


def square(x):
    return x * x


def test_closures_over_a_float_and_over_a_function():
    assert_grad_matches(make_scaled(3.0), (0.7,))
    assert_grad_matches(make_composed(square), (0.7,))


# ------------------------------------------------------------ builtins, powers, ints


def powers(x, y):
    return x ** y


def abs_away_from_kinks(x):
    return abs(x * x - 2.0) + abs(-x)


def min_max_many(x, y, z):
    return min(x, y, z) + max(x, y, z) * 2.0 + min([x, y, z]) + max((x, y))


def sums(x, y):
    return sum([x, y, x * y]) + sum((x, 2.0), 1.0) + sum([x, y], x * y)


def int_power_and_product(x, n):
    return x ** n + n * x


def ignores_input(x):
    return 3.0


def returns_int(x):
    return 3


@pytest.mark.parametrize("func, args, wrt", [
    (powers, (2.0, 3.0), (0, 1)),
    (powers, (-2.0, 3.0), 0),
    (powers, (-2.0, 2.0), 0),
    (powers, (0.5, -1.5), (0, 1)),
    (abs_away_from_kinks, (0.7,), 0),
    (abs_away_from_kinks, (-1.7,), 0),
    (min_max_many, (0.7, 0.2, 1.5), (0, 1, 2)),
    (min_max_many, (1.7, 0.2, -1.5), (0, 1, 2)),
    (sums, (0.7, 1.2), (0, 1)),
    (int_power_and_product, (2, 3), (0, 1)),
    (int_power_and_product, (2.0, 3), (0, 1)),
    (ignores_input, (0.7,), 0),
    (returns_int, (0.7,), 0),
])
def test_builtins_powers_and_ints(func, args, wrt):
    assert_grad_matches(func, args, wrt)


def long_loop(x):
    s = 0.0
    for i in range(10000):
        s = s + math.sin(x * i * 1e-4)
    return s


def test_long_loop():
    assert_grad_matches(long_loop, (0.7,), rtol=1e-4)


# --------------------------------------------------------------------- list arguments


def loop_over_list(xs):
    s = 0.0
    for x in xs:
        s = s * 0.5 + x * x
    return s


def min_max_sum_of_list(xs):
    return min(xs) * max(xs) + sum(xs)


def enumerate_list(xs):
    s = 0.0
    for i, v in enumerate(xs):
        s = s + i * v * v
    return s


def zip_list_with_its_tail(xs):
    s = 0.0
    for a, b in zip(xs, xs[1:]):
        s = s + a * b
    return s


def strided_slice_and_negative_index(xs):
    s = 0.0
    for v in xs[::2]:
        s = s + v * v
    return s + xs[-1] * xs[-2]


def break_over_list(xs):
    s = 0.0
    for v in xs:
        if s > 3.0:
            break
        s = s + v
    return s


def sum_of_squares(v):
    t = 0.0
    for e in v:
        t = t + e * e
    return t


def list_through_helper(xs):
    return sum_of_squares(xs) * 2.0 + sum_of_squares(xs[1:])


def unpack_list(xs):
    a, b, c, d = xs
    return a * b * c + d


@pytest.mark.parametrize("func", [loop_over_list, min_max_sum_of_list, enumerate_list, zip_list_with_its_tail,
                                  strided_slice_and_negative_index, break_over_list, list_through_helper,
                                  unpack_list])
def test_gradient_wrt_a_list_is_a_list(func):
    assert_list_grad_matches(func, ([1.0, 2.5, 0.5, 1.5],))


def test_gradient_wrt_a_tuple_is_a_tuple():
    assert_list_grad_matches(loop_over_list, ((1.5, 2.0),))
    assert srcdiff.grad(loop_over_list)([]) == []


# ------------------------------------------------------------------ bool outputs


def returns_comparison(x):
    return x > 0


def maybe_returns_comparison(x):
    if x > 5:
        return 0.0
    return x > 0


def test_bool_output_is_refused_when_kinds_cannot_tell():
    with pytest.raises(srcdiff.errors.OutputError):
        srcdiff.grad(maybe_returns_comparison)(0.7)


def test_bool_output_is_refused_consistently():
    with pytest.raises(srcdiff.errors.OutputError):
        srcdiff.grad(returns_comparison)(0.7)


# ---------------------------------------------------------------------- refusals


def setcomp_helper(x):
    multiples = {x * i for i in range(3)}  # (a set kept as a value: refused)
    return sum(multiples)


def calls_setcomp_helper(x):
    return setcomp_helper(x) + x


def appends_to_list(x):
    ys = []
    ys.append(x * x)
    return ys[0]


def loops_over_reversed(xs):
    s = 0.0
    for v in reversed(xs):
        s = s * 0.5 + v
    return s


@pytest.mark.parametrize("func, args, name", [
    (calls_setcomp_helper, (0.7,), "setcomp_helper"),
    (loops_over_reversed, ([1.0, 2.0],), "loops_over_reversed"),
])
def test_refusals_name_the_function_and_file_line(func, args, name):
    with pytest.raises(srcdiff.SrcDiffError) as info:
        srcdiff.grad(func)(*args)
    assert name in str(info.value)
    assert "test_regressions.py:" in str(info.value)


def test_generated_source_of_a_recursive_helper_compiles_and_mentions_its_parts():
    df = srcdiff.grad(uses_fib)
    df(0.7)
    text = srcdiff.source(df)
    compile(text, "<generated>", "exec")
    assert "def grad_uses_fib(x):" in text
    assert "fwd" in text and "bwd" in text


def test_appending_to_a_local_list_is_differentiated():
    assert_grad_matches(appends_to_list, (0.7,))


def _nan_second(x):
    big = (x + 1e200) * 1e200  # inf
    return min(2.0 * x, big - big)  # min(2x, nan) is 2x: Python keeps the first unless the second is smaller


def test_min_of_a_nan_keeps_the_first_value_and_its_derivative():
    """min/max of two values pick as Python does, and the value not picked adds nothing: its
    derivative is not multiplied by 0, which gave nan in forward mode for a nan (or inf) there
    (fuzz seed 181)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert srcdiff.grad(_nan_second)(0.5) == 2.0
        assert srcdiff.jvp(_nan_second, (0.5,), (1.0,)) == (1.0, 2.0)
