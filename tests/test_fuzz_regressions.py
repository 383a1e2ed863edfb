"""Bugs found by the random-program fuzzer (tests/test_fuzz.py), each as the shrunk program.

Every test is ``xfail(strict=True)``: it documents a bug that is still there, and
starts failing (XPASS) once the bug is fixed, so the marker gets removed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import srcdiff

SCALE = 1.25


# -- 1. a float augmented assignment refused as an in-place write --------------------------


def aug_assign_global_into_param(x):
    x += SCALE
    return x


def aug_assign_after_global_elsewhere(x):
    t = math.cos(x)
    t += x
    if x > 5.0:
        t = SCALE
    return t


IN_PLACE_REASON = (
    "aliasing.problems treats `v += w` as an in-place write unless v is in kinds.scalars, which is "
    "flow-insensitive: one assignment to v from a value of unknown kind (a module global like SCALE, "
    "`v = v + SCALE`) takes v out of the scalars, so `x += SCALE` on a float argument is refused "
    "('writing into `x` in place changes an argument') although a float is never changed in place"
)


def test_float_param_plus_equals_global_is_not_an_in_place_write():
    assert srcdiff.grad(aug_assign_global_into_param)(0.3) == 1.0


def test_float_local_plus_equals_is_not_an_in_place_write():
    value, dx = srcdiff.value_and_grad(aug_assign_after_global_elsewhere)(0.3)
    assert value == aug_assign_after_global_elsewhere(0.3)
    assert math.isclose(dx, 1.0 - math.sin(0.3))


def float_param_plus_equals_array_sum(a, s):
    s += np.sum(a)
    return s


def test_float_param_plus_equals_np_sum_is_not_an_in_place_write():
    a = np.array([1.0, 2.0, 3.0])
    value, (da, ds) = srcdiff.value_and_grad(float_param_plus_equals_array_sum, wrt=(0, 1))(a, 0.5)
    assert value == 6.5
    np.testing.assert_allclose(da, 1.0)
    assert ds == 1.0


# -- 2. value_and_grad returns the output variable as restored by the adjoint sweep ---------


def overwritten_result(x):
    t = abs(x)
    t = t * t
    return t


def overwritten_result_with_global(x):
    t = x * SCALE
    t = t * x
    return t


VALUE_REASON = (
    "value_and_grad returns the result atom after the adjoint sweep; when the result variable was "
    "overwritten and its old value saved (its kind is not surely scalar, e.g. from abs() or a global), "
    "the adjoint sweep pops the old value back into it (`t = _stack.pop()`), so the function returns "
    "the value t had before its last assignment (0.3 instead of 0.09 here); the gradient is right"
)


def test_value_and_grad_value_of_an_overwritten_result():
    value, dx = srcdiff.value_and_grad(overwritten_result)(0.3)
    assert value == overwritten_result(0.3)  # 0.09; srcdiff returns 0.3
    assert math.isclose(dx, 0.6)


def test_value_and_grad_value_of_an_overwritten_result_global():
    value, dx = srcdiff.value_and_grad(overwritten_result_with_global)(0.3)
    assert value == overwritten_result_with_global(0.3)  # 0.1125; srcdiff returns 0.375
    assert math.isclose(dx, 2 * SCALE * 0.3)


# -- 3. KeyError from the helper result-kind cache -----------------------------------------


def array_helper(p):
    return p * 2.0


def scalar_helper_calling_array_helper(p):
    q = array_helper(p)
    return 1.5


def calls_nested_helpers(a):
    return np.sum(a) * scalar_helper_calling_array_helper(a)


def test_scalar_helper_that_calls_an_array_helper():
    a = np.array([1.0, 2.0, 3.0])
    value, g = srcdiff.value_and_grad(calls_nested_helpers)(a)
    assert value == 9.0
    np.testing.assert_allclose(g, [1.5, 1.5, 1.5])


# -- 4. appending to a list refused because a float was read from it -----------------------


def reads_then_appends(x):
    acc = [x]
    y = acc[0]
    acc.append(2.0 * x)
    return y + sum(acc)


def test_append_after_reading_a_float_element():
    value, dx = srcdiff.value_and_grad(reads_then_appends)(0.3)
    assert value == reads_then_appends(0.3)
    assert math.isclose(dx, 4.0)


# -- 5. zero adjoint of an overwritten array is a scalar that matmul_adjoint cannot reshape -----


def overwritten_matmul_result(a, b):
    t = np.outer(a, a) @ a
    t = b * 1.0
    return np.sum(t)


def test_overwritten_matmul_result():
    a = np.array([1.3, 1.07, 2.0])
    b = np.array([-0.75, 2.43, -1.06])
    value, (da, db) = srcdiff.value_and_grad(overwritten_matmul_result, wrt=(0, 1))(a, b)
    assert value == overwritten_matmul_result(a, b)
    np.testing.assert_allclose(da, 0.0)
    np.testing.assert_allclose(db, 1.0)


def overwritten_max_over_axis(a, b):
    b = np.max(np.outer(b, b), axis=1)
    b = a * 1.0
    return np.sum(b)


def test_overwritten_max_over_axis():
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([1.0, -2.0, 0.5])
    value, (da, db) = srcdiff.value_and_grad(overwritten_max_over_axis, wrt=(0, 1))(a, b)
    assert value == 6.0
    np.testing.assert_allclose(da, 1.0)
    np.testing.assert_allclose(db, 0.0)


# -- 6. an in-place write before an alias is made (the alias analysis is flow-sensitive) ----


def write_then_alias(a, b):
    w = np.zeros(3)
    w[0] = a[0]
    c = b * 2.0
    b = w
    return np.sum(c) + np.sum(b)


def test_write_before_the_alias_exists():
    a = np.array([1.3, 1.07, 2.0])
    b = np.array([-0.75, 2.43, -1.06])
    value, (da, db) = srcdiff.value_and_grad(write_then_alias, wrt=(0, 1))(a, b)
    assert value == write_then_alias(a, b)
    np.testing.assert_allclose(da, [1.0, 0.0, 0.0])
    np.testing.assert_allclose(db, 2.0)


# -- 7. a constant element of a list holding an active value is differentiated --------------


def sqrt_of_a_constant_list_element(y):
    p = [0.0, y]
    return p[1] + math.sqrt(p[0])


def hypot_of_a_constant_tuple_element(y):
    p = (0.0, y)
    t1, t2 = p
    return t2 + math.hypot(t1, t1)


CONSTANT_ELEMENT_REASON = (
    "activity is per container: `p = [0.0, y]` makes all of p active, so `p[0]` (the constant 0.0) gets "
    "an adjoint and the rule of sqrt (`g / (2.0 * out)`) or hypot (`g * x / out`) is evaluated at 0: the "
    "generated code raises ZeroDivisionError though f is smooth in y and its gradient is 1.0 "
    "(with `t1, t2 = 0.0, y` written out, t1 is inactive and it works)"
)


def test_sqrt_of_a_constant_list_element():
    assert srcdiff.grad(sqrt_of_a_constant_list_element)(0.5) == 1.0


def test_hypot_of_a_constant_tuple_element():
    assert srcdiff.value_and_grad(hypot_of_a_constant_tuple_element)(0.5) == (0.5, 1.0)


# -- 8. a parameter rebound to a new array is still "an argument" ----------------------------


def rebound_param_augmented(a):
    a = a * 2.0
    a += 1.0
    return np.sum(a * a)


def rebound_param_item_write(a):
    a = a * 2.0
    a[0] = 1.0
    return np.sum(a * a)


REBOUND_REASON = (
    "aliasing.problems refuses any in-place write whose container name is in fn.params "
    "(`container in fn.params or not fresh.get(container)`), without looking at whether the name was "
    "rebound to a new array first: `a = a * 2.0; a += 1.0` never touches the caller's array, yet it is "
    "refused with 'writing into `a` in place changes an argument' and the hint `a2 = a.copy()`"
)


def test_rebound_parameter_augmented_assignment():
    a = np.array([1.0, 2.0, 3.0])
    value, g = srcdiff.value_and_grad(rebound_param_augmented)(a)
    assert value == rebound_param_augmented(a.copy())
    np.testing.assert_allclose(g, 4.0 * (2.0 * a + 1.0))


def test_rebound_parameter_item_write():
    a = np.array([1.0, 2.0, 3.0])
    value, g = srcdiff.value_and_grad(rebound_param_item_write)(a)
    assert value == rebound_param_item_write(a.copy())
    np.testing.assert_allclose(g, [0.0, 16.0, 24.0])


# -- found after the fixes: a negative constant as the base of ** -----------------------------


def negative_base_power(x):
    return x * (-0.75) ** 2


def test_negative_constant_base_keeps_its_parentheses():
    """The normalizer folds -0.75 into a constant; printed as `-0.75 ** 2` it would mean
    -(0.75 ** 2), changing the value (found by the fuzzer: value_and_grad differed from f)."""
    assert srcdiff.value_and_grad(negative_base_power)(2.0) == (negative_base_power(2.0), 0.5625)
    assert "(-0.75) ** 2" in srcdiff.source(srcdiff.grad(negative_base_power))


# -- found by the second long run: forward tangents of broadcast operands -----------------------


def scalar_shift_then_sum(a, s):
    return np.sum(a + s) + np.sum(np.linspace(0.0, 1.0, 3) - s * s)


def test_scalar_tangent_counts_once_per_broadcast_element():
    """`a + s` with a float s: the tangent ds must be spread over the result before np.sum
    (it was summed as a scalar: jvp said ds where the answer is 3 ds)."""
    a, s = np.array([1.0, 2.0, 3.0]), 0.5
    reverse = srcdiff.grad(scalar_shift_then_sum, wrt=1)(a, s)
    assert math.isclose(reverse, 3.0 - 6.0 * s)
    _, tangent = srcdiff.jvp(scalar_shift_then_sum, (a, s), (np.zeros(3), 1.0))
    assert math.isclose(tangent, reverse)


def sum_then_cos_then_plus_equals(a, s):
    if s < 0.0:
        s = np.sum(a[1:] * a[:-1])
    else:
        for _ in range(3):
            s += (1.0 + s * s) ** 0.5
    s = math.cos(1.25 + s)
    s += 1.0
    return s


def test_math_results_are_numbers_for_shape_inference():
    """`s = np.sum(...)` took s out of the plain scalars, and shape inference did not know that
    math.cos returns a number, so `s += ...` was refused as an in-place write into an argument."""
    a = np.array([1.0, 2.0, 3.0])
    ds = srcdiff.grad(sum_then_cos_then_plus_equals, wrt=1)(a, 0.3)
    h = 1e-6
    fd = (sum_then_cos_then_plus_equals(a, 0.3 + h) - sum_then_cos_then_plus_equals(a, 0.3 - h)) / (2 * h)
    assert math.isclose(ds, fd, rel_tol=1e-6)


def number_param_rebound_from_unknown(a, s):
    t = max(s, np.sum(a), 0.5)  # a number: shape inference knows max of numbers
    u = abs(t) * np.sum(a * a)
    if s > 10.0:
        s = u * a  # an array on this path: `s *= 2.0` then writes into it, which is fine
    s *= 2.0
    return np.sum(s) + t


def test_in_place_update_of_a_number_argument_is_allowed():
    """A parameter passed a float can never be changed in place, whatever it is rebound to."""
    a = np.array([1.0, 2.0, 3.0])
    srcdiff.check_grads(number_param_rebound_from_unknown, (a, 0.3), order=1)
    srcdiff.check_grads(number_param_rebound_from_unknown, (a, 10.5), order=1)


def cumsum_overwritten_in_a_loop(a, b, s):
    for _ in range(3):
        s /= 1.0 + np.mean(a) ** 2
        a = np.cumsum(b)  # the last cumsum is never used: its adjoint stays a plain 0.0
    return s


def max_over_axis_unused_at_the_end(a, s):
    m = np.outer(a, a)
    for _ in range(2):
        s = s * np.sum(np.max(m, axis=1))
        m = m * 0.5
    return s


def hypot_at_the_origin(x):
    t = x - x
    return math.hypot(t, t) + x


def test_zero_adjoints_reach_cumsum_and_axis_reductions():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0])
    srcdiff.check_grads(cumsum_overwritten_in_a_loop, (a, b, 0.3), order=1)
    srcdiff.check_grads(max_over_axis_unused_at_the_end, (a, 0.3), order=1)


def test_hypot_at_the_origin_has_the_zero_subgradient():
    """math.hypot's derivative x / out was 0 / 0 (ZeroDivisionError) at the origin."""
    assert srcdiff.grad(hypot_at_the_origin)(0.7) == 1.0


