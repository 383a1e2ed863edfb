"""Unit tests of :mod:`srcdiff.transform.record`: save/restore markers become stack pushes and pops
only for the names the adjoint sweep reads.

The first half drives :func:`srcdiff.transform.record.place` with hand-written marker
lists; the second counts the pushes in generated gradients of small loops.
"""

from __future__ import annotations

import ast
import math

import gast
import pytest

import srcdiff
from srcdiff.backend.emit import to_source
from srcdiff.transform.record import adjoint_reads, place, restore_marker, save_marker


def stmts(text):
    return gast.parse(text).body


def source(body):
    return to_source(gast.Module(body=body, type_ignores=[]))


# ============================================================== place() on markers


def test_value_the_adjoint_does_not_read_is_not_saved():
    primal = [save_marker("x", None)] + stmts("x = x0 * 2")
    adjoint = stmts("dx0 = dx0 + 2 * dx") + [restore_marker("x", None)]
    placed = place(primal, adjoint, "_stack")
    assert placed.saved == []
    assert source(placed.primal) == "x = x0 * 2\n"
    assert source(placed.adjoint) == "dx0 = dx0 + 2 * dx\n"


def test_value_the_adjoint_reads_is_pushed_and_popped():
    primal = [save_marker("p", None)] + stmts("p = p0 * x")
    adjoint = stmts("dx = dx + dp * p") + [restore_marker("p", None)]
    placed = place(primal, adjoint, "_stack")
    assert placed.saved == ["p"]
    assert "p" in placed.read
    assert source(placed.primal) == "_stack.append(p)\np = p0 * x\n"
    assert source(placed.adjoint) == "dx = dx + dp * p\np = _stack.pop()\n"


def test_stack_name_is_the_one_given():
    placed = place([save_marker("p", None)], stmts("q = p") + [restore_marker("p", None)], "_stack_1")
    assert source(placed.primal) == "_stack_1.append(p)\n"
    assert source(placed.adjoint) == "q = p\np = _stack_1.pop()\n"


def test_each_saved_name_is_listed_once_in_first_push_order():
    primal = [save_marker("b", None), save_marker("a", None), save_marker("b", None), save_marker("c", None)]
    adjoint = stmts("g = a * b")
    placed = place(primal, adjoint, "_stack")
    assert placed.saved == ["b", "a"]
    assert source(placed.primal).count(".append(") == 3


def test_adjoint_reads_only_counts_loads():
    assert adjoint_reads(stmts("a = b + c\nd = a")) == {"a", "b", "c"}
    assert adjoint_reads(stmts("x = 1.0")) == set()


def test_markers_keep_the_line_of_the_statement_they_stand_for():
    at = stmts("\n\np = p * x")[0]
    placed = place([save_marker("p", at)], stmts("q = p") + [restore_marker("p", at)], "_stack")
    assert placed.primal[0].lineno == 3
    assert placed.adjoint[-1].lineno == 3


def test_markers_inside_branches_and_loops_are_rewritten():
    primal = stmts("if c:\n    pass\nfor i in r:\n    pass")
    primal[0].body = [save_marker("y", None)] + stmts("y = y0 * 2")
    primal[1].body = [save_marker("z", None)] + stmts("z = z0 + i")
    adjoint = stmts("if c:\n    pass\nfor i in r:\n    pass")
    adjoint[0].body = stmts("dy0 = dy0 + dy * y") + [restore_marker("y", None)]
    adjoint[1].body = [restore_marker("z", None)]
    placed = place(primal, adjoint, "_stack")
    assert placed.saved == ["y"]
    assert source(placed.primal) == "if c:\n    _stack.append(y)\n    y = y0 * 2\nfor i in r:\n    z = z0 + i\n"
    # the adjoint loop had nothing but a dropped restore: it is gone
    assert source(placed.adjoint) == "if c:\n    dy0 = dy0 + dy * y\n    y = _stack.pop()\n"


