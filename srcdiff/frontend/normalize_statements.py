"""Statements and the control flow between them: statement lists, ``if``/``elif`` chains, and the
flags that structure ``break``, ``continue`` and ``return``.

A ``break``, ``continue`` or early ``return`` sets a flag, and the statements after it in its
block run under ``if not flag`` (:meth:`StatementNormalizer.block`), so the normal form's only
exits are a ``break`` at the end of a loop body and the function's one return.
"""

from __future__ import annotations

import contextlib

import gast

from ..syntax import assign, call, const, if_, is_atom, load, located, store
from .normal_form import is_pop
from .normalize_base import REFUSED_STATEMENTS, Loop, none_of
from .normalize_loops import LoopNormalizer
from .patterns import PatternRefused, match_as_if
from .try_blocks import TryRefused, try_trial


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
        if any(s is fn.node for fn in self.lifted.values()):
            return set()  # a function of its own now, called with the variables it reads
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
        elif isinstance(s, gast.With):
            return self.with_statement(s, out, loop)
        elif isinstance(s, gast.Try):
            return self.try_statement(s, out, loop)
        elif isinstance(s, gast.Match):
            return self.match_statement(s, out, loop)
        elif isinstance(s, gast.Delete):
            self.delete(s)
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

    def with_statement(self, s: gast.With, out: list[gast.stmt], loop: Loop | None) -> set[str]:
        """``with E as v: body`` as ``_cm = E; v = _cm.__enter__(); body; _cm.__exit__(None,
        None, None)``: the context is entered where the original enters it and left after the
        body, however the body ends (a ``return`` or ``break`` inside sets a flag, and the exit
        is not guarded by it).  Its derivative is the body's."""
        exits = []
        for item in s.items:
            if self.calls(item.context_expr, contextlib.suppress):
                raise self.refuse(
                    item.context_expr,
                    "a `with` block that suppresses exceptions changes where the function goes on",
                    "test the condition with `if`, or put the `with` around the call of the gradient",
                )
            manager = self.local_name("cm")
            self.statement(assign(manager, item.context_expr, s), out, loop)
            entered = call(gast.Attribute(value=load(manager), attr="__enter__", ctx=gast.Load()))
            entry = (
                gast.Assign(targets=[item.optional_vars], value=entered, type_comment=None)
                if item.optional_vars is not None
                else gast.Expr(value=entered)
            )
            self.statement(located(entry, s), out, loop)
            exits.append(manager)
        flags = self.block_into(s.body, out, loop)
        for manager in reversed(exits):
            left = call(gast.Attribute(value=load(manager), attr="__exit__", ctx=gast.Load()), *[const(None)] * 3)
            self.statement(located(gast.Expr(value=left), s), out, loop)
        return flags

    def try_statement(self, s: gast.Try, out: list[gast.stmt], loop: Loop | None) -> set[str]:
        """``try``: its body run first as a trial (:mod:`srcdiff.frontend.try_blocks`) to learn
        the path taken -- how many of the body's statements ran, and which ``except`` clause
        caught the error -- then that path as plain statements: those statements, then ``else``
        or the clause; ``finally`` after it, however it ends."""
        if not s.handlers:  # try/finally: the body, then the finally block
            flags = self.block_into(s.body + s.orelse, out, loop)
            return flags | self.block_into(s.finalbody, out, loop)
        try:
            trial = try_trial(s, self.captured, set(self.local_functions))
        except TryRefused as refused:
            raise self.refuse(refused.node, f"{refused.problem} is not supported", refused.hint) from None
        body_fn = self.namer.prefer("try_body")
        self.helpers[body_fn] = trial.fn
        ran, taken, error = self.local_name("ran"), self.local_name("taken"), self.local_name("error")
        probe = call(load(self.helper("handler_taken")), load(body_fn), *[load(a) for a in trial.arguments])
        target = gast.Tuple(elts=[store(ran), store(taken), store(error)], ctx=gast.Store())
        self.statement(located(gast.Assign(targets=[target], value=probe, type_comment=None), s), out, loop)
        steps: list[gast.stmt] = []
        for i, stmt in enumerate(s.body):  # what ran before the error, as it ran
            if len(s.body) == 1 and not s.orelse and i == 0:
                break  # (one statement: run under the clause test below)
            test = gast.Compare(left=load(ran), ops=[gast.Gt()], comparators=[const(i)])
            steps.append(located(gast.If(test=test, body=[stmt], orelse=[]), stmt))
        chain: list[gast.stmt] = []
        for i, handler in reversed(list(enumerate(s.handlers))):
            bound = [assign(handler.name.id, load(error), handler)] if handler.name is not None else []
            test = gast.Compare(left=load(taken), ops=[gast.Eq()], comparators=[const(i)])
            chain = [located(gast.If(test=test, body=bound + handler.body, orelse=chain), handler)]
        completed = s.body + s.orelse if not steps else s.orelse or [gast.Pass()]
        ok = gast.Compare(left=load(taken), ops=[gast.Lt()], comparators=[const(0)])
        steps.append(located(gast.If(test=ok, body=completed, orelse=chain), s))
        flags = self.block_into(steps, out, loop)
        return flags | self.block_into(s.finalbody, out, loop)

    def match_statement(self, s: gast.Match, out: list[gast.stmt], loop: Loop | None) -> set[str]:
        """``match``: the subject computed once, then the ``if`` chain of its cases
        (:mod:`srcdiff.frontend.patterns`)."""
        subject = self.local_name("subject")
        self.statement(assign(subject, s.subject, s), out, loop)
        try:
            chain = located(match_as_if(s, subject), s)
        except PatternRefused as refused:
            raise self.refuse(
                refused.node,
                f"{refused.kind} in `match` is not supported yet",
                "match values, `|`, `_` and captures, or unpack the subject and use `if`",
            ) from None
        return self.statement(chain, out, loop)

    def delete(self, s: gast.Delete) -> None:
        """``del name`` ends nothing a derivative needs: the name is simply not read again."""
        for target in s.targets:
            if not isinstance(target, gast.Name):
                raise self.refuse(
                    s,
                    "`del` of an item, slice or attribute is not supported yet",
                    "build the shorter list instead (`xs = [v for j, v in enumerate(xs) if j != i]`)",
                )

    def block_into(self, stmts: list[gast.stmt], out: list[gast.stmt], loop: Loop | None) -> set[str]:
        """Normalize ``stmts`` onto the end of ``out``; return the exit flags they may set."""
        body, flags = self.block(stmts, loop)
        out.extend(body)
        return flags

    def local_name(self, base: str) -> str:
        """A fresh variable of the normalized code, known to be local (not a global of that name)."""
        name = self.namer.fresh(base)
        self.locals.add(name)
        return name

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
