"""Unit tests of :mod:`srcdiff.frontend.capture`: from a live function to its tree and namespace."""

from __future__ import annotations

import functools
import inspect
import linecache
import math

import gast
import pytest

import srcdiff
from srcdiff.frontend.capture import CapturedFunction, capture
from srcdiff.errors import SourceUnavailableError, SrcDiffError, UnsupportedSyntaxError

OFFSET = 1.0


def tag(fn):
    fn.tagged = True
    return fn


def scaled(factor):
    def decorate(fn):
        fn.factor = factor
        return fn
    return decorate


@tag
@scaled(2.0)
def decorated(x):
    return x * 2.0 + OFFSET


def plain(x, y=2.0, *, z=3.0):
    return x * y + z


def reads_global(x):
    return x + OFFSET


def make_closure(k):
    def closed(x):
        return k * x + OFFSET

    def rebind(value):
        nonlocal k
        k = value

    return closed, rebind


def make_late_closure():
    def uses_later(x):
        return later * x

    f = uses_later
    later = 5.0  # noqa: F841 -- assigned after the def: the cell starts empty
    return f


def make_empty_cell_closure():
    def uses_unbound(x):
        return never * x  # noqa: F821

    if False:
        never = 1.0  # noqa: F841
    return uses_unbound


class Shape:
    def area(self, r):
        return math.pi * r * r


def outer_with_inner():
    def inner(x):
        return x * x
    return inner


def generator(x):
    yield x


async def coroutine(x):
    return x


async def async_generator(x):
    yield x


square_lambda = lambda x: x * x  # noqa: E731


