"""optimize=False keeps the plain code: the same numbers as the optimized code, more pushes."""

from __future__ import annotations

import math

import numpy as np
import pytest

import srcdiff
from srcdiff.tools.cli import main

import test_reverse_scalar as scalar_programs  # noqa: E402  (tests dir is on sys.path)


def loop_overwrites(x, y):
    s = 0.0
    p = 1.0
    for i in range(4):
        t = x * i
        s = s + math.sin(t) * y
        p = p * x
    return s + p


PROGRAMS = [(loop_overwrites, (0.7, 1.3))] + [
    (getattr(scalar_programs, name), (0.8, 1.7))
    for name in ("band", "model_positional", "horner_of_x") if hasattr(scalar_programs, name)
]


@pytest.mark.parametrize("f, args", PROGRAMS, ids=[f.__name__ for f, _ in PROGRAMS])
def test_optimized_and_plain_code_agree(f, args):
    wrt = tuple(range(len(args)))
    fast = srcdiff.grad(f, wrt=wrt)(*args)
    plain = srcdiff.grad(f, wrt=wrt, optimize=False)(*args)
    assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15) for a, b in zip(fast, plain))


def array_program(w, x):
    h = np.tanh(x @ w)
    out = np.zeros(3)
    for i in range(3):
        out[i] = np.sum(h[i] * h[i])
    return np.sum(out) + np.sum(h)


def test_optimized_and_plain_code_agree_on_arrays():
    rng = np.random.default_rng(0)
    w, x = rng.standard_normal((4, 2)), rng.standard_normal((3, 4))
    fast = srcdiff.grad(array_program, wrt=(0, 1))(w, x)
    plain = srcdiff.grad(array_program, wrt=(0, 1), optimize=False)(w, x)
    for a, b in zip(fast, plain):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_the_optimized_code_pushes_less():
    fast = srcdiff.grad(loop_overwrites, wrt=(0, 1))
    plain = srcdiff.grad(loop_overwrites, wrt=(0, 1), optimize=False)
    fast(0.7, 1.3)
    plain(0.7, 1.3)
    assert srcdiff.source(fast).count(".append(") < srcdiff.source(plain).count(".append(")


def test_dump_stats_counts_pushes_per_iteration(tmp_path, capsys):
    path = tmp_path / "stats_mod.py"
    path.write_text("import math\ndef f(x: float, y: float):\n    s = 0.0\n    p = 1.0\n"
                    "    for i in range(3):\n        t = x * i\n        s = s + math.sin(t) * y\n"
                    "        p = p * x\n    return s + p\n")
    assert main(["dump", f"{path}:f", "--wrt", "x,y", "--stats"]) == 0
    out = capsys.readouterr().out
    import re

    pushes = int(re.search(r"loop at stats_mod.py:5: (\d+)", out).group(1))
    assert 1 <= pushes <= 4  # the values the adjoint of one iteration reads (t for cos, old p for p * x...)
    assert "saves left out (to-be-recorded analysis): " in out


def with_inactive_work(x, n):
    k = 0
    scale = float(n) * 2.0  # depends only on n (not differentiated)
    total = 0.0
    while k < n:
        k = k + 1
        total = total + math.sin(x * k) * scale
    return total


def test_inactive_variables_get_no_adjoint_statements():
    df = srcdiff.grad(with_inactive_work)
    assert math.isclose(df(0.4, 3), sum(math.cos(0.4 * k) * k * 6.0 for k in range(1, 4)), rel_tol=1e-12)
    text = srcdiff.source(df)
    assert "dscale" not in text and "dk" not in text and "dn" not in text
