"""To-be-recorded analysis: push a destroyed value only if the adjoint sweep reads it.

The reverse transform marks every assignment that may destroy a value with a
*save* marker (primal sweep) and a *restore* marker (adjoint sweep).  Here the
markers become ``stack.append(x)`` / ``x = stack.pop()`` for the names the
adjoint sweep actually reads, and disappear for all others.

>>> import gast
>>> from srcdiff.backend.emit import to_source
>>> primal = [save_marker("x", None), gast.parse("x = x0 * 2").body[0]]
>>> adjoint = [gast.parse("dx0 = dx0 + 2 * dx").body[0], restore_marker("x", None)]
>>> placed = place(primal, adjoint, "_stack")
>>> placed.saved
[]
"""

from __future__ import annotations

from dataclasses import dataclass

import gast

from ..syntax import RESTORE, SAVE, assign, call, clone, const, expr_stmt, load, located, nodes_in


def save_marker(name: str, at: gast.AST | None, item: gast.expr | None = None) -> gast.stmt:
    """Before ``name`` (or its ``item``, for an in-place write) is overwritten."""
    return _marker(SAVE, name, at, item)


def restore_marker(name: str, at: gast.AST | None, item: gast.expr | None = None) -> gast.stmt:
    """After the adjoint of the statement that overwrote ``name`` (or its ``item``)."""
    return _marker(RESTORE, name, at, item)


def _marker(kind: str, name: str, at: gast.AST | None, item: gast.expr | None) -> gast.stmt:
    # The item is the marker's own expression, so every walker sees the names it reads: they
    # are read where the marker stands (a restore reads the write's bounds in the adjoint, and
    # those must be saved or recomputed like any other value the adjoint reads).
    node = located(gast.Expr(value=const(None) if item is None else item), at)
    setattr(node, kind, (name, item is not None))
    return node


@dataclass
class Placed:
    primal: list[gast.stmt]
    adjoint: list[gast.stmt]
    saved: list[str]  # names pushed somewhere (they need a value before their first push)
    read: set[str]  # names the adjoint sweep reads
    pushes: bool = False  # does anything use the stack at all
    dropped: int = 0  # saves left out because the adjoint never reads the value (to-be-recorded)


def adjoint_reads(stmts: list[gast.stmt]) -> set[str]:
    """Names loaded anywhere in ``stmts`` (a save marker's item is not read: it is its container)."""
    return {
        n.id
        for s in stmts
        if not hasattr(s, SAVE)
        for n in nodes_in(s)
        if type(n) is gast.Name and type(n.ctx) is gast.Load
    }


def place(
    primal: list[gast.stmt], adjoint: list[gast.stmt], stack: str, copy_helper: str = "copy_of", keep_all: bool = False
) -> Placed:
    """Turn markers into stack operations for the names the adjoint reads; drop the rest.
    An in-place write saves a copy of the item it overwrites (``copy_helper``) and puts it back."""
    read = adjoint_reads(adjoint)
    saved: list[str] = []
    used: list[bool] = []
    dropped: list[int] = []

    def rewrite(stmts: list[gast.stmt], backwards: bool) -> list[gast.stmt]:
        out = []
        for s in stmts:
            marked = getattr(s, SAVE, None)
            if marked is not None:
                name, item = marked[0], s.value if marked[1] else None
                if not (name in read or keep_all):
                    dropped.append(1)
                if name in read or keep_all:
                    value: gast.expr = load(name)
                    if item is not None:
                        value = call(copy_helper, gast.Subscript(value=load(name), slice=clone(item), ctx=gast.Load()))
                    out.append(
                        expr_stmt(call(gast.Attribute(value=load(stack), attr="append", ctx=gast.Load()), value), s)
                    )
                    if name not in saved and item is None:
                        saved.append(name)
                    used.append(True)
                continue
            marked = getattr(s, RESTORE, None)
            if marked is not None:
                name, item = marked[0], s.value if marked[1] else None
                if name in read or keep_all:
                    pop = call(gast.Attribute(value=load(stack), attr="pop", ctx=gast.Load()))
                    if item is None:
                        out.append(assign(name, pop, s))
                    else:
                        target = gast.Subscript(value=load(name), slice=clone(item), ctx=gast.Store())
                        out.append(located(gast.Assign(targets=[target], value=pop, type_comment=None), s))
                continue
            if isinstance(s, (gast.If, gast.While, gast.For)):
                s.body, s.orelse = rewrite(s.body, backwards), rewrite(s.orelse, backwards)
                if not s.body:
                    if isinstance(s, gast.If) and not s.orelse or backwards and isinstance(s, gast.For):
                        continue  # nothing left to do in it
                    if not isinstance(s, gast.If):
                        s.body = [gast.Pass()]
            out.append(s)
        return out

    primal, adjoint = rewrite(primal, False), rewrite(adjoint, True)
    return Placed(primal, adjoint, saved, read, bool(used), len(dropped))
