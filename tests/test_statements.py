"""Statements real code carries -- ``with`` blocks, ``del``, ``match`` -- run as in the original
and differentiated through, as users write them; each checked against central differences in
reverse mode, forward mode and through ``hessian``."""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
import pytest

import srcdiff
from tests.exactness import check_exact

X = np.array([0.4, 1.3, 0.7])


def log_ratio(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.log(x) - np.log1p(x)
    return np.sum(r * r)


def quiet_sqrt(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = np.sqrt(x)
    return np.sum(y * x)


def return_inside_with(x):
    with np.errstate(over="ignore"):
        if np.sum(x) > 0:
            return np.sum(np.exp(x))
        y = x * 2.0
    return np.sum(y)


class Timer:
    """A context manager as users write them: records how long its block took."""

    def __init__(self):
        self.elapsed = None

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.elapsed = time.perf_counter() - self.start
        return False


def timed_block(x):
    with Timer() as t, np.errstate(all="ignore"):
        y = np.tanh(x) * x
    assert t.elapsed is not None
    return np.sum(y**2)


def with_in_a_loop(x):
    total = 0.0
    for i in range(3):
        with np.errstate(divide="ignore"):
            total = total + np.sum(x ** (i + 1)) / (i + 1.0)
    return total


def drop_temporaries(x):
    tmp = x * 2.0
    y = np.sin(tmp)
    del tmp
    return np.sum(y * x)


def activation(x, kind):
    match kind:
        case "tanh":
            y = np.tanh(x)
        case "softplus" | "smooth":
            y = np.log1p(np.exp(x))
        case None:
            y = x
        case _:
            y = x * x
    return np.sum(y)


def by_order(x, n):
    match n:
        case 0:
            return np.sum(x)
        case 1 if np.sum(x) > 0:
            return np.sum(x * x)
        case k:
            return np.sum(x ** (k + 1))


@pytest.mark.parametrize(
    "f, args",
    [
        (log_ratio, (X,)),
        (quiet_sqrt, (X,)),
        (return_inside_with, (X,)),
        (return_inside_with, (-X,)),
        (timed_block, (X,)),
        (with_in_a_loop, (X,)),
        (drop_temporaries, (X,)),
        (activation, (X, "tanh")),
        (activation, (X, "smooth")),
        (activation, (X, None)),
        (activation, (X, "cube")),
        (by_order, (X, 0)),
        (by_order, (X, 1)),
        (by_order, (-X, 1)),
        (by_order, (X, 3)),
    ],
    ids=lambda v: getattr(v, "__name__", "") if callable(v) else "",
)
def test_statements_are_differentiated_as_they_run(f, args):
    check_exact(f, *args)


def test_a_with_block_leaves_the_context_as_it_found_it():
    before = np.geterr()
    srcdiff.grad(log_ratio)(X)
    srcdiff.jvp(log_ratio, (X,), (np.ones(3),))
    assert np.geterr() == before


def test_the_generated_code_enters_and_exits_the_context():
    text = srcdiff.source(srcdiff.grad(log_ratio))
    assert "__enter__()" in text and "__exit__(None, None, None)" in text


def test_deleting_an_item_is_refused_with_a_rewrite():
    def drop_slice(x):
        xs = [x[0], x[1], x[2]]
        del xs[1]
        return xs[0]

    with pytest.raises(srcdiff.SrcDiffError, match="del"):
        srcdiff.grad(drop_slice)(X)


def test_a_sequence_pattern_is_refused_at_its_line():
    def unpack(x, pair):
        match pair:
            case (a, b):
                return np.sum(x) * a + b
        return 0.0

    with pytest.raises(srcdiff.SrcDiffError, match="pattern"):
        srcdiff.grad(unpack)(X, (1.0, 2.0))


def solve_or_least_squares(a_diag, b):
    a = a_diag[:, None] * np.eye(a_diag.shape[0])
    try:
        y = np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        y = np.linalg.solve(a + 0.5 * np.eye(b.shape[0]), b)
    return np.sum(y * y)


def safe_log(x):
    try:
        if np.any(x <= 0):
            raise ValueError("log of a non-positive number")
        value = np.sum(np.log(x))
    except ValueError as err:
        assert "log" in str(err)
        value = np.sum(x)
    else:
        value = value * 2.0
    finally:
        checked = True
    assert checked
    return value


def jittered_cholesky(w):
    k = np.outer(w, w) + np.diag(w * w) - 0.5 * np.eye(w.shape[0])
    for jitter in (0.0, 1.0, 10.0):
        try:
            chol = np.linalg.cholesky(k + jitter * np.eye(w.shape[0]))
            break
        except np.linalg.LinAlgError:
            continue
    return np.sum(np.log(np.diag(chol)))


def return_from_try(x):
    try:
        return np.sum(1.0 / x)
    except ZeroDivisionError:
        return 0.0


def scalar_division(x, d):
    try:
        q = x / d
    except ZeroDivisionError:
        q = x * x
    return q * x


@pytest.mark.parametrize(
    "f, args",
    [
        (solve_or_least_squares, (np.array([1.5, 2.0, 0.7]), X)),
        (safe_log, (X,)),
        (safe_log, (X - 1.0,)),
        (jittered_cholesky, (2.0 * X,)),  # positive definite
        (jittered_cholesky, (X,)),  # not: the second jitter
        (return_from_try, (X,)),
        (scalar_division, (1.3, 2.0)),
        (scalar_division, (1.3, 0.0)),
    ],
    ids=lambda v: getattr(v, "__name__", "") if callable(v) else "",
)
def test_try_differentiates_the_path_taken(f, args):
    check_exact(f, *args)


def test_the_except_path_is_differentiated_where_the_body_fails():
    singular = np.array([1.5, 0.0, 0.7])  # (in a_diag, the function jumps at 0: only b is varied)
    check_exact(solve_or_least_squares, singular, X, wrt=1)


def test_a_try_that_changes_what_it_was_given_is_refused():
    def noisy(x):
        try:
            y = np.sum(x * x) + np.random.normal(scale=1e-9)
        except ValueError:
            y = 0.0
        return y

    with pytest.raises(srcdiff.SrcDiffError, match="random"):
        srcdiff.grad(noisy)(X)


def forward_with_a_cache(w):
    cache = {"x": w * 1.0}
    cache["z"] = np.tanh(cache["x"] * 2.0)
    cache["loss"] = 0.0
    for i in range(2):
        cache["loss"] += np.sum(cache["z"] ** (i + 1))
    return cache["loss"] + np.sum(cache["x"])


def settings_dict(w):
    config = dict()
    config["scale"] = 3.0
    config[0] = w * config["scale"]
    return np.sum(np.sin(config[0]))


@pytest.mark.parametrize("f", [forward_with_a_cache, settings_dict], ids=lambda f: f.__name__)
def test_a_dict_of_named_values_is_differentiated(f):
    check_exact(f, X)


def passes_it_on(w):
    entries = {"w": w}
    return np.sum(list(entries.values())[0] ** 2)


def test_a_dict_passed_on_is_a_dict():
    """(It was refused; dicts the function makes are differentiated now: test_dicts.py.)"""
    check_exact(passes_it_on, X)


# -- try bodies the fuzzer drew (tests/test_fuzz.py, effect shapes, 2026-12-02)


def partly_run_before_the_error(x, y):
    t = x
    try:
        t = t * y  # runs, and Python keeps it
        if t > 0.0:
            raise ValueError("positive")
        t = t * 10.0
    except ValueError:
        t = t + 1.0
    return t


def names_bound_inside_the_body(s):
    try:
        total = sum(c * s for c in (1.0, 2.0))
        for i in range(2):
            total = total + i * s
        try:
            total = total / (s - 0.3)
        except ZeroDivisionError as err:
            assert "zero" in str(err) or "division" in str(err)
            total = total * s
    except ValueError:
        total = 0.0
    return total


def returns_inside_with_an_error_name(x):
    try:
        return x * x / (x - 1.0)
    except ZeroDivisionError as err:
        assert err is not None
        return x


def match_inside_a_try(x, mode):
    try:
        match mode:
            case 0:
                y = math.sqrt(x)
            case _:
                y = x * x
    except ValueError:
        y = -x
    return y


@pytest.mark.parametrize(
    "f, args",
    [
        (partly_run_before_the_error, (0.7, -1.3)),
        (partly_run_before_the_error, (0.7, 1.3)),
        (names_bound_inside_the_body, (1.3,)),
        (returns_inside_with_an_error_name, (0.5,)),
        (returns_inside_with_an_error_name, (1.5,)),
        (match_inside_a_try, (2.0, 0)),
        (match_inside_a_try, (-2.0, 0)),
        (match_inside_a_try, (2.0, 1)),
    ],
    ids=lambda v: getattr(v, "__name__", "") if callable(v) else "",
)
def test_try_bodies_that_run_partly_bind_names_or_return(f, args):
    check_exact(f, *args)


def test_an_error_inside_a_loop_of_a_try_body_is_refused():
    def inside_a_loop(x):
        t = 0.0
        try:
            for k in range(3):
                t = t + x
                if t > 1.0:
                    raise ValueError("big")
        except ValueError:
            t = -t
        return t

    assert srcdiff.grad(inside_a_loop)(0.1) == pytest.approx(3.0)  # no error: the whole body ran
    with pytest.raises(srcdiff.SrcDiffError, match="part of which had run"):
        srcdiff.grad(inside_a_loop)(0.5)


def test_forward_mode_leaves_the_callers_arrays_and_tangents_alone():
    def swapped_then_written(a, b, s):
        a, b = b, a
        a[-1] *= s
        return np.sum(a * b)

    def appends(xs):
        xs.append(xs[0] * 2.0)
        return sum(xs)

    a, b = np.array([0.5, 1.0, 2.0]), np.array([1.5, -1.0, 0.3])
    _, tangent = srcdiff.jvp(swapped_then_written, (a, b, 0.7), (np.ones(3), np.ones(3), 1.0))
    assert np.array_equal(b, [1.5, -1.0, 0.3]) and np.array_equal(a, [0.5, 1.0, 2.0])
    g = srcdiff.grad(swapped_then_written, wrt=(0, 1, 2))(a, b, 0.7)
    assert tangent == pytest.approx(np.sum(g[0]) + np.sum(g[1]) + g[2])
    xs, txs = [0.5, 1.0], [1.0, 0.0]
    assert srcdiff.jvp(appends, (xs,), (txs,))[1] == pytest.approx(3.0)
    assert xs == [0.5, 1.0] and txs == [1.0, 0.0]
