"""Array patterns srcdiff refuses: each raises a SrcDiffError naming the function and the
file:line of the offending statement (marked ``# <-``), never a wrong gradient."""

from __future__ import annotations

import inspect
import os
import re

import numpy as np
import pytest

import srcdiff
from srcdiff import errors

MARK = "# <-"


def marked_line(func):
    lines, first = inspect.getsourcelines(func)
    found = [first + i for i, text in enumerate(lines) if MARK in text]
    assert len(found) == 1, func.__name__
    return found[0]


def assert_refused(func, *args, expected=errors.SrcDiffError):
    with pytest.raises(expected) as info:
        srcdiff.grad(func)(*args)
    err = info.value
    message = str(err)
    assert func.__name__ in message, message
    assert os.path.basename(err.filename or "") == "test_numpy_refusals.py", message
    assert err.lineno == marked_line(func), message
    assert re.search(rf"test_numpy_refusals\.py:{err.lineno}\b", message), message
    assert err.hint, message
    return err


X = np.array([0.5, -1.0, 2.0])


def writes_into_its_argument(x):
    x[0] = 1.0  # <-
    return np.sum(x * x)


def writes_while_a_view_is_alive(x):
    a = x * 2.0
    row = a[0:2]
    a[0] = 5.0  # <-
    return np.sum(row) + np.sum(a)


def writes_into_a_plain_copy(x):
    a = x * 1.0
    b = a
    b[1] = 0.0  # <-
    return np.sum(a * b)


def appends_to_its_argument(x, xs):
    xs.append(x)  # <-
    return np.sum(np.stack(xs))


def passes_out(x):
    y = np.zeros(3)
    np.multiply(x, x, out=y)
    return np.sum(np.sum(x, out=None) * np.exp(x, y))  # <-


def einsum_with_a_diagonal(x):
    m = np.outer(x, x)
    return np.sum(np.einsum("ii->i", m))  # <-


def svd_full_of_a_tall_matrix(x):
    return np.sum(np.linalg.svd(np.outer(x, x[:2]))[0])  # <-  (the extra columns of U)


def sorts_in_place(x):
    y = x * 1.0
    y.sort()  # <-
    return np.sum(y * np.arange(3))


def concatenates_lists(x):
    parts = [x[0]]
    more = [x[1]]
    both = parts + more  # <-
    return both[0] * both[1]


def mutates_with_a_method(x):
    a = x * 1.0
    a.sort()  # <-
    return np.sum(a)


@pytest.mark.parametrize("func, args", [
    (writes_while_a_view_is_alive, (X,)),
    (writes_into_a_plain_copy, (X,)),
    (einsum_with_a_diagonal, (X,)),
    (svd_full_of_a_tall_matrix, (X,)),
    (sorts_in_place, (X,)),
    (concatenates_lists, (X,)),
    (mutates_with_a_method, (X,)),
])
def test_refused_at_the_offending_line(func, args):
    assert_refused(func, *args)


def test_appending_to_an_argument_list_goes_into_a_copy():
    xs = [np.ones(2)]
    assert np.allclose(srcdiff.grad(appends_to_its_argument)(np.array([1.5, 2.0]), xs), 1.0)
    assert len(xs) == 1  # the caller's list is not changed by the gradient


def test_out_argument_is_refused():
    with pytest.raises(errors.SrcDiffError) as info:
        srcdiff.grad(passes_out)(X)
    assert info.value.function == "passes_out"


def complex_input(z):
    return np.sum(np.maximum(z, 1.0).real)  # (np.maximum of complex numbers: no rule for them)


def test_a_real_only_rule_on_complex_inputs_is_refused_clearly():
    with pytest.raises(errors.SrcDiffError, match="complex values") as info:
        srcdiff.grad(complex_input)(np.array([1 + 2j, 3.0]))
    assert info.value.function == "complex_input"


def test_argument_is_not_changed_by_the_gradient_of_a_write_into_it():
    x = X.copy()
    g = srcdiff.grad(writes_into_its_argument)(x)
    assert np.array_equal(x, X)
    assert g[0] == 0.0 and np.allclose(g[1:], 2 * X[1:])


def diagonal_by_einsum(x):
    a = np.outer(x, x)
    return np.sum(np.einsum("ii->i", a) * 2.0)  # <-


def test_refusal_raised_while_running_names_the_users_line():
    """Some refusals are raised by the adjoint helpers as they run; the generated line maps
    back to the user's."""
    assert_refused(diagonal_by_einsum, X)


def stacked_with_positional_options(a):
    return np.sum(np.vstack(a, None, "same_kind"))  # (dtype and casting are keyword-only)


def test_a_call_its_rule_cannot_bind_names_the_rules_signature():
    with pytest.raises(srcdiff.NoDerivativeError, match=r"rule's signature is \(tup, \*, dtype") as info:
        srcdiff.grad(stacked_with_positional_options)(np.ones((2, 2)))
    assert "keyword-only" in info.value.hint
