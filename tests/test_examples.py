"""The scripts in examples/ run, print something, and compute the right numbers."""

from __future__ import annotations

import importlib.util
import inspect
import math
import re
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import srcdiff
import srcdiff.tools.cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py"))


def load_example(name: str) -> ModuleType:
    """Import examples/<name> by path under a private module name."""
    path = EXAMPLES / name
    module_name = f"_srcdiff_example_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def central_difference(fn, x: float, h: float = 1e-6) -> float:
    return (fn(x + h) - fn(x - h)) / (2 * h)


def test_there_are_at_least_three_examples():
    assert {"seed.py", "newton.py", "fit_loop.py"} <= set(SCRIPTS)


@pytest.mark.parametrize("name", SCRIPTS)
def test_example_main_runs(name, capsys):
    module = load_example(name)
    assert module.__doc__, f"{name} has no module docstring"
    if "steps" in inspect.signature(module.main).parameters:
        module.main(steps=2)  # training examples: a couple of steps are enough here
    else:
        module.main()
    out = capsys.readouterr().out
    assert out.strip(), f"{name} printed nothing"


@pytest.mark.parametrize("x", [-1.0, 0.25, 0.5, 1.0, 1.5])
def test_seed_gradient_matches_finite_differences(x):
    seed = load_example("seed.py")
    df = srcdiff.grad(seed.f)
    expected = central_difference(seed.f, x)
    assert df(x) == pytest.approx(expected, rel=1e-6, abs=1e-6)
    assert df(x) == pytest.approx(seed.df_by_hand(x), rel=1e-10, abs=1e-12)


def test_seed_two_parameter_gradient():
    seed = load_example("seed.py")
    assert srcdiff.grad(seed.g, wrt=(0, 1))(3.0, 4.0) == (2.0, -1.0)


def test_newton_finds_a_root():
    newton = load_example("newton.py")
    rate, iterates = newton.newton(newton.npv, x0=0.0)
    assert abs(newton.npv(rate)) < 1e-9
    assert len(iterates) < 12  # Newton converges fast with an exact derivative


def test_fit_loop_decreases_loss(capsys):
    fit = load_example("fit_loop.py")
    start = fit.loss(1.0, 0.1, fit.DATA)
    a, b = fit.fit(1.0, 0.1)
    capsys.readouterr()
    assert fit.loss(a, b, fit.DATA) < start / 100
    assert a == pytest.approx(3.0, abs=0.1)
    assert b == pytest.approx(0.5, abs=0.05)
    assert all(math.isfinite(v) for v in (a, b))


# --------------------------------------------------------------------------- numpy examples

#: example -> the ``wrt`` its training loop differentiates ``loss`` with respect to
NUMPY_EXAMPLES = {
    "logistic_regression.py": ("w", "b"),
    "mlp.py": "params",
    "convnet.py": "params",
    "rnn.py": "params",
}


def test_numpy_examples_exist():
    assert set(NUMPY_EXAMPLES) <= set(SCRIPTS)


@pytest.mark.parametrize("name", sorted(NUMPY_EXAMPLES))
def test_numpy_example_training_decreases_loss(name, capsys):
    module = load_example(name)
    module.main(steps=4)
    losses = [float(v) for v in re.findall(r"loss = ([0-9.]+)", capsys.readouterr().out)]
    assert len(losses) >= 2, f"{name} should print its loss at the first and last step"
    assert all(math.isfinite(v) for v in losses)
    assert losses[-1] < losses[0]


def _entries(value):
    """The arrays (or numbers) a parameter is made of: [(key, entry)], key None for the value itself."""
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, (list, tuple)):
        return list(enumerate(value))
    return [(None, value)]


def _nudged(args, position, key, index, delta):
    """A copy of ``args`` with element ``index`` of parameter ``position`` (entry ``key``) moved by ``delta``."""
    args = list(args)
    value = args[position]
    entry = value if key is None else value[key]
    if isinstance(entry, np.ndarray):
        entry = entry.copy()
        entry[index] += delta
    else:
        entry = entry + delta
    if key is None:
        value = entry
    else:
        value = dict(value) if isinstance(value, dict) else list(value)
        value[key] = entry
    args[position] = value
    return tuple(args)


def _copy(value):
    if isinstance(value, dict):
        return {k: np.copy(v) for k, v in value.items()}
    return np.copy(value)


@pytest.mark.parametrize("name", sorted(NUMPY_EXAMPLES))
def test_numpy_example_gradient_matches_finite_differences(name):
    """srcdiff's gradient of ``loss`` at ``example_args()`` against central differences.

    For every array a differentiated parameter holds, 4 randomly chosen coordinates
    (all of them if there are fewer) are checked, in float64 with h = 1e-6.
    """
    module = load_example(name)
    wrt = NUMPY_EXAMPLES[name]
    args = module.example_args()
    names = list(inspect.signature(module.loss).parameters)
    positions = [names.index(w) for w in (wrt if isinstance(wrt, tuple) else (wrt,))]
    before = [_copy(args[p]) for p in positions]
    grads = srcdiff.grad(module.loss, wrt=wrt)(*args)
    grads = grads if isinstance(wrt, tuple) else (grads,)
    for p, copy in zip(positions, before):  # the gradient call left its arguments alone
        for (_, now), (_, then) in zip(_entries(args[p]), _entries(copy)):
            np.testing.assert_array_equal(now, then)

    rng = np.random.default_rng(0)
    h = 1e-6
    checked = 0
    for position, grad in zip(positions, grads):
        param = args[position]
        if isinstance(param, dict):
            assert isinstance(grad, dict) and grad.keys() == param.keys()
        for key, entry in _entries(param):
            g = grad if key is None else grad[key]
            assert np.shape(g) == np.shape(entry), f"{name}: the gradient of {key or names[position]} has a wrong shape"
            size = int(np.size(entry))
            for flat in rng.choice(size, size=min(4, size), replace=False):
                index = np.unravel_index(flat, np.shape(entry))
                up = module.loss(*_nudged(args, position, key, index, h))
                down = module.loss(*_nudged(args, position, key, index, -h))
                expected = (up - down) / (2 * h)
                entry_name = names[position] + ("" if key is None else f"[{key!r}]")
                where = f"{name}: d loss / d {entry_name}{[int(i) for i in index]}"
                assert np.asarray(g)[index] == pytest.approx(expected, rel=1e-5, abs=1e-9), where
                checked += 1
    assert checked >= 5


@pytest.mark.parametrize("name", sorted(NUMPY_EXAMPLES))
def test_numpy_example_dump_with_example_args(name, capsys):
    wrt = NUMPY_EXAMPLES[name]
    wrt_args = ["--wrt", ",".join(wrt)] if isinstance(wrt, tuple) else []
    code = srcdiff.tools.cli.main(["dump", f"{EXAMPLES / name}:loss", "--example", "example_args", *wrt_args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "def grad_loss(" in captured.out