def test_emptied_blocks_are_dropped_or_padded():
    primal = stmts("if c:\n    pass\nfor i in r:\n    pass\nwhile w:\n    pass")
    for s in primal:
        s.body = [save_marker("v", None)]
    adjoint = stmts("if c:\n    pass\nelse:\n    g = 1\nfor i in r:\n    pass\nwhile w:\n    pass")
    for s in adjoint:
        s.body = [restore_marker("v", None)]
    placed = place(primal, adjoint, "_stack")
    # primal: an emptied `if` goes, loops stay (with `pass`): they still run their iterations
    assert source(placed.primal) == "for i in r:\n    pass\nwhile w:\n    pass\n"
    # adjoint: an `if` with an else stays (as `if not c`), a backwards `for` with nothing to do goes
    assert source(placed.adjoint) == "if not c:\n    g = 1\nwhile w:\n    pass\n"


# ============================================================== pushes in generated gradients


def accumulates(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * i
    return s


def multiplies(x, n):
    p = 1.0
    for i in range(n):
        p = p * x
    return p


def multiplies_while(x):
    p = x
    while p < 100.0:
        p = p * x
    return p


def adds_constants(x, n):
    s = x
    for i in range(n):
        s = s + 1.0
        s = s * 2.0
    return s


def overwrites_once(x):
    y = x * x
    y = y * x
    return y


def overwrites_with_unread_value(x):
    y = x * 3.0
    y = math.sin(x)
    return y


def overwrites_in_branch(x):
    y = x * 2.0
    if x > 0:
        y = y * y
    return y


def generated(f, *args):
    """Source of ``grad(f)`` after one call with ``args`` (so it is built for these kinds)."""
    df = srcdiff.grad(f)
    df(*args)
    return srcdiff.source(df)


def primal_loop(text):
    """The first loop of the generated function (the primal sweep's)."""
    fn = ast.parse(text).body[0]
    return next(s for s in fn.body if isinstance(s, (ast.For, ast.While)))


def pushes_in(node):
    return sum(1 for n in ast.walk(node) if isinstance(n, ast.Attribute) and n.attr == "append")


@pytest.mark.parametrize("f, args, pushes", [
    (accumulates, (2.0, 3), 0),
    (adds_constants, (2.0, 3), 0),
    (multiplies, (2.0, 3), 1),
    (multiplies_while, (2.0,), 1),
    (overwrites_once, (2.0,), 1),
    (overwrites_with_unread_value, (2.0,), 0),
    (overwrites_in_branch, (2.0,), 1),
], ids=lambda v: getattr(v, "__name__", None))
def test_number_of_pushes(f, args, pushes):
    text = generated(f, *args)
    assert text.count(".append(") == pushes, text
    assert text.count(".pop()") == pushes, text


def test_accumulation_needs_no_stack_at_all():
    text = generated(accumulates, 2.0, 3)
    assert "_stack" not in text


def test_product_pushes_its_old_value_once_per_iteration():
    text = generated(multiplies, 2.0, 3)
    loop = primal_loop(text)
    assert isinstance(loop, ast.For)
    assert pushes_in(loop) == 1
    push = next(n for n in ast.walk(loop) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "append")
    assert ast.unparse(push) == "_stack.append(p)"


def test_while_loop_pushes_inside_the_loop():
    loop = primal_loop(generated(multiplies_while, 2.0))
    assert isinstance(loop, ast.While)
    assert pushes_in(loop) == 1


@pytest.mark.parametrize("f, args, want", [
    (accumulates, (2.0, 4), 6.0),
    (multiplies, (2.0, 4), 32.0),
    (multiplies_while, (3.0,), 5 * 3.0 ** 4),  # 3 -> 9 -> 27 -> 81 -> 243 = x ** 5
    (adds_constants, (2.0, 3), 8.0),
    (overwrites_once, (2.0,), 12.0),
    (overwrites_with_unread_value, (0.5,), math.cos(0.5)),
    (overwrites_in_branch, (1.5,), 8 * 1.5),
    (overwrites_in_branch, (-1.5,), 2.0),
], ids=lambda v: getattr(v, "__name__", None))
def test_gradients_with_and_without_pushes_are_right(f, args, want):
    assert srcdiff.grad(f)(*args) == pytest.approx(want)


def test_repeated_calls_start_from_an_empty_stack():
    df = srcdiff.grad(multiplies)
    assert [df(2.0, n) for n in (3, 1, 4, 0, 3)] == [12.0, 1.0, 32.0, 0.0, 12.0]
