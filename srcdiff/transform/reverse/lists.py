"""Writes into arrays and lists: ``a[i] = v``, ``xs.append(v)``, ``x = xs.pop()``.

Each changes its container in place, so its adjoint also undoes the change (the restore of
the overwritten item, the pop of the appended element, the push of the popped one) besides
moving the adjoint between the element and the container's adjoint.
"""

from __future__ import annotations

import gast

from ...syntax import assign, call, clone, const, expr_stmt, load
from ..common import Stmts, index_value
from ..record import restore_marker, save_marker
from .walk import _Walk


class _Lists(_Walk):
    """The in-place writes of arrays and lists."""

    def write_item(self, s: gast.stmt, container: str, index: gast.expr, value: gast.expr) -> tuple[Stmts, Stmts]:
        """``a[i] = v``: save what is overwritten; backwards, ``v`` gets ``da[i]`` and ``da[i]`` is zeroed."""
        primal = [save_marker(container, s, index), s]
        adjoint: Stmts = []
        if self.is_active(load(container)):
            d = self.adj(container)
            where = index_value(index)
            if self.is_active(value):
                part: gast.expr = call(self.helper("item_adjoint"), load(d), where)
                if not self.basic_index(index):  # repeated indices: the last write wins
                    part = call(self.helper("keep_last"), part, load(container), clone(where))
                part = call(self.helper("unbroadcast"), part, value)
                if isinstance(value, gast.Name) and value.id == container:  # a[:] = a: zeroed, then added back
                    parts = self.namer.fresh("g")
                    adjoint.append(assign(parts, part, s))
                    part = load(parts)
                else:
                    adjoint.append(self.accumulate(value, part, s))
            adjoint.append(assign(d, call(self.helper("zero_item"), load(d), load(container), clone(where)), s))
            if isinstance(value, gast.Name) and value.id == container and self.is_active(value):
                adjoint.append(self.accumulate(value, part, s))
        return primal, adjoint + [restore_marker(container, s, index)]

    def basic_index(self, index: gast.expr) -> bool:
        """Does ``index`` certainly select each element at most once (numbers and slices)?"""
        parts = index.elts if isinstance(index, gast.Tuple) else [index]
        return all(isinstance(p, gast.Slice) or self.kinds.is_scalar(p) or isinstance(p, gast.Constant) for p in parts)

    def append(self, s: gast.stmt, container: str, value: gast.expr) -> tuple[Stmts, Stmts]:
        """``xs.append(v)``: backwards, ``v`` gets the last element's adjoint, and ``xs`` loses it again."""
        adjoint: Stmts = []
        if self.is_active(load(container)):
            d = self.adj(container)
            if self.is_active(value):
                adjoint.append(self.accumulate(value, call(self.helper("last_adjoint"), load(d)), s))
            adjoint.append(assign(d, call(self.helper("drop_last"), load(d)), s))
        undo = gast.Call(func=gast.Attribute(value=load(container), attr="pop", ctx=gast.Load()), args=[], keywords=[])
        return [s], adjoint + [expr_stmt(undo, s)]

    def pop(self, target: str, container: str, s: gast.stmt, overwrites: bool) -> Stmts:
        """``x = xs.pop()``: backwards, ``x``'s adjoint goes back as the last element's, and ``x``
        goes back into ``xs``."""
        adjoint: Stmts = []
        if self.is_active(load(container)):
            d = self.adj(container)
            element = load(self.adj(target)) if self.is_active(load(target)) else const(0.0)
            adjoint.append(assign(d, call(self.helper("push_adjoint"), load(d), element, load(container)), s))
        undo = gast.Call(
            func=gast.Attribute(value=load(container), attr="append", ctx=gast.Load()), args=[load(target)], keywords=[]
        )
        adjoint.append(expr_stmt(undo, s))
        if overwrites and self.is_active(load(target)):
            adjoint.append(self.zero_adjoint(target, s))
        return adjoint
