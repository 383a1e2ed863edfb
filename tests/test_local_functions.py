"""Functions defined inside the function -- nested ``def`` and ``name = lambda ...`` -- as users
write them: each call is differentiated as the body it runs (parameters bound, the closure's
variables read at the call, as Python reads them), checked against central differences in
reverse mode, forward mode and through ``hessian``; those srcdiff cannot write out are refused
at their line."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import srcdiff
from tests.exactness import check_exact


def nested_def(w):
    def cube_sum(v):
        return np.sum(v**3)

    return cube_sum(w) + 1.0


def closure_over_a_local(w):
    scale = 2.0

    def scaled(v):
        return np.sum(scale * v)

    first = scaled(w)
    scale = np.sum(w)  # a closure reads the variable when called: the new value
    return first + scaled(w * w)


def with_a_lambda(w):
    square = lambda v: v * v  # noqa: E731
    return np.sum(square(w) + square(np.sin(w)))


def called_in_a_loop(w):
    def step(y, h=0.1):
        k = -0.5 * y
        return y + h * k

    y = w
    for _ in range(4):
        y = step(y)
    return np.sum(step(y, h=0.2) ** 2)


def one_calls_another(w):
    def inner(v):
        return np.tanh(v)

    def outer(v):
        u = inner(v) * 2.0
        return np.sum(u * v)

    return outer(w)


def fills_the_enclosing_list(w):
    terms = []

    def add(v):
        terms.append(v * v)

    for x in w:
        add(x)
    add(np.sum(w))
    return sum(terms)


def nonlocal_counter(w):
    pos = 0

    def take(k):
        nonlocal pos
        out = w[pos : pos + k]
        pos += k
        return out

    parts = [take(i + 1) for i in range(2)]
    return np.sum(np.concatenate(parts) ** 2) + np.sum(take(1)) * pos


def nonlocal_accumulator(w):
    total = 0.0

    def add(v):
        nonlocal total
        total = total + v * v

    for x in w:
        add(x)
    return total


def unpack(w):
    """A counter kept as an attribute of the function (GradBench's gmm, as its authors wrote it)."""
    unpack.pos = 0

    def take(k):
        part = w[unpack.pos : unpack.pos + k]
        unpack.pos += k
        return part

    return [take(i + 1) for i in range(2)]


def reads_a_function_attribute_counter(w):
    first, second = unpack(w)
    return np.sum(first) * np.sum(np.sin(second))


CASES = [
    nested_def,
    closure_over_a_local,
    with_a_lambda,
    called_in_a_loop,
    one_calls_another,
    fills_the_enclosing_list,
    nonlocal_counter,
    nonlocal_accumulator,
    reads_a_function_attribute_counter,
]


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_local_function_is_exact(f):
    check_exact(f, np.array([0.3, -0.7, 1.1]))


def passed_on(w):
    def f(v):
        return v * v

    return np.sum(list(map(f, w)))


def returns_early(w):
    def clipped(v):
        if v > 1.0:
            return 1.0
        return v

    return clipped(w[0]) * w[1]


def calls_itself(w):
    def power(v, n):
        return 1.0 if n == 0 else v * power(v, n - 1)

    return power(w[0], 3)


def nonlocal_of_a_function_passed_on(w):
    total = 0.0

    def add(v):
        nonlocal total
        total = total + v
        return v

    return np.sum(list(map(add, w))) + total


def test_a_nonlocal_write_in_a_function_that_cannot_be_written_out_is_refused():
    with pytest.raises(srcdiff.SrcDiffError, match="nonlocal"):
        srcdiff.grad(nonlocal_of_a_function_passed_on)(np.array([0.3, -0.7, 1.1]))


def counts_its_calls(w):
    """Reads the attribute before setting it: it is state kept between calls, not a local counter."""
    counts_its_calls.calls = getattr(counts_its_calls, "calls", 0) + 1
    return np.sum(w) * counts_its_calls.calls


def test_a_function_attribute_kept_between_calls_is_refused():
    with pytest.raises(srcdiff.SrcDiffError, match="attribute"):
        srcdiff.grad(counts_its_calls)(np.array([0.3, -0.7, 1.1]))


@pytest.mark.parametrize("f", [passed_on, returns_early, calls_itself], ids=lambda f: f.__name__)
def test_what_cannot_be_written_out_is_refused(f):
    with pytest.raises(srcdiff.SrcDiffError, match="function defined inside"):
        srcdiff.grad(f)(np.array([0.3, -0.7, 1.1]))


def called_in_a_test(w):
    def size(v):
        return np.sum(v * v)

    if size(w) > 1.0:  # (a comparison is kept as written: the call cannot be written out there)
        return size(w)
    return 0.0


def test_a_local_function_called_in_a_test_is_refused_not_left_undefined():
    """It was left a call of a name the generated code does not have (NameError, fuzz seed 13)."""
    with pytest.raises(srcdiff.SrcDiffError, match="function defined inside"):
        srcdiff.grad(called_in_a_test)(np.array([0.3, -0.7, 1.1]))


# -- local functions handed to a module-level helper, as ODE integrators and optimizers take them


def rk4_step(f, t, y, h):
    k1 = f(t, y)
    k2 = f(t + h / 2, y + h / 2 * k1)
    k3 = f(t + h / 2, y + h / 2 * k2)
    k4 = f(t + h, y + h * k3)
    return y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def decay_with_a_closure(k):
    rate = np.sum(k)

    def rhs(t, y):
        return -rate * y + np.sin(t) * k

    y = np.ones(3)
    for i in range(4):
        y = rk4_step(rhs, 0.1 * i, y, 0.1)
    return np.sum(y**2)


def decay_with_a_lambda(k):
    y = k * 1.0
    for i in range(3):
        y = rk4_step(lambda t, v: -k * v, 0.1 * i, y, 0.1)
    return np.sum(y)


def fixed_point(g, x, steps=3):
    for _ in range(steps):
        x = g(x)
    return x


def nested_handoff(w):
    contraction = lambda v: 0.5 * np.tanh(v * w) + 0.1  # noqa: E731
    x = fixed_point(contraction, w)
    return np.sum(x * w)


@pytest.mark.parametrize(
    "f", [decay_with_a_closure, decay_with_a_lambda, nested_handoff], ids=lambda f: f.__name__
)
def test_a_local_function_passed_to_a_helper_is_exact(f):
    check_exact(f, np.array([0.3, -0.7, 1.1]))


def scaled_power(scale, v, exponent=2):
    return scale * v**exponent


def with_a_partial(w):
    half_cube = functools.partial(scaled_power, 0.5, exponent=3)
    first = np.sum(half_cube(w))
    return first + np.sum(half_cube(w * 2.0, exponent=2))


def test_a_partial_made_inside_is_differentiated():
    check_exact(with_a_partial, np.array([0.3, -0.7, 1.1]))
