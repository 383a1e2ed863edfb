"""What the transform must refuse (naming the user's file and line), and extreme but legal code it
must differentiate: dynamic code and namespaces, deep nesting, ``x ** y`` at 0, gradients inside
differentiated functions, impure calls in checkpointed loops, exported code on other shapes."""

from __future__ import annotations

import builtins
import inspect
import math
import os
import re
import sys
import time

import numpy as np
import pytest
from helpers import load_module

import srcdiff

# -- 1. eval, exec, locals(), globals(), vars(), dir(), __import__ -------------------------------


def with_eval(x):
    return eval("x * 2")


def with_exec(x):
    y = x
    exec("y = 1")


def with_locals(x):
    return locals()["x"] * 2


def with_globals(x):
    return globals()["square"](x)


def with_vars(x):
    return vars()["x"] * 2


def with_dir(x):
    return x * len(dir())


def with_import(x):
    return __import__("math").sin(x)


def with_builtins_eval(x):
    return builtins.eval("x")


def with_eval_alias(x):
    run = eval


def square(x):
    return x * x


def calls_a_helper_with_eval(x):
    return with_eval(x) + 1.0


DYNAMIC = [
    (with_eval, "`eval`"),
    (with_exec, "`exec`"),
    (with_locals, "`locals()`"),
    (with_globals, "`globals()`"),
    (with_vars, "`vars()`"),
    (with_dir, "`dir()`"),
    (with_import, "`__import__`"),
    (with_builtins_eval, "`eval`"),
    (with_eval_alias, "`eval`"),
]


def _refused_line(fn):
    """The line of ``fn``'s last statement (where each of these functions does what is refused)."""
    return fn.__code__.co_firstlineno + len(inspect.getsourcelines(fn)[0]) - 1


@pytest.mark.parametrize("fn, name", DYNAMIC, ids=[f.__name__ for f, _ in DYNAMIC])
def test_dynamic_code_and_namespaces_are_refused_at_their_line(fn, name):
    for make in (srcdiff.grad, lambda f: (lambda x: srcdiff.jvp(f, (x,), (1.0,)))):
        with pytest.raises(srcdiff.UnsupportedSyntaxError) as err:
            make(fn)(3.0)
        assert name in err.value.problem
        assert err.value.function == fn.__name__
        assert os.path.basename(err.value.filename) == "test_transform_refusals.py"
        assert err.value.lineno == _refused_line(fn)
        assert err.value.hint


def test_dynamic_code_in_a_helper_is_refused_at_the_helpers_line():
    with pytest.raises(srcdiff.UnsupportedSyntaxError) as err:
        srcdiff.grad(calls_a_helper_with_eval)(3.0)
    assert err.value.function == "with_eval"
    assert err.value.lineno == _refused_line(with_eval)


# -- 2. deep nesting ----------------------------------------------------------------------------


def _check_against_finite_differences(f, x, *rest):
    """``grad`` and ``jvp`` of ``f`` in its first argument at ``(x, *rest)``, against central differences."""
    h = 1e-6 * max(1.0, abs(x))
    numeric = (f(x + h, *rest) - f(x - h, *rest)) / (2 * h)
    reverse = srcdiff.grad(f)(x, *rest)
    _, forward = srcdiff.jvp(f, (x, *rest), (1.0,) + (0.0,) * len(rest))
    assert reverse == pytest.approx(numeric, rel=1e-6, abs=1e-6)
    assert forward == pytest.approx(reverse, rel=1e-12, abs=1e-12)
    return reverse


def test_98_nested_ifs_the_deepest_python_compiles(tmp_path):
    lines = ["def f(x):", "    y = x"]
    for i in range(98):
        lines.append("    " * (i + 1) + f"if x > {-i - 1}:")
        lines.append("    " * (i + 2) + f"y = y * x + {i}")
    lines.append("    return y")
    f = load_module(tmp_path, "nested_98", "\n".join(lines) + "\n").f
    _check_against_finite_differences(f, 0.5)
    _check_against_finite_differences(f, -50.5)  # half the branches taken


