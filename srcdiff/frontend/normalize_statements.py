"""Statements and the control flow between them: statement lists, ``if``/``elif`` chains, and the
flags that structure ``break``, ``continue`` and ``return``.

A ``break``, ``continue`` or early ``return`` sets a flag, and the statements after it in its
block run under ``if not flag`` (:meth:`StatementNormalizer.block`), so the normal form's only
exits are a ``break`` at the end of a loop body and the function's one return.
"""

from __future__ import annotations

import gast

from ..syntax import assign, const, if_, is_atom, load, located
from .normal_form import is_pop
from .normalize_base import REFUSED_STATEMENTS, Loop, none_of
from .normalize_loops import LoopNormalizer


class StatementNormalizer(LoopNormalizer):
    """Statement lists and every statement, with ``if`` chains, ``return`` and the exit flags."""

    def block(self, stmts: list[gast.stmt], loop: Loop | None) -> tuple[list[gast.stmt], set[str]]:
        """Normalize a statement list; return it and the exit flags it may set."""
        out: list[gast.stmt] = []
        flags: set[str] = set()
        for i, stmt in enumerate(stmts):
            set_here = self.statement(stmt, out, loop)
            flags |= set_here
            rest = stmts[i + 1 :]
            if set_here and rest:
                guarded, rest_flags = self.block(rest, loop)
                flags |= rest_flags
                if guarded:
                    cond = self.condition(none_of(sorted(set_here)), out, stmt)
                    out.append(if_(load(cond), guarded, [], stmt))
                break
        return out, flags

    def statement(self, s: gast.stmt, out: list[gast.stmt], loop: Loop | None) -> set[str]:
        """Normalize one statement onto ``out``; return the exit flags it may set."""
        if any(s is fn.node for fn in self.local_functions.values()):
            return set()  # a local function: written into each call instead
        if type(s) in REFUSED_STATEMENTS:
            raise self.refuse(s, *REFUSED_STATEMENTS[type(s)])
        if isinstance(s, (gast.Assign, gast.AugAssign, gast.AnnAssign)):
            self.assignment(s, out)
        elif isinstance(s, gast.Expr):
            if is_pop(s.value):  # xs.pop() for its effect: keep the value, its adjoint needs it back
                self.assign_target(
                    gast.Name(id=self.namer.fresh("t"), ctx=gast.Store(), annotation=None, type_comment=None),
                    s.value,
                    out,
                    s,
                )
            elif isinstance(s.value, gast.Call):
                value = self.primitive(s.value, out, s)
                if isinstance(value, gast.Call):  # (a local function's call is its body, written out)
                    out.append(located(gast.Expr(value=value), s))
            elif not is_atom(s.value):
                self.atomize(s.value, out, s)  # evaluated for its errors, value unused
        elif isinstance(s, gast.If):
            return self.if_statement(s, out, loop)
        elif isinstance(s, gast.While):
            return self.while_loop(s, out)
        elif isinstance(s, gast.For):
            return self.for_loop(s, out)
        elif isinstance(s, gast.Return):
            return self.return_statement(s, out)
        elif isinstance(s, gast.Break):
            assert loop is not None  # Python itself rejects a break outside a loop
            loop.break_flag = loop.break_flag or self._flag("break")
            out.append(assign(loop.break_flag, const(True), s))
            return {loop.break_flag}
        elif isinstance(s, gast.Continue):
            assert loop is not None
            loop.continue_flag = loop.continue_flag or self._flag("continue")
            out.append(assign(loop.continue_flag, const(True), s))
            return {loop.continue_flag}
        elif isinstance(s, (gast.Raise, gast.Assert)):
            self.test_expression(s, s)
            out.append(s)
        elif isinstance(s, (gast.Pass, gast.Global, gast.Nonlocal)):
            pass
        else:
            raise self.refuse(
                s,
                f"`{type(s).__name__}` statements are not supported yet",
                "rewrite it with assignments, if, while and for",
            )
        return set()

    def _flag(self, kind: str) -> str:
        name = self.namer.fresh(kind)
        self.control.add(name)
        self.flags.add(name)
        return name

    def return_statement(self, s: gast.Return, out: list[gast.stmt]) -> set[str]:
        assert self.result_name is not None and self.returned_flag is not None
        value = self._return_value(s, out)
        out.append(assign(self.result_name, value, s))
        out.append(assign(self.returned_flag, const(True), s))
        return {self.returned_flag}

    def _return_value(self, node: gast.Return, out: list[gast.stmt]) -> gast.expr:
        if node.value is None:
            return const(None)
        return self.atomize(node.value, out, node)

    def if_statement(self, s: gast.If, out: list[gast.stmt], loop: Loop | None) -> set[str]:
        """``if``, and an ``elif`` chain as one: every test of the chain is computed up front
        (``_c2 = not _c1 and t2``: it runs only where it ran, before any branch), so each ``else``
        holds just the next ``if`` and the code is printed as a flat ``elif`` chain, not nested
        one level per branch (Python compiles at most 99 levels)."""
        chain = [s]
        while len(chain[-1].orelse) == 1 and isinstance(chain[-1].orelse[0], gast.If):
            chain.append(chain[-1].orelse[0])
        conds = self.chain_conditions([node.test for node in chain], [node for node in chain], out)
        flags: set[str] = set()
        bodies = []
        for node in chain:  # in source order, so temporaries are numbered as they read
            body, found = self.block(node.body, loop)
            bodies.append(body)
            flags |= found
        inner, found = self.block(chain[-1].orelse, loop)
        flags |= found
        for node, cond, body in zip(reversed(chain), reversed(conds), reversed(bodies)):
            inner = [if_(load(cond), body, inner, node)] if body or inner else []
        out.extend(inner)
        return flags
