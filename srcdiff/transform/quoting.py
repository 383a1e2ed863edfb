"""Quoted templates: generated code written as Python source, parsed with gast, and given the
names of the function at hand -- easier to read than the nodes built one by one, and the same
nodes.
"""

from __future__ import annotations

import textwrap
from typing import Any

import gast

from ..syntax import const, located
from .common import Stmts


def names_tuple(names: list[str], ctx: gast.expr_context) -> gast.Tuple:
    """``(a, b, c)``, loaded or stored (``ctx``)."""
    return gast.Tuple(elts=[gast.Name(id=n, ctx=ctx, annotation=None, type_comment=None) for n in names], ctx=ctx)


Part = str | tuple[str, ...] | Stmts
_POSITIONS = ("lineno", "col_offset", "end_lineno", "end_col_offset")


def quote(source: str, at: gast.AST | None, **parts: Part) -> Stmts:
    """The statements of the Python ``source``, each placed at ``at``, with its names replaced by
    ``parts``: by another name (a ``str``), by a tuple of names (a ``tuple``, loaded or stored as
    the name is), or -- a statement that is a name alone -- by statements (a ``list``, put in as
    they are, not searched for names).  ``-1`` is one constant, as :func:`~srcdiff.syntax.const`
    builds it, and the template's own positions are dropped: the nodes are the ones the builders
    of :mod:`srcdiff.syntax` would make.

    >>> import astor
    >>> [s] = quote("x, n = state, -1", None, x="y", state=("a", "b"))
    >>> astor.to_source(gast.gast_to_ast(gast.Module(body=[s], type_ignores=[])))
    'y, n = (a, b), -1\\n'
    """
    module = gast.parse(textwrap.dedent(source))
    for node in gast.walk(module):
        for position in _POSITIONS:
            node.__dict__.pop(position, None)
        if isinstance(node, gast.stmt):
            located(node, at)
    return _Quote(parts).visit(module).body  # type: ignore[no-any-return]


class _Quote(gast.NodeTransformer):
    """The substitution of :func:`quote`."""

    def __init__(self, parts: dict[str, Part]) -> None:
        self.parts = parts

    def visit_Expr(self, node: gast.Expr) -> Any:
        if isinstance(node.value, gast.Name) and isinstance(self.parts.get(node.value.id), list):
            return self.parts[node.value.id]
        return self.generic_visit(node)

    def visit_Name(self, node: gast.Name) -> gast.expr:
        part = self.parts.get(node.id)
        if isinstance(part, str):
            node.id = part
        elif isinstance(part, tuple):
            return names_tuple(list(part), node.ctx)
        return node

    def visit_UnaryOp(self, node: gast.UnaryOp) -> gast.expr:
        if isinstance(node.op, gast.USub) and isinstance(node.operand, gast.Constant):
            return const(-node.operand.value)
        return self.generic_visit(node)  # type: ignore[no-any-return]