def test_an_elif_chain_of_300_branches_is_emitted_flat(tmp_path):
    text = "def f(x):\n    if x > 1000:\n        y = x\n"
    text += "".join(f"    elif x > {1000 - i}:\n        y = x * {i}\n" for i in range(1, 300))
    text += "    else:\n        y = x * x\n    return y\n"
    f = load_module(tmp_path, "elif_300", text).f
    for x, want in [(1000.5, 1.0), (999.5, 1.0), (850.5, 150.0), (-5.0, -10.0)]:
        assert _check_against_finite_differences(f, x) == pytest.approx(want)
    source = srcdiff.source(srcdiff.grad(f))
    assert max(len(line) - len(line.lstrip()) for line in source.splitlines()) <= 8  # no nesting per branch


def test_a_sum_of_500_terms(tmp_path):
    f = load_module(tmp_path, "sum_500", "def f(x):\n    return " + " + ".join(["x * x"] * 500) + "\n").f
    assert _check_against_finite_differences(f, 1.5) == pytest.approx(500 * 3.0)
    assert sys.getrecursionlimit() < 40_000  # the limit was raised only while transforming


def test_300_nested_ternaries_and_long_boolean_values(tmp_path):
    ternary = "def f(x):\n    return " + "".join(f"x * {i} if x < {i} else " for i in range(300)) + "x * x\n"
    f = load_module(tmp_path, "ternary_300", ternary).f
    assert _check_against_finite_differences(f, 150.5) == pytest.approx(151.0)
    assert _check_against_finite_differences(f, 400.0) == pytest.approx(800.0)
    values = "def f(x, y):\n    return " + " or ".join(f"(x * y * {i})" for i in range(1, 300)) + " or x * x\n"
    g = load_module(tmp_path, "or_300", values).f
    assert _check_against_finite_differences(g, 1.5, 0.0) == pytest.approx(3.0)  # all are 0.0
    assert _check_against_finite_differences(g, 2.0, 1.0) == pytest.approx(1.0)  # the first decides
    tests = "def f(x):\n    c = " + " and ".join(f"x > {-i}" for i in range(300)) + "\n    return x * 2 if c else x\n"
    h = load_module(tmp_path, "and_300", tests).f
    assert _check_against_finite_differences(h, 1.5) == pytest.approx(2.0)


def test_nesting_deeper_than_python_compiles_is_refused_saying_how_deep(tmp_path):
    # 97 ifs in a loop: the user's code is 99 levels deep; a checkpointed loop's generated
    # code runs the body inside more blocks than that
    lines = ["import srcdiff", "def f(x):", "    y = x", "    for k in srcdiff.checkpointed(range(3)):"]
    for i in range(97):
        lines.append("    " * (i + 2) + f"if x > {-i - 1}:")
    lines.append("    " * 99 + "y = y * x")
    lines.append("    return y")
    f = load_module(tmp_path, "too_deep", "\n".join(lines) + "\n").f
    with pytest.raises(srcdiff.UnsupportedSyntaxError) as err:
        srcdiff.grad(f)(0.5)
    assert "would nest 102 levels of indentation" in err.value.problem and "at most 99" in err.value.problem
    assert err.value.lineno == 2 and err.value.hint
    assert srcdiff.jvp(f, (0.5,), (1.0,)) == pytest.approx((0.5**4, 4 * 0.5**3))  # forward mode nests less


# -- 3. x ** y at x == 0, second order -----------------------------------------------------------


def power(x, y):
    return x ** y


def square_by_power(x):
    return x ** 2


def cube_by_power(x):
    return x ** 3


def first_power(x):
    return x ** 1.0


def root_by_power(x):
    return x ** 0.5


