"""Control flow, replayed backwards from what the primal sweep leaves behind:

* ``if c:`` -- the adjoint branches on the same ``c`` (normalization made it a name, and the
  name is restored to its value of the time);
* ``while`` -- the primal counts iterations, the adjoint runs that many;
* ``for i in range(...)`` -- the adjoint runs ``for i in reversed(range(...))`` (over the
  iterations that ran, if the loop may break).

Checkpointed ``for`` loops are in :mod:`.checkpoint`.
"""

from __future__ import annotations

import gast

from ...syntax import assign, binop, call, clone, const, if_, load, located, store, stored_names
from ..common import Stmts
from .walk import _Walk


class _ControlFlow(_Walk):
    """``if``, ``while`` and ``for``."""

    def branch(self, s: gast.If) -> tuple[Stmts, Stmts]:
        if s.body and isinstance(s.body[-1], gast.Break):  # the loop exit test
            return [s], []
        self.nesting += 1
        body_p, body_a = self.block(s.body)
        else_p, else_a = self.block(s.orelse)
        self.nesting -= 1
        adjoint = [if_(s.test, body_a, else_a, s)] if body_a or else_a else []
        return [if_(s.test, body_p, else_p, s)], adjoint

    def while_loop(self, s: gast.While) -> tuple[Stmts, Stmts]:
        count = self.namer.fresh("n")
        primal = self.fresh_assignment(count, const(0), s)
        body_p, body_a = self.loop_body(s.body)
        step = assign(count, binop(load(count), gast.Add(), const(1)), s)
        primal.append(located(gast.While(test=s.test, body=[step] + body_p, orelse=[]), s))
        adjoint: Stmts = []
        if body_a:
            adjoint.append(
                located(
                    gast.For(
                        target=store("_"), iter=call("range", load(count)), body=body_a, orelse=[], type_comment=None
                    ),
                    s,
                )
            )
        return primal, adjoint + self.restoring(count, s, fresh=True)

    def for_loop(self, s: gast.For) -> tuple[Stmts, Stmts]:
        index = s.target.id
        save_index, restore_index = self.saving(index, s), self.restoring(index, s)
        breaks = any(isinstance(x, gast.Break) for x in gast.walk(gast.Module(body=s.body, type_ignores=[])))
        primal: Stmts = save_index
        iterable = s.iter
        if (stored_names(s.body) | {index}) & {n.id for n in gast.walk(iterable) if isinstance(n, gast.Name)}:
            # the loop changes what the range was made of: keep the range object itself
            rng = self.namer.fresh("r")
            primal += self.fresh_assignment(rng, iterable, s)
            iterable = load(rng)
        if breaks:
            count = self.namer.fresh("n")
            primal += self.fresh_assignment(count, const(0), s)
        body_p, body_a = self.loop_body(s.body, index)
        adjoint: Stmts = []
        backwards = clone(iterable)
        if breaks:
            body_p.insert(0, assign(count, binop(load(count), gast.Add(), const(1)), s))
            backwards = gast.Subscript(
                value=backwards, slice=gast.Slice(lower=None, upper=load(count), step=None), ctx=gast.Load()
            )
            adjoint_tail = self.restoring(count, s, fresh=True)
        else:
            adjoint_tail = []
        primal.append(
            located(gast.For(target=store(index), iter=iterable, body=body_p, orelse=[], type_comment=None), s)
        )
        if body_a:
            adjoint.append(
                located(
                    gast.For(
                        target=store(index),
                        iter=call("reversed", backwards),
                        body=body_a,
                        orelse=[],
                        type_comment=None,
                    ),
                    s,
                )
            )
        return primal, adjoint + adjoint_tail + restore_index

    def loop_body(self, body: Stmts, index: str | None = None) -> tuple[Stmts, Stmts]:
        self.in_loop += 1
        self.nesting += 1
        if index is not None:
            self.defines(index)
        result = self.block(body)
        self.nesting -= 1
        self.in_loop -= 1
        return result
