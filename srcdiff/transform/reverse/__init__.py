"""Reverse mode: from a normalized function to a primal sweep and an adjoint sweep.

For each statement the transform writes what runs forward (the statement
itself, or a call to a helper's recording version) and what runs backward
(the adjoint contributions, inlined from rule templates).  Control flow is
replayed backwards from what the primal sweep leaves behind:

* ``if c:`` -- the adjoint branches on the same ``c``;
* ``while``  -- the primal counts iterations, the adjoint runs that many;
* ``for i in range(...)`` -- the adjoint runs ``for i in reversed(range(...))``.

Values an assignment destroys are *saved* (marked here, turned into stack
pushes and pops by :mod:`srcdiff.transform.record` only where the adjoint reads them),
so when the adjoint of a statement runs, every variable holds the value it
had just after that statement ran in the primal sweep.

One module per construct: :mod:`.assignments` (``x = value``), :mod:`.calls` and
:mod:`.rule_adjoints` (what a call or an operator contributes), :mod:`.lists` (``a[i] = v``,
``xs.append(v)``, ``xs.pop()``), :mod:`.control_flow` (``if``, ``while``, ``for``),
:mod:`.checkpoint` (checkpointed ``for``); :mod:`.walk` holds the state they share and the
saving and restoring, :mod:`.recompute` the values recomputed in loops instead of saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import gast

from ...analysis.activity import Activity, append_call, item_write
from ...analysis.kinds import Kinds
from ...frontend.normal_form import NormalizedFunction
from ...syntax import CHECKPOINT
from ..common import Environment, Stmts, zero_store
from .assignments import _Assignments
from .checkpoint import _Checkpoint

__all__ = ["Sweeps", "transform", "zero_store"]  # (zero_store: the pipeline zeroes adjoints with it too)


@dataclass
class Sweeps:
    """The two halves of a reverse-mode derivative, before stack operations are placed."""

    primal: Stmts
    adjoint: Stmts
    seeded: str | None  # adjoint name that receives the output's adjoint (None: output inactive)
    stack: str  # name of the list that carries saved values from the primal to the adjoint sweep
    calls_helpers: bool  # the sweeps pass the stack to helpers' recording versions
    maybe_undefined: set[str]  # saved names that may not exist when first saved
    unbound: set[str] = field(default_factory=set)  # names read (snapshotted) before they may exist
    skipped: int = 0  # adjoint statements left out: they would propagate the adjoint of a value nothing reads
    adjoints: dict[str, str] = field(default_factory=dict)  # active variable -> adjoint name


class _Reverse(_Assignments, _Checkpoint):
    """The reverse transform of one function: each statement goes to its construct's method."""

    def statement(self, s: gast.stmt) -> tuple[Stmts, Stmts]:
        if item_write(s) is not None:
            return self.write_item(s, *item_write(s))  # type: ignore[misc]
        if append_call(s) is not None:
            return self.append(s, *append_call(s))  # type: ignore[misc]
        if isinstance(s, gast.Assign):
            return self.assignment(s)
        if isinstance(s, gast.If):
            return self.branch(s)
        if isinstance(s, gast.While):
            return self.while_loop(s)
        if isinstance(s, gast.For) and getattr(s, CHECKPOINT, None) is not None:
            return self.checkpointed_loop(s, getattr(s, CHECKPOINT))
        if isinstance(s, gast.For):
            return self.for_loop(s)
        if isinstance(s, gast.Expr):
            self.check_effect_call(s)
            self.check_unseen_updates(s.value, s)
            return [s], []
        return [s], []  # raise, assert, pass: nothing flows backwards


def transform(
    fn: NormalizedFunction, activity: Activity, kinds: Kinds, env: Environment, recompute: bool = True
) -> Sweeps:
    """The primal and adjoint sweeps of ``fn`` (stack operations still as markers; ``recompute``:
    cheap values in loops are computed again in the adjoint instead of saved)."""
    r = _Reverse(fn, activity, kinds, env, recompute)
    for problem in r.alias_problems():
        hint = (
            f"copy it first, e.g. `{problem.alias} = {problem.container}[...].copy()`"
            if problem.alias
            else f"write into a copy: `{problem.container}2 = {problem.container}.copy()`"
        )
        raise r.refuse(problem.statement, problem.reason, hint)
    primal, adjoint = r.block(fn.body)
    result = fn.result
    seeded = r.adj(result.id) if r.is_active(result) else None
    adjoints = {name: r.adj(name) for name in sorted(activity.active)}
    return Sweeps(
        primal,
        adjoint,
        seeded,
        r.stack,
        r.calls_helpers,
        r.maybe_undefined,
        unbound=r.unbound,
        skipped=r.skipped,
        adjoints=adjoints,
    )