@pytest.mark.parametrize(
    "x, y, first, second",
    [(0.0, 3.0, 0.0, 0.0), (0.0, 2.0, 0.0, 2.0), (0.0, 1.0, 1.0, 0.0), (0.0, 3, 0.0, 0.0), (0, 3, 0.0, 0.0),
     (0, 2.0, 0.0, 2.0), (0, 1, 1.0, 0.0), (0.0, 0.0, 0.0, 0.0), (2.0, 3.0, 12.0, 12.0)],
)
def test_power_at_zero_is_exact_in_every_mode_and_order(x, y, first, second):
    assert srcdiff.grad(power)(x, y) == first
    assert srcdiff.jvp(power, (x, y), (1.0, 0.0))[1] == first
    assert srcdiff.hessian(power)(x, y) == second
    assert srcdiff.grad(srcdiff.grad(power))(x, y) == second
    assert srcdiff.hessian(power, wrt=1)(x, y) == pytest.approx(float(x) ** y * math.log(x) ** 2 if x else 0.0)


@pytest.mark.parametrize("x", [0.0, 0])
def test_constant_powers_at_zero(x):
    for f, first, second in [(square_by_power, 0.0, 2.0), (cube_by_power, 0.0, 0.0), (first_power, 1.0, 0.0)]:
        assert srcdiff.grad(f)(x) == first and srcdiff.jvp(f, (x,), (1.0,))[1] == first
        assert srcdiff.hessian(f)(x) == second
    assert srcdiff.grad(srcdiff.grad(srcdiff.grad(cube_by_power)))(0.0) == 6.0


def test_a_power_below_one_has_an_infinite_derivative_at_zero():
    assert srcdiff.grad(root_by_power)(0.0) == math.inf  # no ZeroDivisionError from 0.0 ** -0.5
    assert srcdiff.jvp(root_by_power, (0.0,), (1.0,))[1] == math.inf
    assert srcdiff.grad(power)(0.0, 0.5) == math.inf
    assert srcdiff.grad(root_by_power)(4.0) == 0.25


def test_numpy_power_at_zero():
    np = pytest.importorskip("numpy")

    def sum_of_squares(x):
        return np.sum(np.power(x, 2.0) + x ** 1.0)

    np.testing.assert_array_equal(srcdiff.hessian(sum_of_squares)(np.zeros(3)), 2.0 * np.eye(3))


# -- 5. checkpointed loops: impure calls, and the number of snapshots ---------------------------

_outside = iter([1.0] * 100)


def _generator():
    while True:
        yield 1.5


_running = _generator()


def with_next_in_checkpointed_loop(x):
    y = x
    for _ in srcdiff.checkpointed(range(4), snapshots=2):
        y = y * next(_outside)
    return y


def with_clock_in_checkpointed_loop(x):
    y = x
    for _ in srcdiff.checkpointed(range(4), snapshots=2):
        y = y + time.perf_counter() * 0.0
    return y


def with_input_in_checkpointed_loop(x):
    y = x
    for _ in srcdiff.checkpointed(range(4), snapshots=2):
        if x > 1e9:
            y = y * float(input())
    return y


def with_send_in_checkpointed_loop(x):
    y = x
    for _ in srcdiff.checkpointed(range(4), snapshots=2):
        y = y * _running.send(None)
    return y


def reads_the_clock():
    return time.perf_counter()


def with_impure_helper_in_checkpointed_loop(x):
    y = x
    for _ in srcdiff.checkpointed(range(4), snapshots=2):
        y = y + reads_the_clock() * 0.0 * x
    return y


@pytest.mark.parametrize(
    "fn, what",
    [
        (with_next_in_checkpointed_loop, "advances an iterator"),
        (with_clock_in_checkpointed_loop, "reads the clock"),
        (with_input_in_checkpointed_loop, "reads the console"),
        (with_send_in_checkpointed_loop, "resumes a generator"),
        (with_impure_helper_in_checkpointed_loop, "calls `perf_counter`"),
    ],
)
def test_impure_calls_in_a_checkpointed_loop_are_refused(fn, what):
    with pytest.raises(srcdiff.UnsupportedSyntaxError) as err:
        srcdiff.grad(fn)(1.0)
    assert what in err.value.problem and "checkpointed loop" in err.value.problem
    assert err.value.function == fn.__name__ and err.value.lineno == _refused_line(fn) - 1
    assert err.value.hint