def wrapping(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        return fn(*args)
    return wrapper


@wrapping
def wrapped(x):
    return x * 3.0


# ============================================================== the tree


def test_tree_is_the_function_def_with_its_params():
    captured = capture(plain)
    assert isinstance(captured, CapturedFunction)
    assert isinstance(captured.tree, gast.FunctionDef)
    assert captured.name == "plain"
    assert [a.id for a in captured.tree.args.args] == ["x", "y"]
    assert [a.id for a in captured.tree.args.kwonlyargs] == ["z"]
    assert captured.fn is plain


def test_decorators_are_stripped():
    captured = capture(decorated)
    assert decorated.tagged and decorated.factor == 2.0  # the decorators did run
    assert captured.tree.decorator_list == []
    assert captured.tree.name == "decorated"


def test_first_line_and_line_map_tree_lines_to_the_file():
    captured = capture(decorated)
    lines, first = inspect.getsourcelines(decorated)
    assert captured.filename == __file__
    assert captured.first_line == first  # the first decorator line
    ret = captured.tree.body[0]
    assert isinstance(ret, gast.Return)
    assert linecache.getline(__file__, captured.line(ret)).strip() == "return x * 2.0 + OFFSET"


def test_method_defined_in_a_class_is_dedented():
    captured = capture(Shape.area)
    assert captured.tree.name == "area"
    assert [a.id for a in captured.tree.args.args] == ["self", "r"]
    line = captured.line(captured.tree.body[0])
    assert linecache.getline(__file__, line).strip() == "return math.pi * r * r"


def test_nested_function_is_dedented():
    inner = outer_with_inner()
    captured = capture(inner)
    assert captured.tree.name == "inner"
    assert linecache.getline(__file__, captured.line(captured.tree.body[0])).strip() == "return x * x"


def test_capture_does_not_change_the_function():
    before = decorated(1.5)
    capture(decorated)
    assert decorated(1.5) == before
    assert decorated.tagged


# ============================================================== names


def test_globals_are_the_live_module_dict():
    captured = capture(reads_global)
    assert captured.globals is globals()
    assert captured.resolve("OFFSET") == (True, 1.0)


def test_a_global_changed_after_capture_is_seen(monkeypatch):
    captured = capture(reads_global)
    monkeypatch.setitem(globals(), "OFFSET", 10.0)
    assert captured.resolve("OFFSET") == (True, 10.0)


def test_a_global_defined_after_capture_is_seen(monkeypatch):
    captured = capture(reads_global)
    assert captured.resolve("DEFINED_LATER") == (False, None)
    monkeypatch.setitem(globals(), "DEFINED_LATER", "here")
    assert captured.resolve("DEFINED_LATER") == (True, "here")


def test_closure_cells_are_resolved():
    closed, _ = make_closure(4.0)
    captured = capture(closed)
    assert set(captured.cells) == {"k"}
    assert captured.resolve("k") == (True, 4.0)
    assert captured.resolve("OFFSET") == (True, OFFSET)


def test_closure_cells_are_shared_not_copied():
    closed, rebind = make_closure(4.0)
    captured = capture(closed)
    assert captured.cells["k"] is closed.__closure__[0]
    rebind(7.0)
    assert captured.resolve("k") == (True, 7.0)


def test_cell_filled_after_the_def_is_resolved():
    captured = capture(make_late_closure())
    assert captured.resolve("later") == (True, 5.0)


def test_empty_cell_is_not_found():
    captured = capture(make_empty_cell_closure())
    assert "never" in captured.cells
    assert captured.resolve("never") == (False, None)


def test_closure_shadows_a_global_of_the_same_name(monkeypatch):
    monkeypatch.setitem(globals(), "k", "the global")
    closed, _ = make_closure(2.0)
    assert capture(closed).resolve("k") == (True, 2.0)


def test_builtins_are_resolved_after_globals(monkeypatch):
    captured = capture(plain)
    assert captured.resolve("len") == (True, len)
    assert captured.resolve("no_such_name_anywhere") == (False, None)
    monkeypatch.setitem(globals(), "len", "shadowed")
    assert captured.resolve("len") == (True, "shadowed")


# ============================================================== refusals


@pytest.mark.parametrize("fn", [len, math.sin, print, dict.get, "a string", 3.0],
                         ids=["len", "math.sin", "print", "method_descriptor", "str", "float"])
def test_things_without_python_source_are_refused(fn):
    with pytest.raises(SourceUnavailableError) as info:
        capture(fn)
    assert "not a Python function" in info.value.problem


def test_callable_object_and_partial_are_refused():
    class Callable:
        def __call__(self, x):
            return x

    for fn in (Callable(), functools.partial(plain, 1.0), Shape().area):
        with pytest.raises(SourceUnavailableError):
            capture(fn)


def test_function_made_by_exec_is_refused():
    namespace: dict = {}
    exec("def made(x):\n    return x * 2\n", namespace)
    with pytest.raises(SourceUnavailableError) as info:
        capture(namespace["made"])
    err = info.value
    assert err.function == "made"
    assert err.filename == "<string>"
    assert "exec" in err.problem
    assert "define the function in a .py file" in err.hint


def test_function_made_by_compile_with_a_fake_filename_is_refused():
    namespace: dict = {}
    exec(compile("def made(x):\n    return x\n", "/no/such/dir/module.py", "exec"), namespace)
    with pytest.raises(SourceUnavailableError) as info:
        capture(namespace["made"])
    assert "no longer readable" in info.value.problem


def test_a_lambda_is_read_as_a_def():
    captured = capture(square_lambda)
    assert captured.tree.name == f"lambda_line{line_of_lambda(square_lambda)}"
    assert srcdiff.grad(square_lambda)(1.5) == 3.0


first_of_two, second_of_two = (lambda x: x * 2.0), (lambda x: x**3)  # noqa: E731


def line_of_lambda(fn):
    return fn.__code__.co_firstlineno


def test_two_lambdas_on_a_line_are_each_read_as_themselves():
    assert srcdiff.grad(first_of_two)(1.5) == 2.0
    assert srcdiff.grad(second_of_two)(2.0) == 12.0


def test_a_lambda_that_does_not_parse_on_its_own_is_refused():
    made = dict(
        f=0.0, g=lambda x: x * x)["g"]  # noqa: E731
    with pytest.raises(SourceUnavailableError, match="could not be parsed on its own") as info:
        capture(made)
    assert "def" in info.value.hint


def test_functools_wraps_wrapper_is_not_mistaken_for_the_wrapped_function():
    """``inspect`` would follow ``__wrapped__`` to the wrapped source; capture reads the wrapper's own code."""
    captured = capture(wrapped)
    assert captured.tree.name == wrapped.__code__.co_name


@pytest.mark.parametrize("fn, word", [(generator, "generator"), (async_generator, "generator"),
                                      (coroutine, "async")])
def test_generators_and_coroutines_are_unsupported_syntax(fn, word):
    with pytest.raises(UnsupportedSyntaxError) as info:
        capture(fn)
    err = info.value
    assert word in err.problem
    assert err.lineno == fn.__code__.co_firstlineno
    assert err.filename == __file__


def test_every_refusal_is_a_srcdiff_error():
    assert issubclass(SourceUnavailableError, SrcDiffError)
    with pytest.raises(SrcDiffError):
        capture(len)
