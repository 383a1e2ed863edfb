"""Rematerialization: in a loop body, recompute cheap values in the adjoint instead of saving them.

A value an adjoint reads in a loop body is saved once per iteration.  Where it is a little
arithmetic on values that still hold what they held when it was computed (the midpoint
``xm = x + 0.5 * dt * v`` of an integrator step), it is computed again in the adjoint instead:
``xm_again = x + _t4 * v`` -- the adjoint of a statement sees every value as it was just after
that statement, so the operands are the same.
"""

from __future__ import annotations

import gast

from ...frontend.naming import Namer
from ...syntax import assign, clone, is_in_place, load, nodes_in, stored_names
from ..common import Stmts

#: A block's statements, each with its primal and adjoint parts.
Parts = list[tuple[gast.stmt, Stmts, Stmts]]

# What a recomputed value may be made of: arithmetic on names and numbers (it ran once already,
# on the same values: it cannot raise now), at most this many assignments deep.
_RECOMPUTABLE = (gast.Name, gast.Constant, gast.expr_context, gast.BinOp, gast.UnaryOp, gast.operator, gast.unaryop)
_RECOMPUTE_BUDGET = 6


def rematerialize(parts: Parts, namer: Namer) -> None:
    """Rewrite the adjoint parts of a loop body's ``parts`` to compute again what they can."""
    _Block(parts).rematerialize(namer)


class _Block:
    """One block of statements, and what each assigns."""

    def __init__(self, parts: Parts) -> None:
        self.parts = parts
        self.stores = [stored_names([p[0]]) for p in parts]
        self.pinned: set[str] = set()  # values of the block saved whatever happens

    def rematerialize(self, namer: Namer) -> None:
        parts = self.parts
        reads = [
            sorted({n.id for a in adjoint for n in nodes_in(a) if type(n) is gast.Name and type(n.ctx) is gast.Load})
            for _, _, adjoint in parts
        ]
        # values some adjoint reads that cannot be recomputed (math.cos(E)): saved anyway, so a
        # recomputed value may read them too
        self.pinned = {
            name
            for j, names in enumerate(reads)
            for name in names
            if (k := self.last_assignment(name, j)) is not None and not _recomputable(parts[k][0])
        }
        for j, (s, _, adjoint) in enumerate(parts):
            if not adjoint or not isinstance(s, gast.Assign):
                continue
            again: Stmts = []
            for name in reads[j]:
                expr = self.recomputed(name, j, j, [_RECOMPUTE_BUDGET])
                if expr is None or isinstance(expr, gast.Name):
                    continue
                fresh = namer.prefer(f"{name.lstrip('_')}_again")
                again.append(assign(fresh, expr, s))
                adjoint[:] = [clone(a) for a in adjoint]  # (it may share nodes with the primal sweep)
                for a in adjoint:
                    for n in nodes_in(a):
                        if type(n) is gast.Name and n.id == name and type(n.ctx) is gast.Load:
                            n.id = fresh
            adjoint[:0] = again

    def last_assignment(self, name: str, before: int) -> int | None:
        """The index of the block's last statement before ``before`` that assigns ``name``."""
        return next((k for k in range(before - 1, -1, -1) if name in self.stores[k]), None)

    def assigned(self, name: str, first: int, last: int) -> bool:
        """Does a statement of the block from ``first`` to ``last`` (included) assign ``name``?"""
        return any(name in self.stores[k] for k in range(first, last + 1))

    def recomputed(self, name: str, before: int, at: int, budget: list[int]) -> gast.expr | None:
        """An expression for the value ``name`` had when statement ``before`` ran, valid at the
        adjoint of statement ``at`` (where every name holds its value from just after ``at``):
        its last assignment in the block, recomputed from such values; ``name`` itself if the
        block does not assign it before ``before`` and nothing up to ``at`` changes it.  None: it
        cannot be (it must be saved)."""
        k = self.last_assignment(name, before)
        if k is None:  # from before the block (x in x = x + ...): fine if still unchanged at `at`
            return None if self.assigned(name, before, at) else load(name)
        if self.assigned(name, k + 1, at):
            return None
        d = self.parts[k][0]
        if not _recomputable(d) or budget[0] <= 0:
            return load(name) if before != at and name in self.pinned else None
        budget[0] -= 1
        expr = clone(d.value)
        for n in [n for n in nodes_in(expr) if type(n) is gast.Name]:
            inner = self.recomputed(n.id, k, at, budget)
            if inner is None:
                return None
            if not isinstance(inner, gast.Name):
                _replace_node(expr, n, inner)
        return expr


def _recomputable(s: gast.stmt) -> bool:
    return (
        isinstance(s, gast.Assign)
        and isinstance(s.targets[0], gast.Name)
        and not is_in_place(s)
        and all(isinstance(n, _RECOMPUTABLE) for n in nodes_in(s.value))
    )


def _replace_node(tree: gast.AST, old: gast.AST, new: gast.AST) -> None:
    """Put ``new`` where ``old`` is, in ``tree`` (``old`` is not ``tree`` itself)."""
    for node in nodes_in(tree):
        for name in node._fields:
            value = getattr(node, name, None)
            if value is old:
                setattr(node, name, new)
                return
            if isinstance(value, list) and any(v is old for v in value):
                value[[i for i, v in enumerate(value) if v is old][0]] = new
                return