def checkpointed_with(x, k):
    y = x
    for _ in srcdiff.checkpointed(range(5), snapshots=k):
        y = y * 1.1 + x
    return y


@pytest.mark.parametrize("k", [True, False, 2.5, -1, "3", None])
def test_snapshots_must_be_an_int_at_least_zero(k):
    with pytest.raises(srcdiff.SrcDiffError, match="must be an int >= 0") as err:
        srcdiff.grad(checkpointed_with)(1.0, k)
    assert isinstance(err.value, ValueError)
    with pytest.raises(ValueError, match="must be an int >= 0"):
        srcdiff.checkpointed(range(3), snapshots=k)


def test_valid_snapshots_give_the_plain_gradient():
    np = pytest.importorskip("numpy")
    plain = srcdiff.grad(checkpointed_with)(1.0, 20)
    for k in (0, 1, 3, np.int64(2)):
        assert srcdiff.grad(checkpointed_with)(1.0, k) == pytest.approx(plain, rel=1e-12)


# -- 6. standalone export: specialized to the example's shapes, and says so ---------------------

EXPORT_MODEL = '''
import numpy as np


def loss(w, scale):
    total = 0.0
    for i in range(w.shape[0]):
        total = total + scale * w[i] ** 2
    return total + np.sum(np.tanh(w))


def example():
    return np.array([0.5, -1.0, 2.0]), 3.0
'''


def test_the_standalone_export_refuses_other_shapes_than_the_examples(tmp_path, monkeypatch):
    np = pytest.importorskip("numpy")
    from srcdiff.tools.cli import main

    (tmp_path / "export_model.py").write_text(EXPORT_MODEL)
    out = tmp_path / "exported_grads.py"
    assert main(["dump", f"{tmp_path / 'export_model.py'}:loss", "--example", "example", "--standalone",
                 "-o", str(out)]) == 0
    monkeypatch.syspath_prepend(str(tmp_path))
    model = load_module(tmp_path, "export_model", EXPORT_MODEL)
    exported = load_module(tmp_path, "exported_grads", out.read_text())
    w, scale = model.example()
    np.testing.assert_array_equal(exported.grad_loss(w, scale), srcdiff.grad(model.loss)(w, scale))
    for other in (np.ones(4), np.ones((3, 2)), [0.5, -1.0, 2.0]):
        with pytest.raises(ValueError, match="exported for argument `w`.*export it again"):
            exported.grad_loss(other, scale)
    with pytest.raises(ValueError, match="argument `scale`"):
        exported.grad_loss(w, np.ones(3))
    with pytest.raises(TypeError, match="takes 2 arguments"):
        exported.grad_loss(w)


# -- 4. a srcdiff gradient called inside a differentiated function ------------------------------


def _sum_of_squares(x):
    return x * x * 3.0


gradient_inside = srcdiff.grad(_sum_of_squares)


def calls_a_gradient(x):
    return gradient_inside(x) * 2.0


def test_a_gradient_called_inside_is_differentiated():
    assert srcdiff.grad(calls_a_gradient)(1.5) == pytest.approx(12.0)  # d/dx (6x * 2)
    assert srcdiff.jvp(calls_a_gradient, (1.5,), (1.0,))[1] == pytest.approx(12.0)
    assert srcdiff.hessian(_sum_of_squares)(1.5) == 6.0


# -- 7. a call made for its effect on a differentiated value, in either mode --------------------


def exp_into(x):
    buffer = np.empty_like(x)
    np.exp(x, out=buffer)
    return np.sum(buffer)


def test_a_call_for_its_effect_is_refused_alike_in_both_modes():
    x = np.ones(2)
    messages = []
    for run in (lambda: srcdiff.grad(exp_into)(x), lambda: srcdiff.jvp(exp_into, (x,), (np.ones(2),))):
        with pytest.raises(srcdiff.NoDerivativeError, match="for its effect is not supported yet") as err:
            run()
        messages.append(str(err.value))
    assert messages[0] == messages[1]