def pop_for_its_effect(x):
    s = [(x, 2 * x)]
    s.append((x * x, x))
    a, b = s[-1]
    s.pop()  # the popped value is not used: the tangent list must lose its last entry too
    c, d = s[-1]
    return a * b + c * d


def test_forward_mode_pops_tangents_when_the_value_is_unused():
    """jvp read the tangent of the popped element as s[-1]'s (13.13 instead of 10.27);
    found through a Hessian of a checkpointed loop, whose gradient code pops snapshots."""
    assert srcdiff.jvp(pop_for_its_effect, (1.3,), (1.0,))[1] == pytest.approx(10.27)
    srcdiff.check_grads(pop_for_its_effect, (1.3,))


def log1p_square(p):
    return math.log1p(float(p) ** 2)


def dead_helper_call(x):
    t0 = math.atan2(math.sqrt(1.0 + x * x), 1.5 + x * x)
    if t0 + x <= 1.0:
        x = x - t0  # saved on the stack, popped again in the reverse sweep
    t0 = log1p_square(x)  # nothing reads this value
    return math.sinh(2.0 * math.tanh(x)) ** 2


def test_a_helper_whose_value_nothing_reads_leaves_the_stack_balanced():
    """The recording version of a helper ran for a dead value, but its adjoint (and pop) was left
    out: the stack was off by one, so x popped the helper's tape (a TypeError, or with other
    types a wrong gradient). Found by the fuzzer (seed 81)."""
    expected = srcdiff.grad(dead_helper_call, optimize=False)(0.3)
    assert srcdiff.grad(dead_helper_call)(0.3) == pytest.approx(expected, rel=1e-12)
    srcdiff.check_grads(dead_helper_call, (0.3,))
    srcdiff.check_grads(dead_helper_call, (-0.27,))


