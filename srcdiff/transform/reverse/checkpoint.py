"""Checkpointed loops: ``for i in srcdiff.checkpointed(range(n), snapshots=k)``.

The primal sweep runs the loop plainly and saves only its entry state; the adjoint replays
iterations from at most ``k`` snapshots (:func:`srcdiff.runtime.checkpoint_schedule`), recording
one stretch of iterations at a time just before its adjoint runs.  Iterations run more than
once, so they must not change objects in place (a snapshot holds references) nor draw random
numbers.
"""

from __future__ import annotations

from collections import Counter

import gast

from ...analysis import calls, liveness, purity
from ...analysis.activity import append_call, item_write
from ...frontend.normal_form import is_pop
from ...syntax import clone, is_in_place, nodes_in, stored_names
from ..common import Stmts
from ..quoting import names_tuple, quote
from .control_flow import _ControlFlow

# The adjoint of a checkpointed loop, as the code it becomes (names replaced by quote()).
# `state` is the tuple of names the iterations carry; `schedule` says, from the last snapshot,
# whether to drop it, advance to the next one (running `plain`, the loop body as the user wrote
# it), or replay up to `stop` and tape the iterations from `first` to `end` (`recording`, the
# primal sweep of the body) to run their `adjoint`.
_ADJOINT = """
snapshots = [entry]
for action, start, stop in schedule(len(rng), keep):
    if action == 'drop':
        snapshots.pop()
    else:
        state = snapshots[-1]
        if action == 'tape':
            first = start
            end = stop
        else:
            for index in rng[start:stop]:
                plain
            first = stop
            end = stop + 1
        if action == 'advance':
            snapshots.append(state)
        else:
            for index in rng[first:end]:
                recording
            for index in reversed(rng[first:end]):
                adjoint
state = entry
"""


class _Checkpoint(_ControlFlow):
    """The checkpointed ``for`` loop."""

    def checkpointed_loop(self, s: gast.For, snapshots: gast.expr) -> tuple[Stmts, Stmts]:
        """``for i in checkpointed(range(n), snapshots=k)`` (``snapshots``: the ``k``): the
        primal sweep runs the loop plainly after saving its range, ``k`` and its entry state; the
        adjoint is :data:`_ADJOINT`."""
        index = s.target.id
        self.refuse_mutation_in(s)
        plain = clone(s.body)  # the body as the user wrote it, before it is transformed
        state = self.loop_state(s)
        for name in state:
            if name not in self.surely_defined:
                self.unbound.add(name)
        rng, count, entry, snaps = (self.namer.fresh(stem) for stem in ("r", "keep", "entry", "snapshots"))
        primal: Stmts = []
        for name, value in ((rng, s.iter), (count, snapshots), (entry, names_tuple(state, gast.Load()))):
            primal += self.fresh_assignment(name, value, s)
        primal += quote("for index in rng:\n    plain", s, index=index, rng=rng, plain=plain)
        body_p, body_a = self.loop_body(s.body, index)
        op, start, stop, first, end = (self.namer.prefer(n) for n in ("_action", "_start", "_stop", "_first", "_end"))
        schedule = self.helper("checkpoint_schedule").id
        adjoint = quote(
            _ADJOINT,
            s,
            snapshots=snaps,
            entry=entry,
            action=op,
            start=start,
            stop=stop,
            schedule=schedule,
            rng=rng,
            keep=count,
            state=tuple(state),
            first=first,
            end=end,
            index=index,
            plain=clone(plain),
            recording=body_p,
            adjoint=body_a,
        )
        for name in (entry, count, rng):
            adjoint += self.restoring(name, s, fresh=True)
        return primal, adjoint

    def loop_state(self, s: gast.For) -> list[str]:
        """What iterations read from earlier ones, and what code outside the loop sees."""
        index = s.target.id
        inside = Counter(n.id for n in gast.walk(s) if isinstance(n, gast.Name))
        everywhere = Counter(
            n.id for n in gast.walk(gast.Module(body=self.fn.body, type_ignores=[])) if isinstance(n, gast.Name)
        )
        outside = {name for name in inside if everywhere[name] > inside[name]} | set(self.fn.params)
        live = liveness.live_at_entry(s.body) - {index}
        return sorted(stored_names(s.body) & (outside | live) | {index} & outside)

    def refuse_mutation_in(self, loop: gast.For) -> None:
        """A snapshot holds references: a checkpointed loop must not change objects in place --
        except append to a list the iteration itself made just before (``parts = []`` then
        appends, as a comprehension is written: a snapshot holds an earlier iteration's list,
        never changed again).  And iterations run again: they must not draw random numbers
        (the replay would differ)."""
        for node in gast.walk(gast.Module(body=loop.body, type_ignores=[])):
            what = self.impure_call_in(node) if isinstance(node, gast.stmt) else None
            if what == "draws random numbers":
                raise self.refuse(
                    node,
                    "a checkpointed loop cannot draw random numbers (iterations run again, and would draw others)",
                    "draw them before the loop, e.g. `noise = rng.normal(size=(n, ...))`, and index them",
                )
            if what is not None:
                raise self.refuse(
                    node,
                    f"a checkpointed loop cannot make a call that {what} (iterations run again, and would "
                    "get other values)",
                    "make the call before the loop, collect its values in a list, and index the list in the loop",
                )
        self._refuse_changes_in(loop.body, set())

    def _refuse_changes_in(self, block: list[gast.stmt], made: set[str]) -> None:
        """``made``: lists this iteration made, not rebound since (in this block or around it)."""
        made = set(made)
        for s in block:
            if isinstance(s, gast.If):
                self._refuse_changes_in(s.body, made)
                self._refuse_changes_in(s.orelse, made)
            elif isinstance(s, (gast.For, gast.While)):  # (a list rebound in the body: not its own)
                self._refuse_changes_in(s.body, made - stored_names(s.body))
            else:
                changes = item_write(s) or append_call(s)
                if changes is None and isinstance(s, gast.Assign) and is_pop(s.value):
                    changes = (s.value.func.value.id, None)
                inplace = is_in_place(s) and not self.kinds.is_scalar(s.targets[0])  # type: ignore[attr-defined]
                own = changes is not None and changes[0] in made and append_call(s) is not None
                if (changes is not None or inplace) and not own:
                    raise self.refuse(
                        s,
                        "a checkpointed loop cannot change arrays or lists in place (snapshots would see the change)",
                        "assign a new value instead, e.g. `a = a + b` rather than `a += b` or `a[i] = v`",
                    )
            made -= stored_names([s])
            if isinstance(s, gast.Assign) and isinstance(s.value, gast.List):
                made.add(s.targets[0].id)  # type: ignore[attr-defined]

    def impure_call_in(self, s: gast.stmt) -> str | None:
        """What makes a call of statement ``s`` itself impure (not of the blocks it holds; the
        statement, not the call, has the user's line)."""
        for where in ("value", "test", "iter"):
            part = getattr(s, where, None)
            for node in nodes_in(part) if isinstance(part, gast.AST) else []:
                what = self.impure_call(node) if isinstance(node, gast.Call) else None
                if what is not None:
                    return what
        return None

    def impure_call(self, node: gast.Call) -> str | None:
        """What makes this call impure (a random draw, the clock, an iterator...: see
        :mod:`srcdiff.analysis.purity`), here or in a helper; None for a pure call."""
        callee = self.env.callee(node)
        obj = callee.obj if callee is not None else None
        method = node.func.attr if isinstance(node.func, gast.Attribute) else None
        return purity.effect(obj, method, user=callee is not None and callee.kind == calls.USER)
