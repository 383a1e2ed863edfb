"""Lean generated code: dead-store elimination and uncopied results.

Dead stores (:func:`srcdiff.optimize.passes.drop_dead_stores`): unit tests on hand-written
bodies, then whole gradients -- what the derivative does not need is not computed,
what could raise in the function still raises in the gradient, and the numbers are
those of the unoptimized code.  Results: an adjoint array the gradient owns is
returned without a copy, but never twice and never an input.
"""

from __future__ import annotations

import math
import textwrap

import gast
import numpy as np
import pytest

import srcdiff
from srcdiff.backend.emit import to_source
from srcdiff.optimize.passes import drop_dead_stores


def dce(text, pure=lambda call: True):
    body = gast.parse(textwrap.dedent(text)).body
    removed = drop_dead_stores(body, pure)
    return to_source(gast.Module(body=body, type_ignores=[])), removed


def test_a_chain_of_dead_values_goes_at_once():
    text, removed = dce("a = x * 2\nb = a + 1\nc = b * b\nreturn x")
    assert text == "return x\n" and removed == 3


def test_a_store_overwritten_before_it_is_read_goes():
    text, _ = dce("d = 0.0\nd = g * 3\nreturn d")
    assert text == "d = g * 3\nreturn d\n"


def test_a_reset_at_the_end_of_a_loop_body_goes_when_the_next_iteration_writes_first():
    text, _ = dce(
        """
        for i in r:
            d = g * i
            s = s + d
            d = 0.0
        return s
        """
    )
    assert "d = 0.0" not in text and "s = s + d" in text


def test_a_value_the_next_iteration_reads_stays():
    text, _ = dce(
        """
        for i in r:
            s = s + d
            d = 0.0
        return s
        """
    )
    assert "d = 0.0" in text


def test_a_value_read_only_after_the_loop_stays():
    text, _ = dce(
        """
        for i in r:
            d = g * i
        return d
        """
    )
    assert "d = g * i" in text


def test_values_read_after_break_or_continue_stay():
    text, _ = dce(
        """
        for i in r:
            d = g * i
            if c:
                break
            d = 0.0
        return d
        """
    )
    assert "d = g * i" in text


def test_branches_keep_what_either_arm_needs():
    text, _ = dce(
        """
        a = x * 2
        b = x * 3
        if c:
            y = a
        else:
            y = 1.0
        return y
        """
    )
    assert "a = x * 2" in text and "b = x * 3" not in text


@pytest.mark.parametrize(
    "value",
    ["_stack.pop()", "x / y", "x ** y", "xs[i]", "a @ b", "f(x)"],
)
def test_what_may_have_an_effect_or_raise_stays(value):
    pure = lambda call: isinstance(call.func, gast.Name) and call.func.id != "f"  # noqa: E731
    text, removed = dce(f"t = {value}\nreturn x", pure)
    assert removed == 0, text


def test_augmented_and_item_assignments_stay():
    text, removed = dce("a[0] = x\nb += x\nreturn x")
    assert removed == 0


# ----------------------------------------------------------------- whole gradients


def loss(w, X, y):
    z = X @ w
    per_example = y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)
    return np.mean(per_example)


def scalar_loop(x, y, n):
    s = 0.0
    for i in range(n):
        s = s + math.sin(x * i) * y
    return s


def log_of(x):
    y = x * 2.0
    return math.log(y)


def draws(x):
    a = np.random.normal()  # noqa: F841  (dead, but it moves the generator: it stays)
    return x * np.random.normal()


def test_grad_does_not_compute_what_only_the_value_needs():
    text = srcdiff.source(_called(srcdiff.grad(scalar_loop, wrt=(0, 1)), 0.3, 1.2, 5))
    assert "s = s +" not in text  # the sum itself: nothing in the gradient reads it
    text = srcdiff.source(_called(srcdiff.value_and_grad(scalar_loop, wrt=(0, 1)), 0.3, 1.2, 5))
    assert "s = s +" in text


def test_the_loss_is_not_reduced_when_only_its_gradient_is_asked():
    rng = np.random.default_rng(0)
    X, y, w = rng.normal(size=(6, 3)), (rng.random(6) > 0.5) * 1.0, rng.normal(size=3)
    df = srcdiff.grad(loss)
    text = srcdiff.source(_called(df, w, X, y))
    assert "np.mean(" not in text
    np.testing.assert_allclose(df(w, X, y), srcdiff.grad(loss, optimize=False)(w, X, y), rtol=1e-14)


def test_a_domain_error_of_the_function_is_still_raised():
    with pytest.raises(ValueError):
        srcdiff.grad(log_of)(-1.0)


def test_random_draws_stay():
    np.random.seed(0)
    expected = srcdiff.grad(draws, optimize=False)(1.0)
    np.random.seed(0)
    assert srcdiff.grad(draws)(1.0) == expected


def test_dump_stats_count_the_removed_statements(tmp_path, capsys):
    from srcdiff.tools.cli import main

    path = tmp_path / "dce_stats.py"
    path.write_text(
        "import math\n\ndef f(x: float, y: float):\n    s = 0.0\n    for i in range(3):\n"
        "        s = s + math.sin(x * i) * y\n    return s\n"
    )
    assert main(["dump", f"{path}:f", "--wrt", "x,y", "--stats"]) == 0
    out = capsys.readouterr().out
    assert "dead statements removed (primal and adjoint): " in out
    assert "dead statements removed (primal and adjoint): 0" not in out


