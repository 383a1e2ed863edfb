"""Liveness: which names a structured body may still read, walking it backwards.

One walker serves every pass that asks: dead assignments (their adjoint is zero, so reverse mode
leaves them out), what a loop body takes from earlier iterations, what is live after an in-place
write (aliasing), and dead-store removal in the generated code (:mod:`srcdiff.optimize.passes`,
which passes ``removable``).  It reads ``if``/``while``/``for`` (a loop's body to a fixpoint),
and ``break``/``continue`` (what is live at the loop's head).

>>> import gast
>>> body = gast.parse("a = x * 2\\nb = a + y\\na = 3.0\\nc = a").body
>>> sorted(live_at_entry(body))
['x', 'y']
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet

import gast

from ..syntax import loaded_names, nodes_in
from .activity import assignments


def reads(node: gast.AST) -> set[str]:
    """Names ``node`` reads: loads, and the target of ``d += e``."""
    found = set()
    for n in nodes_in(node):
        if type(n) is gast.Name:
            if type(n.ctx) is gast.Load:
                found.add(n.id)
        elif type(n) is gast.AugAssign and type(n.target) is gast.Name:
            found.add(n.target.id)
    return found


def assigned_names(s: gast.Assign) -> set[str]:
    """The names an assignment binds: its name targets, and the names stored in tuple targets
    (not the container of an item write in one, ``a[i], b = ...``: that does not rebind ``a``)."""
    found = set()
    for t in s.targets:
        if isinstance(t, gast.Name):
            found.add(t.id)
        else:
            found |= {n.id for n in nodes_in(t) if type(n) is gast.Name and type(n.ctx) is gast.Store}
    return found


class Liveness:
    """Backward liveness over a structured body.

    ``watched``: statements (by id) whose live-after sets are kept in :attr:`after`.
    ``removable(s, live)``: statements to take out when the walk rewrites (``rewrite=True``);
    a body left empty gets ``pass``.  :attr:`removed` counts them.
    """

    def __init__(
        self,
        watched: AbstractSet[int] = frozenset(),
        removable: Callable[[gast.stmt, set[str]], bool] | None = None,
    ) -> None:
        self.watched = watched
        self.removable = removable
        self.after: dict[int, set[str]] = {}
        self.removed = 0
        self._loops: list[set[str]] = []  # live at the head of each enclosing loop (where `continue` goes)
        self._reads: dict[int, set[str]] = {}  # loops are walked several times: read sets once per node

    def reads(self, node: gast.AST) -> set[str]:
        found = self._reads.get(id(node))
        if found is None:
            found = self._reads[id(node)] = reads(node)
        return found

    def block(self, stmts: list[gast.stmt], live: set[str], rewrite: bool = False) -> set[str]:
        """What is live before ``stmts`` when ``live`` is live after them."""
        kept: list[gast.stmt] = []
        for s in reversed(stmts):
            if isinstance(s, (gast.Break, gast.Continue)) and self._loops:
                live = set(self._loops[-1])  # covers what is live after the loop, too
                kept.append(s)
                continue
            if self.removable is not None and self.removable(s, live):
                self.removed += rewrite
                continue
            live = self.statement(s, live, rewrite)
            kept.append(s)
        if rewrite:
            stmts[:] = kept[::-1]
        return live

    def statement(self, s: gast.stmt, live: set[str], rewrite: bool = False) -> set[str]:
        if id(s) in self.watched:
            self.after.setdefault(id(s), set()).update(live)
        if isinstance(s, gast.If):
            after_body = self.block(s.body, set(live), rewrite)
            after_else = self.block(s.orelse, set(live), rewrite)
            if rewrite and not s.body:
                s.body = [gast.Pass()]
            return after_body | after_else | self.reads(s.test)
        if isinstance(s, (gast.For, gast.While)):
            head = self.reads(s.iter) if isinstance(s, gast.For) else self.reads(s.test)
            loop = live | self.block(s.orelse, set(live), rewrite) | head
            self._loops.append(loop)
            while True:  # what the body needs at its start is needed at its end too
                grown = loop | self.block(s.body, set(loop))
                if grown == loop:
                    break
                loop = self._loops[-1] = grown
            if rewrite:
                self.block(s.body, set(loop), rewrite)
                if not s.body:
                    s.body = [gast.Pass()]
            self._loops.pop()
            return loop
        if isinstance(s, gast.Assign) and all(isinstance(t, (gast.Name, gast.Tuple)) for t in s.targets):
            return (live - assigned_names(s)) | self.reads(s.value)
        return live | self.reads(s)


def live_at_entry(stmts: list[gast.stmt]) -> set[str]:
    """Names ``stmts`` may read before assigning them (what a loop body takes from earlier iterations)."""
    return Liveness().block(stmts, set())


def dead_assignments(fn) -> set[int]:  # type: ignore[no-untyped-def]
    """Assignments of normalized ``fn`` whose value nothing reads (overwritten first): their
    adjoint is zero, so the reverse sweep leaves them out (adjoint liveness)."""
    statements = [a for a in assignments(fn.body)]
    liveness = Liveness({id(a) for a in statements})
    liveness.block(fn.body, loaded_names(fn.result))
    return {id(a) for a in statements if a.targets[0].id not in liveness.after.get(id(a), set())}