def early_return_skips_a_product(a, b, s):
    t1 = np.outer(b, b) @ (np.outer(b, a).T @ a)
    if s < 1.5:
        return s + s
    return np.sum(b * t1)


def product_only_in_a_branch(a, b, s):
    t2 = np.outer(b, np.linspace(0.0, 1.0, 3)).T @ a
    t3 = np.concatenate((t2[1:], t2[:1]))
    if s > 10.0:
        s = s * np.sum(np.outer(t3, b))
    return s * 2.0 + np.sum(b * b)


def test_a_product_whose_adjoint_stays_zero_on_the_path_taken():
    """The adjoint of a matrix product nothing on the executed path read was the plain 0.0:
    inlined `a.T @ g` raised (0-d operand), matmul_adjoint reshaped it wrongly.  Array adjoints
    of known shape now start as arrays of zeros. Found by the fuzzer (seed 91)."""
    a, b = np.array([-2.25, 1.4, -0.15]), np.array([0.12, 0.99, -0.04])
    for s in (-1.37, 2.0):
        srcdiff.check_grads(early_return_skips_a_product, (a, b, s), order=1)
        srcdiff.check_grads(product_only_in_a_branch, (a, b, s), order=1)


def test_no_alias_through_a_global_number():
    """The flow-sensitive alias analysis joined `x` and the float global `SCALE` through a
    conditional's temporary and refused `x += ...` (fuzz seed 141).  Numbers, and globals bound
    to numbers, share no memory."""
    from tests import fuzz_case_immutable_global as case

    x = 0.10937472580451141
    h = 1e-6
    expected = (case.f(x + h) - case.f(x - h)) / (2 * h)
    assert srcdiff.grad(case.f)(x) == pytest.approx(expected, rel=1e-6)