def _called(df, *args):
    df(*args)
    return df


# ------------------------------------------- returned arrays are the caller's own (no copies)


def twice(x, y):
    t = x + y
    return np.sum(t * 2.0)


def big_dict(p, X):
    return np.sum(np.tanh(X @ p["W"]))


def test_gradients_are_never_the_same_array_or_an_input():
    x, y = np.ones(3), np.arange(3.0)
    dx, dy = srcdiff.grad(twice, wrt=(0, 1))(x, y)
    assert dx is not dy and not np.shares_memory(dx, dy)
    dx[0] = 100.0
    assert dy[0] == 2.0 and x[0] == 1.0


def test_an_owned_adjoint_is_returned_without_a_copy():
    rng = np.random.default_rng(0)
    p, X = {"W": rng.normal(size=(4, 3))}, rng.normal(size=(5, 4))
    df = srcdiff.grad(big_dict)
    g = df(p, X)
    np.testing.assert_allclose(g["W"], srcdiff.grad(big_dict, optimize=False)(p, X)["W"])
    assert "grad_like(dp, p, True)" in srcdiff.source(df)
    assert g["W"].base is None and not np.shares_memory(g["W"], p["W"])


def passthrough(a, b):
    return a * b  # stands for a function with a registered rule


@srcdiff.register_vjp(passthrough)
def passthrough_vjp(g, ans, a, b):
    return b, a  # hands back the inputs themselves (g is 1.0 for a scalar output)


def uses_passthrough(a, b):
    return passthrough(a, b)


def test_a_rule_that_returns_an_input_does_not_hand_it_out():
    a, b = np.array([2.0]), np.array([3.0])
    da, db = srcdiff.grad(uses_passthrough, wrt=(0, 1))(a, b)
    assert da is not b and db is not a
    assert da[0] == 3.0 and db[0] == 2.0


# ------------------------------------------------------------- loop-invariant statements


def hoisted(text, params=("k", "r", "s", "dt")):
    from srcdiff.optimize.passes import hoist_loop_invariants

    body = gast.parse(textwrap.dedent(text)).body
    moved = hoist_loop_invariants(body, list(params))
    return to_source(gast.Module(body=body, type_ignores=[])), moved


@pytest.mark.parametrize(
    "text",
    [
        "for i in r:\n    t = k * i\n    s = s + t",  # reads the loop index
        "for i in r:\n    s = s + t\n    t = -k",  # read before it is assigned: last iteration's value
        "for i in r:\n    t = -k\n    s = s + t\nt = 2.0",  # assigned twice in the function
        "for i in r:\n    t = 1.0 / dt\n    s = s + t",  # may raise: would raise even with no iteration
        "for i in r:\n    k = k * 2.0\n    t = -k\n    s = s + t",  # k changes in the loop
        "for i in r:\n    if s:\n        t = -k\n        s = s + t",  # not at the top of the body
    ],
)
def test_what_is_not_hoisted(text):
    assert hoisted(text)[1] == 0


def test_chains_of_invariants_are_hoisted_in_order():
    text, moved = hoisted("for i in r:\n    h = 0.5 * dt\n    t = h * k\n    s = s + t * i")
    assert moved == 2
    assert text.startswith("h = 0.5 * dt\nt = h * k\nfor i in r:\n")


def rk2(k, c, x0, v0, dt, n):
    x = x0
    v = v0
    for _ in range(n):
        a1 = -k * x - c * v
        xm = x + 0.5 * dt * v
        vm = v + 0.5 * dt * a1
        a2 = -k * xm - c * vm
        x = x + dt * vm
        v = v + dt * a2
    return x * x + 0.5 * v * v


def test_an_integrator_pushes_only_its_state():
    """-k and 0.5 * dt leave the loop and the midpoints are computed again in the adjoint:
    2 pushes per step (x, v), as a hand-written reverse sweep stores, not 8."""
    df = srcdiff.grad(rk2, wrt=(0, 1))
    args = (2.0, 0.3, 1.0, 0.0, 0.01, 20)
    got = df(*args)
    assert got == pytest.approx(srcdiff.grad(rk2, wrt=(0, 1), optimize=False)(*args), rel=1e-13)
    loop = srcdiff.source(df).split("for _ in range(n):")[1].split("d_")[0]
    assert loop.count("_stack.append") == 2
    assert "xm_again = x + _t4 * v" in srcdiff.source(df)
    plain = srcdiff.source(srcdiff.grad(rk2, wrt=(0, 1), optimize=False))
    assert "_again" not in plain


def counter_loop(x, n):
    k = 0
    total = 0.0
    while k < n:
        k = k + 1
        t = x * k  # k changed before: t must not be recomputed from the new k
        total = total + math.sin(t)
    return total


def overwritten_operand(x, n):
    s = 0.0
    for i in range(n):
        a = x * 2.0
        b = a + x
        x = x * 0.5  # b's operand changes before b's adjoint runs
        s = s + math.sin(b) * x
    return s


@pytest.mark.parametrize(
    "f,args", [(counter_loop, (0.4, 3)), (overwritten_operand, (0.7, 4)), (rk2, (2.0, 0.3, 1.0, 0.5, 0.01, 9))]
)
def test_recomputed_values_equal_saved_ones(f, args):
    expected = srcdiff.grad(f, optimize=False)(*args)
    assert srcdiff.grad(f)(*args) == pytest.approx(expected, rel=1e-13)
    srcdiff.check_grads(f, args)
