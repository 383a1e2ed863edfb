"""Functions that write into their own arguments, as users write them: an array normalized in
place, an item squared, a list argument updated, a work buffer filled, an accumulator added to.
Each is differentiated as the function computes it -- the derivative of what it returns, from
the values the arguments had on entry -- and the caller's values are never changed by the
gradient.  Checked against central differences in reverse mode, forward mode and through
``hessian``."""

from __future__ import annotations

import numpy as np
import pytest

import srcdiff
from tests.exactness import check_exact


def square_first_item(x):
    x[0] = x[0] ** 2
    return x.sum()


def normalize_in_place(x):
    x /= np.sqrt(np.sum(x * x))
    return np.sum(x * np.arange(1.0, 1.0 + x.shape[0]))


def scale_rows(a):
    for i in range(a.shape[0]):
        a[i] = a[i] * (i + 1.0)
    return np.sum(np.sin(a))


def update_list_argument(xs):
    xs[0] = xs[0] * xs[1]
    xs[1] = xs[1] + 1.0
    return xs[0] + xs[1] * xs[2]


def accumulate_into_argument(w, acc):
    acc += w * w
    return np.sum(acc * w)


def fill_work_buffer(w, buf):
    buf[:] = np.cos(w)
    return np.sum(buf * w)


def sort_index_list(w, idx):
    idx.sort()
    return np.sum(w[idx] ** 2)


def _fill(out, v):
    out[:] = v * 2.0


def helper_fills_argument(w):
    _fill(w, np.tanh(w))
    return np.sum(w**3)


W = np.array([0.3, -1.2, 0.8])


@pytest.mark.parametrize(
    "f, args, wrt",
    [
        (square_first_item, (W,), 0),
        (normalize_in_place, (W,), 0),
        (scale_rows, (np.arange(6.0).reshape(3, 2) / 7.0,), 0),
        (update_list_argument, ([0.5, -0.7, 1.3],), 0),
        (accumulate_into_argument, (W, np.array([0.1, 0.2, 0.3])), 0),
        (accumulate_into_argument, (W, np.array([0.1, 0.2, 0.3])), 1),
        (fill_work_buffer, (W, np.zeros(3)), 0),
        (helper_fills_argument, (W,), 0),
    ],
    ids=lambda v: getattr(v, "__name__", "")[:30] if callable(v) else "",
)
def test_writes_into_arguments_are_exact(f, args, wrt):
    check_exact(f, *args, wrt=wrt)


def test_index_list_argument_written_in_place():
    idx = [2, 0, 1]
    g = srcdiff.grad(sort_index_list)(W, idx)
    assert np.allclose(g, 2 * W)
    assert idx == [2, 0, 1]  # the gradient worked on its own copy


def test_the_callers_values_are_not_changed_by_the_gradient():
    x = W.copy()
    value, g = srcdiff.value_and_grad(square_first_item)(x)
    assert np.array_equal(x, W)
    assert value == pytest.approx(square_first_item(W.copy()))
    assert np.allclose(g, [2 * W[0], 1.0, 1.0])
    tangent = srcdiff.jvp(square_first_item, (x,), (np.ones(3),))
    assert np.array_equal(x, W)
    assert tangent[1] == pytest.approx(2 * W[0] + 2.0)
    xs = [0.5, -0.7, 1.3]
    srcdiff.grad(update_list_argument)(xs)
    assert xs == [0.5, -0.7, 1.3]


def test_the_generated_code_copies_only_what_is_written():
    text = srcdiff.source(srcdiff.grad(fill_work_buffer))
    assert "copy_of(buf)" in text
    assert "copy_of(w)" not in text


# -- recursion that edits index lists in place (cmpad's det_of_minor is written this way) ------
def minor_determinant(a, n, used, row):
    """Determinant of the minor of the n-by-n matrix ``a`` (flat) made of rows ``row`` on and
    the columns not marked in ``used``: expansion along its first row, each column marked
    for the recursive call and cleared after it."""
    if row == n - 1:
        for j in range(n):
            if used[j] == 0:
                return a[row * n + j]
    total = 0.0
    sign = 1.0
    for j in range(n):
        if used[j] == 0:
            used[j] = 1
            total = total + sign * a[row * n + j] * minor_determinant(a, n, used, row + 1)
            used[j] = 0
            sign = -sign
    return total


def walk_with_marks(x, marks, depth):
    """A recursive walk that marks where it has been, in a list it is handed, and clears the
    mark after the recursive call returns."""
    if depth == 0:
        return x[marks[0]]
    total = 0.0
    for j in range(2):
        k = marks[j]
        marks[j] = (k + 1) % 3
        total = total + x[k] * walk_with_marks(x, marks, depth - 1)
        marks[j] = k
    return total


def test_recursion_editing_its_index_lists_is_exact():
    rng = np.random.default_rng(4)
    a = rng.normal(size=9)
    check_exact(minor_determinant, a, 3, [0, 0, 0], 0, forward=False)
    v = rng.normal(size=9)
    _, tangent = srcdiff.jvp(minor_determinant, (a, 3, [0, 0, 0], 0), (v, None, None, None))
    assert np.isclose(tangent, srcdiff.grad(minor_determinant)(a, 3, [0, 0, 0], 0) @ v)
    a = rng.normal(size=(3, 3))
    cofactors = np.linalg.det(a) * np.linalg.inv(a).T
    assert np.allclose(srcdiff.grad(minor_determinant)(a.ravel(), 3, [0, 0, 0], 0), cofactors.ravel())
    check_exact(walk_with_marks, np.array([2.0, 3.0, 5.0]), [0, 1], 2, forward=False)


def scale_first(xs, s):
    xs[0] = xs[0] * s
    return s


def writes_a_differentiated_list_through_a_helper(s):
    xs = [s, 2.0]
    y = 1.0 + scale_first(xs, s)
    return y * xs[0]


def scales_a_list_argument(s, xs):
    y = 1.0 + scale_first(xs, s)
    return y * xs[0] + xs[1]


def test_a_helper_writing_a_list_a_derivative_flows_through_is_refused():
    """In forward mode this gave a wrong tangent (1.55 for 3.55) when it was let through."""
    with pytest.raises(srcdiff.SrcDiffError, match="writing into `xs`"):
        srcdiff.grad(writes_a_differentiated_list_through_a_helper)(1.5)
    with pytest.raises(srcdiff.SrcDiffError, match="writing into `xs`"):
        srcdiff.jvp(scales_a_list_argument, (1.5, [3.0, 4.0]), (0.3, [-0.2, 0.7]))
