"""Lists and tuples handed to numpy functions: numpy treats them as arrays, so their gradient is a
list (tuple) of the same length -- never silently zero."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest

from tests.exactness import check_exact


def total(w):
    return np.sum(w)


def average(w):
    return np.mean(w) * 3.0


def largest(w):
    return np.max(w) + np.min(w)


def product(w):
    return np.prod(w)


def self_dot(w):
    return np.dot(w, w)


def length(w):
    return np.linalg.norm(w)


def softplus_total(w):
    return np.sum(np.log1p(np.exp(w)))


def first_times_sum(w):
    return w[0] * np.sum(w) + w[1] ** 2


def mixed_builtin_and_numpy(w):
    return sum(w) * np.mean(w) + np.dot(w, w)


def matrix_of_lists(rows):
    return np.sum(np.array(rows) ** 2) + np.trace(rows)


def appended_then_numpy(x):
    terms = []
    for k in range(3):
        terms.append(x * k + 1.0)
    return np.prod(terms) + np.sum(terms)


def numpy_of_list_literal(x, y):
    return np.linalg.norm([x, y, x * y])


CASES = [total, average, largest, product, self_dot, length, softplus_total, first_times_sum, mixed_builtin_and_numpy]


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("container", [list, tuple])
def test_numpy_function_of_a_sequence(f, container):
    w = container([0.3, -1.2, 2.5])
    smooth = f not in (largest,)
    check_exact(f, w, hessian=smooth)


def test_nested_lists_as_a_matrix():
    check_exact(matrix_of_lists, [[1.0, 2.0], [3.0, -4.0]])


def test_list_built_by_append_handed_to_numpy():
    check_exact(appended_then_numpy, 0.7)


def test_list_literal_handed_to_numpy():
    check_exact(numpy_of_list_literal, 0.7, 1.3)
    check_exact(numpy_of_list_literal, 0.7, 1.3, wrt=1)


def element_then_reduction(xs):
    return xs[2] * 3.0 + np.sum(xs)


def dot_of_list_literals(x, y):
    return np.dot([x, y], [y, 2.0])


def square_of_a_tuple_literal(s):
    return float(np.sum(np.square((s, s * s))))


@pytest.mark.parametrize("container", [list, tuple])
def test_element_read_and_numpy_reduction_of_one_list(container):
    check_exact(element_then_reduction, container([0.3, -1.2, 2.5]))


def test_numpy_products_and_elementwise_functions_of_literals():
    check_exact(dot_of_list_literals, 0.7, -1.3)
    check_exact(dot_of_list_literals, 0.7, -1.3, wrt=1)
    check_exact(square_of_a_tuple_literal, 0.3)


def ignores_its_tuple(a, tp, s):
    return s * np.sum(a)


def test_gradient_of_an_unused_tuple_is_a_tuple():
    import srcdiff

    _, g, _ = srcdiff.grad(ignores_its_tuple, wrt=(0, 1, 2))(np.ones(3), (0.5, -1.0), 1.5)
    assert type(g) is tuple and g == (0.0, 0.0)


class Affine(NamedTuple):
    W: np.ndarray
    b: float


DESIGN = np.linspace(-1.0, 1.0, 12).reshape(4, 3)


def unpacked_named_tuple(p):
    W, b = p
    return np.sum(np.tanh(DESIGN @ W + b) ** 2)


def test_named_tuple_parameter_gets_a_named_tuple_gradient():
    """A NamedTuple of parameters, unpacked: its gradient is the same NamedTuple type (it was
    rebuilt as if from one iterable, a TypeError inside the generated code)."""
    p = Affine(np.array([0.1, -0.2, 0.3]), 0.5)
    g = check_exact(unpacked_named_tuple, p)
    assert type(g) is Affine and g.W.shape == (3,)


def picked_twice(x, idx):
    return x[idx[0]] * 2.0


def index_list_edited_after_a_helper_read_it(x):
    """The helper's result is a new number, not a view of ``idx``: editing ``idx`` afterwards
    changes nothing it returned (it was refused as sharing memory with ``idx``)."""
    idx = [0, 2]
    y = picked_twice(x, idx)
    idx[0] = 1
    return y * x[idx[0]]


def test_an_index_list_edited_after_a_helper_read_it():
    check_exact(index_list_edited_after_a_helper_read_it, np.array([2.0, 3.0, 5.0]))
