"""The alias analysis is flow-sensitive: an in-place write is refused only when a name that may
share memory with the written array at that point is used afterwards."""

from __future__ import annotations

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


@pytest.mark.parametrize(
    "f", [rebound_before_the_write, rebound_by_tuple_unpacking, alias_dead_after_the_write], ids=lambda f: f.__name__
)
def test_no_false_refusal(f):
    x = np.array([0.5, -1.5, 2.0])
    args = (x, x + 1.0) if f is rebound_before_the_write else (x,)
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


def alias_from_the_previous_iteration(x):
    a = x * 1.0
    keep = x * 0.0
    s = 0.0
    for i in range(2):
        a[i] = a[i] * 2.0
        s = s + np.sum(keep)  # keep is a since the last iteration: it sees the write
        keep = a
    return s


@pytest.mark.parametrize("f", [live_view, alias_in_one_branch, alias_from_the_previous_iteration], ids=lambda f: f.__name__)
def test_a_live_alias_is_still_refused(f):
    with pytest.raises(srcdiff.SrcDiffError, match="shares its memory"):
        srcdiff.grad(f)(np.array([0.5, -1.5, 2.0]))
