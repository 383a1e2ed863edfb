"""numpy call forms that gave silent zeros or wrong shapes: index-syntax concatenation
(np.r_, np.c_), einsum's sublist form, np.inner with a scalar."""

from __future__ import annotations

import numpy as np
import pytest

from tests.exactness import check_exact

WEIGHTS = np.arange(1.0, 8.0)


def stacked_with_r(x):
    return np.sum(np.r_[x, x * 2.0, 0:3] ** 2 * WEIGHTS)


def scalars_and_arrays_with_r(x):
    return np.sum(np.r_[x[0] * x[1], x, 1.5] ** 3)


def directive_with_r(x):
    return np.sum(np.r_["0,2", x, x ** 2] * np.arange(4.0).reshape(2, 2))


def columns_with_c(x):
    return np.sum(np.c_[x, np.sin(x)] ** 3)


def transposed_sublists(a):
    return np.sum(np.einsum(a, [0, 1], [1, 0]) * np.arange(6.0).reshape(3, 2))


def product_sublists(a, b):
    return np.sum(np.einsum(a, [0, 1], b, [1, 2], [0, 2]) ** 2)


def implicit_output_sublists(a, b):
    return np.sum(np.einsum(a, [0, 1], b, [1, 2]) ** 2)


def scalar_inner_vector(s, y):
    return np.sum(np.inner(s, y) ** 2)


def vector_inner_scalar(y, s):
    return np.sum(np.inner(y, s) ** 2)


X = np.array([0.5, -1.3])
A = np.arange(6.0).reshape(2, 3) / 5.0 - 0.4
B = np.arange(12.0).reshape(3, 4) / 7.0 - 0.8


@pytest.mark.parametrize(
    "f", [stacked_with_r, scalars_and_arrays_with_r, directive_with_r, columns_with_c], ids=lambda f: f.__name__
)
def test_index_syntax_concatenation(f):
    check_exact(f, X)


# (second order through einsum's adjoint was refused once: its helper has a rule of its own now)
def test_einsum_sublist_form_first_operand():
    check_exact(transposed_sublists, A)


@pytest.mark.parametrize("f", [product_sublists, implicit_output_sublists], ids=lambda f: f.__name__)
@pytest.mark.parametrize("wrt", [0, 1])
def test_einsum_sublist_form_products(f, wrt):
    check_exact(f, A, B, wrt=wrt)


@pytest.mark.parametrize("y", [np.array([1.0, -2.0, 0.5]), A], ids=["vector", "matrix"])
def test_inner_with_a_scalar(y):
    check_exact(scalar_inner_vector, 1.7, y, wrt=0)
    check_exact(scalar_inner_vector, 1.7, y, wrt=1)
    check_exact(vector_inner_scalar, y, 1.7, wrt=1)
