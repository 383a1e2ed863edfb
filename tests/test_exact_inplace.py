"""In-place updates with positions computed in loops, values kept across later writes, and
fancy-index writes with repeated indices: the derivative follows what numpy computes."""

from __future__ import annotations

import numpy as np
import pytest

from tests.exactness import check_exact


def position_based_dynamics(p0):
    p = p0.copy()
    for sweep in range(2):
        for i in range(len(p) - 1):
            c = 0.1 * (p[i + 1] - p[i])
            p[i] += c
            p[i + 1] -= c
    return np.sum(p ** 3)


def normalize_blocks(x):
    out = x.copy()
    for b in range(len(x) // 2):
        blk = out[2 * b : 2 * b + 2]
        out[2 * b : 2 * b + 2] = blk / np.linalg.norm(blk)
    return np.sum(out * np.arange(1.0, len(x) + 1))


def assemble_stiffness(k):
    K = np.zeros((len(k) + 1, len(k) + 1))
    ke = np.array([[1.0, -1.0], [-1.0, 1.0]])
    for e in range(len(k)):
        K[e : e + 2, e : e + 2] += k[e] * ke
    return np.sum(K ** 2) + np.linalg.det(K[1:, 1:] + np.eye(len(k)))


def rows_scaled_by_computed_bounds(x):
    m = np.outer(x, x)
    for r in range(1, len(x)):
        lo = r - 1
        m[lo : r + 1, :] = m[lo : r + 1, :] * x[r]
    return np.sum(m)


def kept_slice_then_written(x):
    a = x * 2.0
    v = a[1:3].copy()
    a[1] += x[0] ** 2
    return np.sum(v * a[:2])


def kept_view_of_a_copy(x):
    a = x.copy()
    before = a[0] * a[1]
    a[0] = a[2] * 3.0
    return before + np.sum(a ** 2)


def repeated_index_add(x):
    a = np.zeros(3)
    a[np.array([0, 0, 1])] += x
    return np.sum(a * np.array([1.0, 2.0, 3.0])) + np.sum(a ** 2)


def repeated_index_assign(x):
    a = x.copy()
    a[[2, 0, 2]] = x ** 2
    return np.sum(a * np.arange(1.0, 4.0))


def repeated_index_multiply(x):
    a = x + 1.0
    idx = [1, 1, 0]
    a[idx] *= x
    return np.sum(a ** 2)


CASES = [
    (position_based_dynamics, np.array([1.0, 2.0, 4.0, 3.5])),
    (normalize_blocks, np.array([1.0, 2.0, 3.0, 5.0, -1.0, 0.5])),
    (assemble_stiffness, np.array([1.0, 2.0, 3.0])),
    (rows_scaled_by_computed_bounds, np.array([0.5, 1.5, -1.0])),
    (kept_slice_then_written, np.array([0.3, 1.2, -0.7, 2.0])),
    (kept_view_of_a_copy, np.array([0.3, 1.2, -0.7])),
    (repeated_index_add, np.array([0.3, 1.2, -0.7])),
    (repeated_index_assign, np.array([0.3, 1.2, -0.7])),
    (repeated_index_multiply, np.array([0.3, 1.2, -0.7])),
]


@pytest.mark.parametrize("f, x", CASES, ids=[f.__name__ for f, _ in CASES])
def test_in_place_writes(f, x):
    check_exact(f, x)


def reads_itself_while_written(a):
    o = a * 1.0
    for j in range(3):
        o[j] = (2.0 * o)[(j + 1) % 3] * (j + 1)
    return np.sum(o ** 2)


def test_a_value_read_in_a_loop_that_writes_it_is_not_hoisted():
    """`2.0 * o` reads `o`, which the loop changes in place: it must not move out of the loop
    (loop-invariant hoisting looked at rebindings only; found by the fuzzer through
    `fill(o, o)`)."""
    check_exact(reads_itself_while_written, np.array([0.3, -1.2, 0.7]))
