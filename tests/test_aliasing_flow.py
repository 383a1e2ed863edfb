"""The alias analysis is flow-sensitive: an in-place write is refused only when a name that may
share memory with the written array at that point is used afterwards."""

from __future__ import annotations

import math

import numpy as np
import pytest

import srcdiff
from tests.exactness import check_exact


def rebound_before_the_write(w, a):
    w = w * 1.0
    b = w
    b = a * 2.0  # b no longer shares w's memory
    w += a
    return np.sum(w * b)


def rebound_by_tuple_unpacking(x):
    t0, a = (x * 1.0, x * 2.0)
    keep = a
    keep = t0 + 1.0
    a += x
    return np.sum(a * keep)


def alias_dead_after_the_write(x):
    a = x * 1.0
    view = a[0:2]
    first = np.sum(view)
    a[0] = 3.0 * x[1]
    return first + np.sum(a ** 2)


def either_of_two_arrays(x):
    """``t`` may share ``w`` or ``b``, but ``w`` and ``b`` share nothing: writing into ``w``
    while ``b`` is used afterwards is fine (fuzz seed 181 found this refused)."""
    w = np.zeros(3)
    b = x * 2.0
    t = (w if x[0] > 0 else b) * 1.0
    w[1] += np.sum(np.tanh(b))
    return np.sum(w * b) + np.sum(t)


def number_stored_in_an_array(p):
    """``t6[2] = p`` copies the number into the array: updating ``p`` afterwards does not change
    ``t6``.  (The program fuzz seed 181 found refused, as it drew it.)"""
    for u0, u1 in zip((p, 2.0, -0.5), (p, p, p)):
        if u0 <= -0.5:
            t2 = u0
        elif u0 >= u0 or ((u0 <= 2.0 and (p <= 2.0 and u0 > 0.5)) or p > p):
            p = p + np.sum(np.tanh(np.arange(3.0)))
            p /= 1.0 + u1**2
        p = np.dot(np.linspace(0.0, 1.0, 3), np.tanh(np.array([1.0, -0.5, 2.0]))) + math.sin(u1)
        p = min(3.0, np.sum(np.where(np.ones(3) > np.array([1.0, -0.5, 2.0]), np.ones(3), np.ones(3)), axis=0))
    t6, t7 = np.array([1.0, -0.5, 2.0]), np.ones(3) - np.ones(3)
    for i8 in range(4, 0, -1):
        t6[2] = p
        p -= -i8
    return np.dot(np.sum(np.outer(t6, t7), axis=0), t7) + np.sum(t6 * p)


@pytest.mark.parametrize(
    "f",
    [
        rebound_before_the_write,
        rebound_by_tuple_unpacking,
        alias_dead_after_the_write,
        either_of_two_arrays,
        number_stored_in_an_array,
    ],
    ids=lambda f: f.__name__,
)
def test_no_false_refusal(f):
    x = np.array([0.5, -1.5, 2.0])
    args = (x, x + 1.0) if f is rebound_before_the_write else (0.7,) if f is number_stored_in_an_array else (x,)
    check_exact(f, *args)


def live_view(x):
    a = x * 1.0
    v = a[0:2]
    a[0] = 3.0
    return np.sum(v)


def alias_in_one_branch(x):
    a = x * 1.0
    b = x * 2.0
    if x[0] > 0:
        b = a
    a[1] = 0.0
    return np.sum(a * b)


def alias_through_a_conditional(x):
    w = x * 1.0
    b = x * 2.0
    t = w if x[0] > 0 else b
    w[0] = 0.0
    return np.sum(t * b)


def alias_from_the_previous_iteration(x):
    a = x * 1.0
    keep = x * 0.0
    s = 0.0
    for i in range(2):
        a[i] = a[i] * 2.0
        s = s + np.sum(keep)  # keep is a since the last iteration: it sees the write
        keep = a
    return s


@pytest.mark.parametrize(
    "f",
    [live_view, alias_in_one_branch, alias_through_a_conditional, alias_from_the_previous_iteration],
    ids=lambda f: f.__name__,
)
def test_a_live_alias_is_still_refused(f):
    with pytest.raises(srcdiff.SrcDiffError, match="shares its memory"):
        srcdiff.grad(f)(np.array([0.5, -1.5, 2.0]))


def item_read_before_a_slot_is_rebound(x, idx):
    idx = list(idx)
    k = idx[0]  # an int: rebinding the list's slot 0 afterwards leaves it as it is
    idx[0] = 1
    return x[k] * x[idx[0]]


def test_an_item_read_from_a_copied_list_of_numbers_shares_nothing():
    x = np.array([2.0, 3.0, 5.0])
    assert np.allclose(srcdiff.grad(item_read_before_a_slot_is_rebound)(x, [0, 2]), [3.0, 2.0, 0.0])
