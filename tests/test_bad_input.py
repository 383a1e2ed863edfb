"""Bad and extreme input: long and deeply nested functions, deep recursion, NaN/inf, and
errors raised inside generated code pointing back at the user's line."""

from __future__ import annotations

import math
import sys
import traceback

import numpy as np
import pytest
from helpers import load_module

import srcdiff


def test_a_long_function_transforms_without_recursion_errors(tmp_path):
    body = "".join("    y = y * 0.999 + math.sin(y) * 0.001\n" for _ in range(400))
    module = load_module(tmp_path, "long_400", f"import math\ndef f(x):\n    y = x\n{body}    return y\n")
    g = srcdiff.grad(module.f)(0.5)
    h = 1e-6
    assert math.isclose(g, (module.f(0.5 + h) - module.f(0.5 - h)) / (2 * h), rel_tol=1e-5)


def test_fifty_nested_ifs(tmp_path):
    lines, indent = ["def f(x):", "    y = x"], "    "
    for i in range(50):
        lines.append(f"{indent}if y > {-1000 - i}:")
        indent += "    "
        lines.append(f"{indent}y = y * 1.01")
    lines.append("    return y")
    module = load_module(tmp_path, "nested_ifs", "\n".join(lines) + "\n")
    assert math.isclose(srcdiff.grad(module.f)(0.5), 1.01**50, rel_tol=1e-12)


def test_recursion_deeper_than_the_limit_raises_recursion_error(tmp_path):
    module = load_module(tmp_path, "deep_mod", "def deep(x, n):\n    if n == 0:\n        return x\n"
                  "    return deep(x * 1.0001, n - 1) + 0.0\n")
    with pytest.raises(RecursionError):
        module.deep(1.0, 10 * sys.getrecursionlimit())
    with pytest.raises(RecursionError):
        srcdiff.grad(module.deep)(1.0, 10 * sys.getrecursionlimit())
    assert math.isclose(srcdiff.grad(module.deep)(1.0, 30), 1.0001**30, rel_tol=1e-12)


def nan_inf(x, y):
    return math.sqrt(x) * y + x / y


@pytest.mark.parametrize("args, expected", [
    ((float("nan"), 1.0), (math.nan, math.nan)),
    ((float("inf"), 2.0), (0.5, math.nan)),  # d/dy = sqrt(x) - x / y**2 = inf - inf
    ((4.0, float("inf")), (math.inf, 2.0)),
])
def test_nan_and_inf_follow_the_math(args, expected):
    with np.errstate(all="ignore"):
        got = srcdiff.grad(nan_inf, wrt=(0, 1))(*args)
    for g, e in zip(got, expected):
        assert (math.isnan(g) and math.isnan(e)) or g == e


def test_domain_errors_are_the_originals(tmp_path):
    with pytest.raises(ValueError, match="math domain error"):
        nan_inf(-1.0, 1.0)
    with pytest.raises(ValueError, match="math domain error"):
        srcdiff.grad(nan_inf)(-1.0, 1.0)


def test_an_error_in_generated_code_names_the_users_line(tmp_path):
    module = load_module(tmp_path, "err_mod", "import math\n\ndef f(x):\n    y = x * 2.0\n    return math.sqrt(y - 4.0)\n")
    with pytest.raises(ZeroDivisionError) as info:
        srcdiff.grad(module.f)(2.0)  # d sqrt at 0: the derivative divides by zero
    frames = traceback.extract_tb(info.value.__traceback__)
    generated = [fr for fr in frames if fr.filename.startswith("<srcdiff")]
    assert generated and generated[-1].line.endswith("# err_mod.py:5")  # the source line quotes the user's
    notes = getattr(info.value, "__notes__", [])
    assert any("err_mod.py:5" in note for note in notes)
