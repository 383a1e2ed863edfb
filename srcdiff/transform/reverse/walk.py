"""The reverse walk's state, its blocks, and saving and restoring.

Every construct (:mod:`.assignments`, :mod:`.lists`, :mod:`.calls`, :mod:`.control_flow`,
:mod:`.checkpoint`) turns one statement into a primal part and an adjoint part; a block puts the
primal parts in order and the adjoint parts in reverse.  A statement that may destroy a value
gets a save marker before it and a restore marker after its adjoint, so that the adjoint of a
statement sees every variable as it was just after that statement ran.
"""

from __future__ import annotations

import gast

from ...analysis.activity import Activity
from ...analysis.kinds import Kinds
from ...frontend.normal_form import NormalizedFunction
from ...syntax import assign, binop, load
from ..common import Environment, Stmts, Transform, zero_store
from ..record import restore_marker, save_marker
from .recompute import rematerialize


class _Walk(Transform):
    """The state of one reverse transform (what is defined where, how deep in loops and
    branches the walk is) and the building blocks every construct uses."""

    def __init__(
        self, fn: NormalizedFunction, activity: Activity, kinds: Kinds, env: Environment, recompute: bool = True
    ) -> None:
        super().__init__(fn, activity, kinds, env)
        self.recompute = recompute  # cheap values in loops: computed again in the adjoint, not saved
        self.defined = set(fn.params)  # names assigned by some statement already walked
        self.surely_defined = set(fn.params)  # ... by a statement that certainly ran
        self.maybe_undefined: set[str] = set()  # saved where they may not exist yet
        self.unbound: set[str] = set()  # snapshotted where they may not exist yet
        self.nesting = 0
        self.in_loop = 0
        self.dead = activity.dead  # values nothing reads: no adjoint to propagate
        self.skipped = 0
        self.stack = self.namer.prefer("_stack")
        self.calls_helpers = False

    # -- blocks ---------------------------------------------------------------------------
    def block(self, stmts: Stmts) -> tuple[Stmts, Stmts]:
        primal: Stmts = []
        adjoint: Stmts = []
        parts = [(stmt, *self.statement(stmt)) for stmt in stmts]
        if self.recompute and self.in_loop:
            rematerialize(parts, self.namer)
        for _, p, a in parts:
            primal += p
            adjoint[:0] = a
        return primal, adjoint

    def statement(self, s: gast.stmt) -> tuple[Stmts, Stmts]:
        """The primal and adjoint parts of one statement (dispatched by construct)."""
        raise NotImplementedError

    # -- saving and restoring -------------------------------------------------------------
    def overwrites(self, name: str, fresh: bool = False) -> bool:
        """May assigning ``name`` here destroy a value that was already there?
        (``fresh``: a name this transform made up, assigned by this statement only.)"""
        if fresh or self.in_loop > 0:
            return self.in_loop > 0
        return name in self.defined

    def saving(self, name: str, at: gast.AST, fresh: bool = False) -> Stmts:
        if not self.overwrites(name, fresh):
            return []
        if name not in self.surely_defined:
            self.maybe_undefined.add(name)
        return [save_marker(name, at)]

    def restoring(self, name: str, at: gast.AST, fresh: bool = False) -> Stmts:
        return [restore_marker(name, at)] if self.overwrites(name, fresh) else []

    def defines(self, name: str) -> None:
        self.defined.add(name)
        if not self.nesting:
            self.surely_defined.add(name)

    def fresh_assignment(self, name: str, value: gast.expr, at: gast.AST) -> Stmts:
        """``name = value`` for a name this transform made up (a loop's trip count, its range):
        in a loop, the value of the previous iteration is saved first."""
        primal = self.saving(name, at, fresh=True) + [assign(name, value, at)]
        self.defines(name)
        return primal

    # -- adjoints -------------------------------------------------------------------------
    def zero_adjoint(self, name: str, at: gast.AST | None = None) -> gast.stmt:
        """``dx = 0.0`` -- or, for an array of known shape, an array of zeros: adjoint templates
        inline ``a.T @ g`` for such arrays, which a plain 0.0 would break."""
        return zero_store(self.adj(name), self.kinds.shape_of(load(name)), self.env, at)

    def accumulate(self, target: gast.expr, contribution: gast.expr, at: gast.AST) -> gast.stmt:
        name = self.adj(target.id)
        return assign(name, binop(load(name), gast.Add(), contribution), at)
