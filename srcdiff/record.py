"""To-be-recorded analysis: push a destroyed value only if the adjoint sweep reads it.

The reverse transform marks every assignment that may destroy a value with a
*save* marker (primal sweep) and a *restore* marker (adjoint sweep).  Here the
markers become ``stack.append(x)`` / ``x = stack.pop()`` for the names the
adjoint sweep actually reads, and disappear for all others.

>>> import gast
>>> from srcdiff.emit import to_source
>>> primal = [save_marker("x", None), gast.parse("x = x0 * 2").body[0]]
>>> adjoint = [gast.parse("dx0 = dx0 + 2 * dx").body[0], restore_marker("x", None)]
>>> placed = place(primal, adjoint, "_stack")
>>> placed.saved
[]
"""

from __future__ import annotations

from dataclasses import dataclass

import gast

from .syntax import assign, call, const, expr_stmt, load, located

_SAVE = "srcdiff_save"
_RESTORE = "srcdiff_restore"


def save_marker(name: str, at: gast.AST | None) -> gast.stmt:
    node = located(gast.Expr(value=const(None)), at)
    setattr(node, _SAVE, name)
    return node


def restore_marker(name: str, at: gast.AST | None) -> gast.stmt:
    node = located(gast.Expr(value=const(None)), at)
    setattr(node, _RESTORE, name)
    return node


@dataclass
class Placed:
    primal: list[gast.stmt]
    adjoint: list[gast.stmt]
    saved: list[str]  # names pushed somewhere (they need a value before their first push)
    read: set[str]  # names the adjoint sweep reads


def adjoint_reads(stmts: list[gast.stmt]) -> set[str]:
    """Names loaded anywhere in ``stmts``."""
    return {n.id for s in stmts for n in gast.walk(s) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


def place(primal: list[gast.stmt], adjoint: list[gast.stmt], stack: str) -> Placed:
    """Turn markers into stack operations for the names the adjoint reads; drop the rest."""
    read = adjoint_reads(adjoint)
    saved: list[str] = []

    def rewrite(stmts: list[gast.stmt], backwards: bool) -> list[gast.stmt]:
        out = []
        for s in stmts:
            name = getattr(s, _SAVE, None)
            if name is not None:
                if name in read:
                    out.append(expr_stmt(call(gast.Attribute(value=load(stack), attr="append", ctx=gast.Load()),
                                              load(name)), s))
                    if name not in saved:
                        saved.append(name)
                continue
            name = getattr(s, _RESTORE, None)
            if name is not None:
                if name in read:
                    out.append(assign(name, call(gast.Attribute(value=load(stack), attr="pop", ctx=gast.Load())), s))
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

    return Placed(rewrite(primal, False), rewrite(adjoint, True), saved, read)
