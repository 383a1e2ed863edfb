"""Refusals: bad input raises a SrcDiffError that names the function and file:line.

Each bad function marks its offending line(s) with a ``# <-`` comment; the
expected line numbers are computed from the source, so editing this file does
not break the tests. Errors may be raised by ``grad(...)`` itself or by the
first call of the gradient function: both happen inside ``pytest.raises``.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import os
import re

import pytest

import srcdiff
from srcdiff import errors

MARK = "# <-"


def marked_lines(func):
    """Line numbers (in this file) of the lines of ``func`` carrying the ``# <-`` marker."""
    source_lines, first = inspect.getsourcelines(func)
    lines = {first + i for i, text in enumerate(source_lines) if MARK in text}
    assert lines, f"{func.__name__} has no {MARK} marker"
    return lines


def def_line(func):
    """Line number of the ``def`` (or ``async def``) statement of ``func``."""
    source_lines, first = inspect.getsourcelines(func)
    for i, text in enumerate(source_lines):
        if text.lstrip().startswith(("def ", "async def ")):
            return first + i
    raise AssertionError(f"no def line for {func.__name__}")


def refusal(func, *args, expected=None):
    """Differentiate ``func`` and call the gradient; return the SrcDiffError raised."""
    expected = expected or srcdiff.SrcDiffError
    with pytest.raises(expected) as info:
        srcdiff.grad(func)(*args)
    return info.value


def assert_points_at(err, func, lines):
    """``err`` names ``func`` and one of ``lines`` of this file, in its message and attributes."""
    message = str(err)
    assert func.__name__ in message, message
    locations = re.findall(r"test_errors\.py:(\d+)", message)
    assert locations, f"no test_errors.py:<line> in: {message}"
    assert int(locations[0]) in lines, f"expected a line in {sorted(lines)}: {message}"
    assert func.__name__ in (err.function or ""), err.function
    assert os.path.basename(err.filename or "") == "test_errors.py", err.filename
    assert err.lineno in lines, err.lineno


# ============================================================== the error classes


def test_error_classes_form_a_hierarchy():
    assert srcdiff.SrcDiffError is errors.SrcDiffError
    for cls in (errors.UnsupportedSyntaxError, errors.SourceUnavailableError, errors.NoDerivativeError,
                errors.WrtError, errors.OutputError):
        assert issubclass(cls, srcdiff.SrcDiffError)
    assert issubclass(errors.WrtError, ValueError)
    assert issubclass(errors.OutputError, TypeError)


# ============================================================== unsupported syntax


def powers(x):
    p = 1.0
    for _ in range(3):
        p = p * x
        yield p  # <-


def test_generator_function_is_refused():
    err = refusal(powers, 1.5, expected=errors.UnsupportedSyntaxError)
    assert_points_at(err, powers, marked_lines(powers) | {def_line(powers)})


async def scaled(x):
    return 2.0 * x


def test_async_function_is_refused():
    err = refusal(scaled, 1.5, expected=errors.UnsupportedSyntaxError)
    assert_points_at(err, scaled, {def_line(scaled)})


def delegating_powers(x):
    total = x * x
    yield from powers(total)  # <-


def test_yield_from_is_refused():
    err = refusal(delegating_powers, 1.5, expected=errors.UnsupportedSyntaxError)
    assert_points_at(err, delegating_powers, marked_lines(delegating_powers) | {def_line(delegating_powers)})


CALLS = 0


def counted_square(x):
    global CALLS  # <-
    CALLS += 1  # <-
    return x * x


def test_global_write_is_refused():
    err = refusal(counted_square, 1.5, expected=errors.UnsupportedSyntaxError)
    assert_points_at(err, counted_square, marked_lines(counted_square))


def make_accumulator():
    total = 0.0

    def accumulate(x):
        nonlocal total  # <-
        total = total + x  # <-
        return total * x

    return accumulate


def test_nonlocal_write_is_refused():
    accumulate = make_accumulator()
    err = refusal(accumulate, 1.5, expected=errors.UnsupportedSyntaxError)
    assert_points_at(err, accumulate, marked_lines(accumulate))


class Counter:
    calls = 0


def counted_inverse(x):
    y = x * x
    try:  # <-
        Counter.calls = Counter.calls + 1
        return 1.0 / y
    except ZeroDivisionError:
        return 0.0


def test_a_try_body_that_sets_an_attribute_is_refused():
    err = refusal(counted_inverse, 1.5, expected=errors.UnsupportedSyntaxError)
    assert_points_at(err, counted_inverse, marked_lines(counted_inverse))
    assert "attribute" in err.problem


def quiet_inverse(x):
    y = 0.0
    with contextlib.suppress(ZeroDivisionError):  # <-
        y = 1.0 / x
    return y


def test_with_statement_is_refused():
    err = refusal(quiet_inverse, 1.5, expected=errors.UnsupportedSyntaxError)
    assert_points_at(err, quiet_inverse, marked_lines(quiet_inverse))


def point_norm(x):
    class Point:  # <-
        def __init__(self, a, b):
            self.a, self.b = a, b

    p = Point(x, 2.0 * x)
    return math.hypot(p.a, p.b)


