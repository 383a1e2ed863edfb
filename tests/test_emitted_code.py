"""What the emitted code does per iteration, for programs written the way users write them (data
in module-level globals): helper calls, stack pushes, accumulator allocations.  Upper bounds that
guard what the specialization on global data and the lean code paths bought (issue 14); a change
that makes the hot path call more of srcdiff's helpers, or push more, shows up here."""

from __future__ import annotations

import ast

import numpy as np

import srcdiff
from srcdiff.rules import TEMPLATE_GLOBALS

RNG = np.random.default_rng(11)
X = RNG.normal(size=(60, 5))
Y = (RNG.normal(size=60) > 0).astype(float)
XS = RNG.normal(size=(12, 1, 3))  # (steps, batch 1, inputs)
TARGET = RNG.normal(size=(1, 2))
# (Shaped, a stand-in for a value of known shape, is a constructor: not counted)
HELPERS = {name for name, value in TEMPLATE_GLOBALS.items() if callable(value) and name not in ("np", "Shaped")}


def logistic_loss(w, b):
    z = X @ w + b
    return np.mean(Y * np.logaddexp(0.0, -z) + (1.0 - Y) * np.logaddexp(0.0, z))


def rnn_loss(params):
    h = np.zeros((XS.shape[1], params["Wh"].shape[0]))
    for t in range(XS.shape[0]):
        h = np.tanh(XS[t] @ params["Wx"] + h @ params["Wh"] + params["b"])
    return np.mean((h @ params["Wy"] - TARGET) ** 2)


def _tree(df, *args):
    df(*args)
    return ast.parse(srcdiff.source(df).split("\n\n\n")[0])


def _helper_calls(node):
    return [n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            and n.func.id in HELPERS]


def _reverse_loop(tree):
    return next(n for n in ast.walk(tree) if isinstance(n, ast.For) and "reversed" in ast.unparse(n.iter))


def test_logistic_loss_on_global_data_calls_few_helpers():
    tree = _tree(srcdiff.grad(logistic_loss, wrt=(0, 1)), np.zeros(5), 0.0)
    calls = _helper_calls(tree)
    assert "matmul_adjoint" not in calls and "mean_adjoint" not in calls and "expand" not in calls
    assert len(calls) <= 5, calls  # (2 logistic, 1 unbroadcast to the bias, grad_like, owned_results)
    assert "X.T @" in ast.unparse(tree)


def test_rnn_step_on_global_data():
    params = {"Wx": RNG.normal(size=(3, 4)), "Wh": RNG.normal(size=(4, 4)) * 0.3, "b": np.zeros(4),
              "Wy": RNG.normal(size=(4, 2))}
    loop = _reverse_loop(_tree(srcdiff.grad(rnn_loss), params))
    pops = [n for n in ast.walk(loop) if isinstance(n, ast.Call) and ast.unparse(n.func).endswith(".pop")]
    calls = _helper_calls(loop)
    assert len(pops) <= 3, ast.unparse(loop)  # (the state, the step's input and a weight: see issue 14)
    assert calls.count("accumulate_at") == 3 and len(calls) <= 4, calls  # (and one unbroadcast of the bias)
    assert not [n for n in ast.walk(loop) if isinstance(n, ast.Attribute) and n.attr in ("zeros", "zeros_like")]
    assert "matmul_adjoint" not in calls


def test_weight_adjoints_are_summed_in_place():
    """The dict of parameter adjoints owns its arrays after the first two steps: later steps add
    into them (same objects), so a loop's gradient allocates no accumulator per step."""
    from srcdiff.runtime.items import accumulate_at

    params = {"W": np.zeros(3)}
    d = accumulate_at(0.0, params, "W", np.ones(3))
    d = accumulate_at(d, params, "W", np.ones(3))
    first = id(d["W"])  # (an id: a reference held here would make the array shared)
    for _ in range(5):
        d = accumulate_at(d, params, "W", np.ones(3))
    assert id(d["W"]) == first and np.array_equal(d["W"], np.full(3, 7.0))
    shared = d["W"]  # (held elsewhere too: never written into)
    d = accumulate_at(d, params, "W", np.ones(3))
    assert d["W"] is not shared and shared[0] == 7.0
