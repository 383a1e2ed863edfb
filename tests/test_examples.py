"""The scripts in examples/ run, print something, and compute the right numbers."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

import srcdiff

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
