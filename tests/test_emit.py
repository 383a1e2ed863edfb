"""Unit tests of :mod:`srcdiff.backend.emit`: gast -> source -> a live function with closure cells,
whose source ``inspect``, tracebacks and ``linecache`` can show."""

from __future__ import annotations

import inspect
import linecache
import math
import re
import traceback
import types

import gast
import pytest

import srcdiff
from srcdiff.backend.emit import compile_function, to_source

PSEUDO_FILE = re.compile(r"^<srcdiff (?P<label>.+) #(?P<n>\d+)>$")


def function_tree(text):
    tree = gast.parse(text).body[0]
    assert isinstance(tree, gast.FunctionDef)
    return tree


def raise_inside(fn, *args):
    """Call ``fn``, expect an exception, return the traceback's frames."""
    try:
        fn(*args)
    except Exception as err:  # noqa: BLE001
        return err, traceback.extract_tb(err.__traceback__)
    raise AssertionError(f"{fn} did not raise")


# ============================================================== to_source


def test_to_source_is_plain_python():
    tree = function_tree("def f(x, y=2.0):\n    z = x * y\n    return z\n")
    assert to_source(tree) == "def f(x, y=2.0):\n    z = x * y\n    return z\n"


def test_empty_if_body_is_emitted_as_if_not():
    tree = function_tree("def f(c):\n    if c:\n        pass\n    else:\n        g = 1\n    return g\n")
    tree.body[0].body = []  # what passes leave behind when a branch has nothing left
    assert to_source(tree) == "def f(c):\n    if not c:\n        g = 1\n    return g\n"


def test_empty_if_body_under_not_drops_the_not():
    tree = function_tree("def f(c):\n    if not c:\n        pass\n    else:\n        g = 1\n    return g\n")
    tree.body[0].body = []
    assert to_source(tree) == "def f(c):\n    if c:\n        g = 1\n    return g\n"


def test_empty_if_in_a_loop_and_fully_empty_if():
    tree = function_tree("def f(c, r):\n    for i in r:\n        if c:\n            pass\n        else:\n"
                         "            g = i\n    if c:\n        pass\n    return g\n")
    tree.body[0].body[0].body = []
    tree.body[1].body = []
    assert to_source(tree) == ("def f(c, r):\n    for i in r:\n        if not c:\n            g = i\n"
                               "    if c:\n        pass\n    return g\n")


def test_to_source_does_not_change_the_tree():
    tree = function_tree("def f(c):\n    if c:\n        pass\n    else:\n        g = 1\n    return g\n")
    tree.body[0].body = []
    to_source(tree)
    assert tree.body[0].body == [] and len(tree.body[0].orelse) == 1
    assert isinstance(tree.body[0].test, gast.Name)


# ============================================================== compile_function


def test_compile_function_closes_over_the_cells_it_uses():
    tree = function_tree("def twice(x):\n    return scale * x + offset\n")
    cells = {"scale": types.CellType(2.0), "offset": types.CellType(1.0), "unused": types.CellType("no")}
    fn = compile_function(tree, {}, cells, "demo")
    assert fn(3.0) == 7.0
    assert fn.__name__ == "twice"
    assert set(fn.__code__.co_freevars) == {"scale", "offset"}
    assert {c.cell_contents for c in fn.__closure__} == {2.0, 1.0}


def test_cells_are_shared_so_a_later_change_is_seen():
    cell = types.CellType(2.0)
    fn = compile_function(function_tree("def twice(x):\n    return scale * x\n"), {}, {"scale": cell}, "demo")
    cell.cell_contents = 10.0
    assert fn(3.0) == 30.0
    assert fn.__closure__[0] is cell


def test_globals_are_the_dict_given_and_stay_live():
    namespace = {"OFFSET": 1.0}
    fn = compile_function(function_tree("def shift(x):\n    return x + OFFSET\n"), namespace, {}, "demo")
    assert fn.__globals__ is namespace
    assert fn(1.0) == 2.0
    namespace["OFFSET"] = 5.0
    assert fn(1.0) == 6.0
    assert "shift" not in namespace  # nothing is written into the user's namespace


def test_cells_take_precedence_over_globals():
    fn = compile_function(function_tree("def f(x):\n    return math.sqrt(x)\n"), {"math": "the user's"},
                          {"math": types.CellType(math)}, "demo")
    assert fn(9.0) == 3.0


