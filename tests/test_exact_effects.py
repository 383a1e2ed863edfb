"""Helpers that change what they are given: their effect is part of the derivative (both modes,
and second order), or refused with the user's line -- never dropped."""

from __future__ import annotations

import numpy as np
import pytest

import srcdiff
from srcdiff.frontend.inline import mutated_parameters
from tests.exactness import check_exact


def fill(out, x):
    out[:] = 2.0 * x


def fill_from(out, x):
    out[:] = x


def filled_with_itself(x):
    o = x * 1.0
    fill_from(o, o)
    return np.sum(o ** 2)


def self_assignment(x):
    y = x * 1.0
    y[:] = y
    return np.sum(y * x)


def filled_buffer(x):
    out = np.zeros(3)
    fill(out, x)
    return np.sum(out * x)


def apply_bc(u):
    u[0] = 0.0


def time_stepping_with_boundary(u0):
    u = u0.copy()
    for step in range(3):
        u = u * 1.5 + 0.1 * np.roll(u, 1)
        apply_bc(u)
    return np.sum(u ** 2)


def add_forces(F, x, k):
    d = x[1:] - x[:-1]
    F[:-1] += k * d
    F[1:] -= k * d
    return np.sum(d ** 2)


def springs(x):
    F = np.zeros_like(x)
    energy = add_forces(F, x, 2.0)
    return np.sum(F * x) + energy


def push(terms, v):
    terms.append(v)


def pushed_terms(x):
    terms = []
    push(terms, x * 2.0)
    push(terms, x * x)
    return sum(terms)


def scale_rows(m, s):
    """Scales each row in place (a docstring is not code)."""
    for i in range(m.shape[0]):
        m[i] *= s[i]


def nested_helpers(m, s):
    scale_rows(m, s)
    m[0, 0] = m[0, 0] * 2.0


def helper_calling_helper(x):
    m = np.outer(x, x)
    nested_helpers(m, x)
    return np.sum(np.sin(m))


def accumulate(total, v, weight=0.5):
    total[:] += weight * v


def accumulate_rebinding(total, v):
    total += v  # in place for an array, a rebinding for a number: srcdiff cannot tell which here


def calls_accumulate_rebinding(x):
    total = np.zeros(3)
    accumulate_rebinding(total, x)
    return np.sum(total ** 2)


def changes_the_argument(x):
    apply_bc(x)
    return np.sum(x ** 2)


def default_argument_in_loop(x):
    total = np.zeros(2)
    for k in range(3):
        accumulate(total, x * k)
    return np.sum(total ** 2)


X = np.array([0.4, -1.1, 2.3])


@pytest.mark.parametrize(
    "f, x",
    [
        (filled_buffer, X),
        (filled_with_itself, X),
        (self_assignment, X),
        (time_stepping_with_boundary, X),
        (springs, X),
        (pushed_terms, 1.3),
        (helper_calling_helper, X),
        (default_argument_in_loop, X[:2]),
        (changes_the_argument, X),  # (into a copy: the caller's array is not changed)
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_helper_effects_are_differentiated(f, x):
    check_exact(f, x)


def in_an_expression(x):
    out = np.zeros(3)
    return np.sum(add_forces(out, x, 1.0) * x)


def recursive_fill(out, n):
    if n > 0:
        out[n - 1] = out[n - 1] * 2.0
        recursive_fill(out, n - 1)


def calls_recursive(x):
    out = x * 1.0
    recursive_fill(out, 3)
    return np.sum(out)


def early_return(out, x):
    if x[0] > 0:
        return
    out[:] = x


def calls_early_return(x):
    out = np.zeros(3)
    early_return(out, x)
    return np.sum(out)


def through_setter(x):
    y = x * 2.0
    setter = y.__setitem__
    setter(0, 5.0)
    return np.sum(y * x)


def through_getattr(x):
    y = x * 2.0
    getattr(y, "fill")(1.0)
    return np.sum(y * x)


def through_a_list_of_methods(x):
    y = x * 2.0
    methods = [y.fill]
    methods[0](1.0)
    return np.sum(y * x)


@pytest.mark.parametrize(
    "f, words",
    [
        (in_an_expression, "changes an argument"),
        (calls_recursive, "calls itself|changes an argument"),  # (recursive: it stays a call)
        (calls_early_return, "returns before its end"),
        (through_setter, "taken as a value"),
        (through_getattr, "getattr"),
        (through_a_list_of_methods, "taken as a value"),
        (calls_accumulate_rebinding, "updates its argument `total`|writing into `total` in place changes an argument"),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_effects_srcdiff_cannot_follow_are_refused(f, words, mode):
    with pytest.raises(srcdiff.SrcDiffError, match=words) as info:
        if mode == "reverse":
            srcdiff.grad(f)(X.copy())
        else:
            srcdiff.jvp(f, (X.copy(),), (np.ones(3),))
    assert "test_exact_effects.py:" in str(info.value)


@pytest.mark.parametrize(
    "source, changed",
    [
        ("def h(a, b):\n    a[0] = b", {"a"}),
        ("def h(a, b):\n    a += b", set()),  # a rebinding for a number (an array: refused in the helper)
        ("def h(a, b):\n    a.append(b)", {"a"}),
        ("def h(a, b):\n    np.copyto(a, b)", {"a"}),
        ("def h(a, b):\n    np.multiply(b, 2, out=a)", {"a"}),
        ("def h(a, b):\n    a.attr.x = b", {"a"}),
        ("def h(a, b):\n    return np.sum(a * b)", set()),
        ("def h(a, b):\n    c = a.copy()\n    c[0] = b\n    return c", set()),
    ],
)
def test_mutated_parameters(source, changed):
    import gast

    assert mutated_parameters(gast.parse(source).body[0]) == changed


def reset_first(u):
    u[0] = 0.0


def reset_through_another_helper(u):
    reset_first(u)


def helper_of_a_helper_changes_it(x):
    u = x * 2.0
    reset_through_another_helper(u)
    return np.sum(u * x)


def test_a_change_made_by_a_helper_of_a_helper_is_differentiated():
    check_exact(helper_of_a_helper_changes_it, X)


def shrink(p):
    p += -0.5 * p  # a number: rebinds p only
    return p * p


def uses_shrink(p, q=2.0):
    return shrink(p) + p * q


def number_updates_in_helpers_inside_expressions(x):
    return 3.0 * uses_shrink(x) + shrink(x)


def add_into(total, v):
    total += v


def add_through_another_helper(total, v):
    add_into(total, v)


def array_updated_through_a_helper_of_a_helper(x):
    total = np.zeros(3)
    add_through_another_helper(total, x)
    return np.sum(total ** 2)


def test_number_updates_in_helpers_called_inside_expressions():
    check_exact(number_updates_in_helpers_inside_expressions, 0.7)


def test_an_array_updated_by_a_helper_of_a_helper_is_not_dropped():
    with pytest.raises(srcdiff.SrcDiffError, match="updates its argument `total`"):
        srcdiff.grad(array_updated_through_a_helper_of_a_helper)(X)


def fill_from_pair(out, x):
    t, out = (x * 2.0, x * 3.0)  # `out` rebound first: the write below goes to a local value
    out[0] *= 0.5
    return np.sum(t * out)


def rebound_parameter_written_later(x):
    o = np.zeros(3)
    total = fill_from_pair(o, x) + 1.0
    fill_from_pair(o, x)
    return total + np.sum(o)


def test_writes_after_a_parameter_is_rebound_are_the_helpers_own():
    check_exact(rebound_parameter_written_later, X)