def test_class_inside_function_is_refused():
    err = refusal(point_norm, 1.5, expected=errors.UnsupportedSyntaxError)
    assert_points_at(err, point_norm, marked_lines(point_norm))


def square_via_lambda(x):
    sq = lambda t: t * t  # <-  # noqa: E731
    return sum(map(sq, [x])) + x  # (passed on as a value: not written into a call)


def sum_of_powers_comprehension(x):
    terms = [x**k for k in range(4)]  # <-
    return sum(terms)


def sum_of_powers_generator_expression(x):
    return 1.0 + sum(x**k for k in range(1, 4))  # <-


def sum_of_distinct_powers(x):
    powers = {x**k for k in range(1, 4)}  # <-
    return 1.0 + sum(powers)


@pytest.mark.parametrize(
    "func", [sum_of_powers_comprehension, sum_of_powers_generator_expression], ids=["list", "generator"]
)
def test_list_comprehensions_and_generator_expressions_are_differentiated(func):
    assert srcdiff.grad(func)(1.5) == pytest.approx(1.0 + 2 * 1.5 + 3 * 1.5**2)


@pytest.mark.parametrize(
    "func", [square_via_lambda, sum_of_distinct_powers], ids=["lambda", "set-comprehension"]
)
def test_lambda_and_comprehensions_are_refused_with_a_hint(func):
    err = refusal(func, 1.5, expected=errors.UnsupportedSyntaxError)
    assert_points_at(err, func, marked_lines(func))
    assert "hint" in str(err).lower(), str(err)


# ============================================================== callables without source or rule


def mantissa_doubled(x):
    y = math.frexp(x)[0]  # <-
    return y * 2.0


def test_call_without_source_or_rule_is_refused():
    err = refusal(mantissa_doubled, 1.5, expected=errors.NoDerivativeError)
    assert_points_at(err, mantissa_doubled, marked_lines(mantissa_doubled))
    assert "frexp" in str(err), str(err)


def test_grad_of_builtin_is_refused():
    with pytest.raises(errors.SourceUnavailableError) as info:
        srcdiff.grad(math.sin)(1.0)
    assert "sin" in str(info.value)


_EXEC_NAMESPACE: dict = {}
exec("def made_by_exec(x):\n    return 3.0 * x\n", _EXEC_NAMESPACE)
made_by_exec = _EXEC_NAMESPACE["made_by_exec"]


def test_function_created_by_exec_is_refused():
    with pytest.raises(errors.SourceUnavailableError) as info:
        srcdiff.grad(made_by_exec)(1.0)
    assert "made_by_exec" in str(info.value)


# ============================================================== non-scalar output


def returns_list(x):
    return [x, 2.0 * x]  # <-


def returns_string(x):
    label = "big" if x > 1.0 else "small"
    return label  # <-


def forgets_to_return(x):
    y = x * x  # noqa: F841


@pytest.mark.parametrize("func", [returns_list, returns_string], ids=["list", "string"])
def test_non_numeric_output_is_refused(func):
    err = refusal(func, 1.5, expected=errors.OutputError)
    assert isinstance(err, TypeError)
    assert_points_at(err, func, marked_lines(func) | {def_line(func)})


def test_none_output_is_refused():
    err = refusal(forgets_to_return, 1.5, expected=errors.OutputError)
    assert isinstance(err, TypeError)
    assert_points_at(err, forgets_to_return, {def_line(forgets_to_return)})


# ============================================================== bad wrt


def two_args(x, y):
    return x * y


@pytest.mark.parametrize("wrt", [2, (0, 2)], ids=["position", "position-in-tuple"])
def test_wrt_position_out_of_range_is_refused_at_grad_time(wrt):
    with pytest.raises(errors.WrtError) as info:
        srcdiff.grad(two_args, wrt=wrt)
    assert isinstance(info.value, ValueError)
    assert "two_args" in str(info.value)


@pytest.mark.parametrize("wrt", ["z", ("x", "z")], ids=["name", "name-in-tuple"])
def test_wrt_naming_no_parameter_is_refused_at_grad_time(wrt):
    with pytest.raises(errors.WrtError) as info:
        srcdiff.grad(two_args, wrt=wrt)
    assert isinstance(info.value, ValueError)
    assert "two_args" in str(info.value)
    assert "z" in str(info.value)


def test_value_and_grad_checks_wrt_too():
    with pytest.raises(errors.WrtError):
        srcdiff.value_and_grad(two_args, wrt=5)


# ============================================================== robustness


def silly_but_valid(x: float) -> float:
    """Valid Python that does nothing useful in odd ways; d/dx is 1."""
    x = x
    pass
    y = ((x))
    for _ in range(0):
        y = y * 100.0
    while False:
        y = -y
    if True:
        pass
    if x is None:
        return 0.0
    z: float = +(-(-y))
    unused = z * 0.0
    return z + 0 * unused - 0.0


def test_silly_program_raises_nothing_but_srcdiff_errors():
    try:
        g = srcdiff.grad(silly_but_valid)(2.5)
    except srcdiff.SrcDiffError:
        return  # refusing is acceptable; crashing with an internal error is not
    assert g == pytest.approx(1.0)