def test_defaults_and_keyword_only_defaults():
    tree = function_tree("def f(x, y=1.0, *, z=2.0):\n    return x + y + z\n")
    fn = compile_function(tree, {}, {}, "demo", defaults=(10.0,), kwdefaults={"z": 100.0})
    assert fn(1.0) == 111.0
    assert fn(1.0, 2.0, z=3.0) == 6.0


def test_parameter_named_like_a_cell_is_a_local():
    fn = compile_function(function_tree("def f(scale):\n    return scale * 2\n"), {},
                          {"scale": types.CellType(100.0)}, "demo")
    assert fn(3.0) == 6.0
    assert fn.__code__.co_freevars == ()


# ============================================================== source registration


def test_generated_source_is_kept_on_the_function():
    tree = function_tree("def twice(x):\n    return 2 * x\n")
    fn = compile_function(tree, {}, {}, "demo")
    assert fn.__srcdiff_source__ == to_source(tree)


def test_inspect_getsource_of_a_generated_function():
    fn = compile_function(function_tree("def twice(x):\n    return scale * x\n"), {},
                          {"scale": types.CellType(2.0)}, "demo")
    text = inspect.getsource(fn)
    assert text.strip().startswith("def twice(x):")
    assert "return scale * x" in text
    assert PSEUDO_FILE.match(inspect.getfile(fn))


def test_each_compilation_gets_its_own_pseudo_file():
    tree = function_tree("def f(x):\n    return x\n")
    a = compile_function(tree, {}, {}, "grad of f")
    b = compile_function(tree, {}, {}, "grad of f")
    fa, fb = a.__code__.co_filename, b.__code__.co_filename
    assert fa != fb
    assert PSEUDO_FILE.match(fa).group("label") == "grad of f"
    assert int(PSEUDO_FILE.match(fb).group("n")) > int(PSEUDO_FILE.match(fa).group("n"))


def test_linecache_keeps_the_source_after_checkcache():
    fn = compile_function(function_tree("def f(x):\n    return x\n"), {}, {}, "demo")
    linecache.checkcache()
    assert "return x" in "".join(linecache.getlines(fn.__code__.co_filename))


def test_traceback_inside_generated_code_names_the_pseudo_file_and_shows_the_line():
    tree = function_tree("def inverse(x):\n    y = x * 2.0\n    z = 1.0 / (y - y)\n    return z\n")
    fn = compile_function(tree, {}, {}, "demo")
    err, frames = raise_inside(fn, 1.0)
    assert isinstance(err, ZeroDivisionError)
    last = frames[-1]
    assert PSEUDO_FILE.match(last.filename)
    assert last.name == "inverse"
    assert last.line == "z = 1.0 / (y - y)"
    assert linecache.getline(last.filename, last.lineno).strip() == "z = 1.0 / (y - y)"
    formatted = "".join(traceback.format_exception(err))
    assert f'File "{last.filename}"' in formatted and "z = 1.0 / (y - y)" in formatted


def log_of(x):
    y = x * 2.0
    return math.log(y)


def test_traceback_from_a_real_gradient_shows_generated_code():
    df = srcdiff.grad(log_of)
    assert df(1.0) == pytest.approx(1.0)
    err, frames = raise_inside(df, -1.0)
    assert isinstance(err, ValueError)
    generated = [f for f in frames if PSEUDO_FILE.match(f.filename)]
    assert generated, [f.filename for f in frames]
    frame = generated[-1]
    assert PSEUDO_FILE.match(frame.filename).group("label") == "grad of log_of"
    assert frame.name == "grad_log_of"
    assert "math.log(y)" in frame.line
    assert frame.line.strip() in srcdiff.source(df)


def test_inspect_getsource_of_a_real_gradient_matches_srcdiff_source():
    df = srcdiff.grad(log_of)
    try:
        df(-1.0)
    except ValueError as err:
        tb = err.__traceback__
    codes = []
    while tb is not None:
        if PSEUDO_FILE.match(tb.tb_frame.f_code.co_filename):
            codes.append(tb.tb_frame.f_code)
        tb = tb.tb_next
    text = inspect.getsource(codes[-1])
    assert [line.strip() for line in text.splitlines()] == \
        [line.strip() for line in srcdiff.source(df).strip().splitlines()]
