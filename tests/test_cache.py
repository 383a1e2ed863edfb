"""Caching of transformations, and the generated source returned by srcdiff.source."""

from __future__ import annotations

import inspect
import math

import pytest

import srcdiff


def bump(x):
    return x * math.exp(-x)


def uses_bump(x, y):
    total = 0.0
    for k in range(3):
        total += bump(x * k) * y
    return total


def transforms():
    return srcdiff.cache_info()["transforms"]


def test_cache_info_counts_transforms():
    info = srcdiff.cache_info()
    assert isinstance(info, dict)
    assert isinstance(info["transforms"], int)
    assert info["transforms"] >= 0


def test_first_gradient_transforms():
    srcdiff.clear_cache()
    before = transforms()
    srcdiff.grad(bump)(2.0)
    assert transforms() > before


@pytest.mark.parametrize("func, args", [(bump, (2.0,)), (uses_bump, (0.5, 1.5))], ids=["plain", "with-helper"])
def test_second_grad_does_not_transform_again(func, args):
    first = srcdiff.grad(func)(*args)
    before = transforms()
    second = srcdiff.grad(func)(*args)
    assert transforms() == before
    assert second == first


def test_repeated_calls_do_not_transform_again():
    df = srcdiff.grad(uses_bump, wrt=(0, 1))
    df(0.5, 1.5)
    before = transforms()
    for x in (0.1, 0.2, 0.3):
        df(x, 1.5)
    assert transforms() == before


def test_clear_cache_forces_a_new_transform_and_counter_never_decreases():
    srcdiff.grad(bump)(2.0)
    before = transforms()
    srcdiff.clear_cache()
    assert transforms() >= before
    assert srcdiff.grad(bump)(2.0) == pytest.approx(math.exp(-2.0) * (1.0 - 2.0))
    assert transforms() > before


def test_gradient_is_still_right_after_clear_cache():
    df = srcdiff.grad(bump)
    expected = df(0.7)
    srcdiff.clear_cache()
    assert df(0.7) == expected
    assert srcdiff.grad(bump)(0.7) == expected


GENERATED = {
    "grad": lambda: srcdiff.grad(bump),
    "grad-wrt-tuple": lambda: srcdiff.grad(uses_bump, wrt=(0, 1)),
    "grad-wrt-name": lambda: srcdiff.grad(uses_bump, wrt="y"),
    "value-and-grad": lambda: srcdiff.value_and_grad(uses_bump, wrt=(0, 1)),
}


@pytest.mark.parametrize("make", GENERATED.values(), ids=GENERATED.keys())
def test_source_is_python_that_compiles(make):
    text = srcdiff.source(make())
    assert isinstance(text, str)
    assert "def " in text
    compile(text, "<srcdiff generated source>", "exec")


def test_source_is_stable():
    assert srcdiff.source(srcdiff.grad(bump)) == srcdiff.source(srcdiff.grad(bump))


def test_source_of_decorated_gradient():
    @srcdiff.grad
    def cubic(x):
        return x**3 - 2.0 * x

    assert cubic(2.0) == pytest.approx(10.0)
    text = srcdiff.source(cubic)
    assert "def " in text
    compile(text, "<srcdiff generated source>", "exec")


def test_generated_function_source_is_inspectable():
    df = srcdiff.grad(bump)
    if inspect.isfunction(df):
        assert "def " in inspect.getsource(df)
    else:  # a wrapper object: its source is available through srcdiff.source
        assert "def " in srcdiff.source(df)
