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
"""

from __future__ import annotations

import ast
import linecache
import os
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import gast
import numpy as np

from .. import rules
from ..analysis import aliasing, calls, purity
from ..analysis.activity import Activity, append_call, assignments, item_write
from ..analysis.calls import Callee
from ..analysis.kinds import Kinds
from ..errors import NoDerivativeError, SrcDiffError, UnsupportedSyntaxError
from ..frontend.inline import updated_by_call
from ..frontend.normal_form import CHECKPOINT, NormalizedFunction, is_accumulation, is_pop
from ..rules import registered
from ..syntax import assign, binop, call, clone, const, expr_stmt, if_, load, located, nodes_in, stored_names
from .record import restore_marker, save_marker

Stmts = list[gast.stmt]


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


class Environment:
    """What the transform asks of the outside world (so it never reaches into the pipeline)."""

    def callee(self, node: gast.Call) -> Callee | None:
        raise NotImplementedError

    def global_name(self, preferred: str, value: Any) -> str:
        """The name under which generated code can reach ``value``."""
        raise NotImplementedError

    def split(self, callee: Callee, active: list[str], arg_kinds: list[Any]) -> tuple[str, str]:
        """Names of the recording (forward) and adjoint (backward) versions of a user function."""
        raise NotImplementedError


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # srcdiff's own files


class Transform:
    """What the reverse and forward transforms share: the function, its analyses, and how to
    name derivatives, reach helpers and refuse."""

    def __init__(self, fn: NormalizedFunction, activity: Activity, kinds: Kinds, env: Environment) -> None:
        self.fn = fn
        self.activity = activity
        self.kinds = kinds
        self.env = env
        self.namer = fn.namer

    def adj(self, name: str) -> str:
        """The name of ``name``'s adjoint (reverse mode) or tangent (forward mode): ``dx``."""
        return self.namer.adjoint(name)

    def is_active(self, node: Any) -> bool:
        return isinstance(node, gast.Name) and self.activity.is_active(node)

    def helper(self, name: str) -> gast.Name:
        return load(self.env.global_name(name, rules.TEMPLATE_GLOBALS[name]))

    def no_derivative(self, callee: Callee, at: gast.AST) -> Exception:
        if type(callee.obj).__module__ == "srcdiff.api.gradient":  # a srcdiff gradient (GradFunction) called here
            return self.refuse(
                at,
                f"`{callee.description}` is a srcdiff gradient, and a gradient called inside a "
                "differentiated function is not differentiated yet",
                "for second derivatives use srcdiff.hessian(f) or srcdiff.hvp(f) on the original function",
                NoDerivativeError,
            )
        what = f"`{callee.description}`"
        if re.match(r"_t\d+\b", callee.description):  # a value the normal form named: show the user's code
            line = linecache.getline(self.fn.captured.filename, self.fn.captured.line(at)).strip()
            what = f"the function called in `{line}` (a value computed in the function)" if line else "a computed value"
        return self.refuse(
            at,
            f"{what} has no derivative rule and no Python source srcdiff can read",
            "register a derivative rule for it, or wrap the call in a Python function srcdiff can read",
            NoDerivativeError,
        )

    def same_shape(self, node: gast.expr, target: str) -> bool:
        """Is ``node`` known to have the shape of ``target`` (so its derivative needs no
        reduction in reverse mode, no spreading in forward mode)?"""
        shape = self.kinds.shape_of(node)
        return shape is not None and shape == self.kinds.shape_of(load(target))

    def all_scalar(self, target: str, operands: list[gast.expr]) -> bool:
        return self.kinds.is_scalar(load(target)) and all(self.kinds.is_scalar(v) for v in operands)

    def check_unseen_updates(self, value: gast.expr, at: gast.AST) -> None:
        """A helper call whose value is not read runs as it is, without a derivative: refuse it if
        it may update a differentiated array argument with ``p += v`` (a change in place that no
        derivative would follow; a number's ``p += v`` only rebinds the helper's ``p``)."""
        callee = self.env.callee(value) if isinstance(value, gast.Call) else None
        if callee is None or callee.kind != calls.USER:
            return
        if not any(isinstance(a, gast.Name) and a.id in self.activity.varied for a in callee.differentiable_args()):
            return  # constants changed by constants (varied, not active: the change is what activity misses)
        for param in sorted(updated_by_call(callee.obj)):
            arg = callee.bound.get(param)
            if isinstance(arg, gast.Name) and not self.kinds.is_scalar(arg):
                raise self.refuse(
                    at,
                    f"`{callee.description}` updates its argument `{param}` in place (`{param} += ...`), "
                    "a change srcdiff cannot follow from here",
                    f"write `{param}[:] += ...` in `{callee.description}` (srcdiff then differentiates the "
                    "change), or return the new value and assign it",
                    NoDerivativeError,
                )

    def through_callee(self, build: Any, callee: Callee, at: gast.AST) -> Any:
        """``build()`` (a callee's derivative); a refusal inside srcdiff's own helpers (the
        adjoints of rules, differentiated again for a second order) is told at this call."""
        try:
            return build()
        except SrcDiffError as err:
            if err.filename is None or not os.path.abspath(err.filename).startswith(_PACKAGE):
                raise
            name = getattr(callee.obj, "__name__", "a helper")
            raise self.refuse(
                at,
                f"a second derivative through this call needs srcdiff's `{name}` (a rule's adjoint) "
                f"differentiated again, which is not supported yet ({err.problem})",
                "take first derivatives only here, or write the operation with other numpy functions",
                type(err),
            ) from None

    def refuse(self, at: gast.AST, problem: str, hint: str, cls: type = UnsupportedSyntaxError) -> Exception:
        captured = self.fn.captured
        return cls(captured.name, captured.filename, captured.line(at), problem, hint)

    def registered_rule(self, callee: Callee, mode: str, at: gast.AST) -> str:
        """The name generated code calls the rule registered for ``callee`` by (``mode``: "vjp" or
        "jvp"); refused if only the other mode's rule is registered."""
        entry = registered.lookup(callee.obj)
        assert entry is not None
        rule = entry.vjp if mode == "vjp" else entry.jvp
        if rule is None:
            have, want = ("forward (jvp)", "reverse (vjp)") if mode == "vjp" else ("reverse (vjp)", "forward (jvp)")
            raise self.refuse(
                at,
                f"`{callee.description}` has a registered {have} rule but no {want} rule",
                f"register one with @srcdiff.register_{mode}",
                NoDerivativeError,
            )
        return self.env.global_name(getattr(rule, "__name__", f"{mode}_rule"), rule)

    def operator_rule(self, op: gast.AST, bound: dict[str, gast.expr], at: gast.AST) -> rules.Rule | None:
        """The rule of an operator; refused if it has none but differentiated operands."""
        rule = rules.lookup(type(op))
        if rule is None and not rules.is_constant(type(op)) and any(self.is_active(v) for v in bound.values()):
            raise self.refuse(
                at,
                f"the operator `{type(op).__name__}` has no derivative rule",
                "rewrite it with other operators or functions",
                NoDerivativeError,
            )
        return rule


class _Reverse(Transform):
    def __init__(
        self, fn: NormalizedFunction, activity: Activity, kinds: Kinds, env: Environment, recompute: bool = True
    ) -> None:
        super().__init__(fn, activity, kinds, env)
        self.recompute = recompute  # cheap values in loops: computed again in the adjoint, not saved
        self.pinned: set[str] = set()  # (rematerialize) values of the block saved whatever happens
        self.stores: list[set[str]] = []  # (rematerialize) names each statement of the block assigns
        self.defined = set(fn.params)  # names assigned by some statement already walked
        self.surely_defined = set(fn.params)  # ... by a statement that certainly ran
        self.maybe_undefined: set[str] = set()  # saved where they may not exist yet
        self.unbound: set[str] = set()  # snapshotted where they may not exist yet
        self.nesting = 0
        self.in_loop = 0
        self.dead = aliasing.dead_assignments(fn)  # values nothing reads: no adjoint to propagate
        self.skipped = 0
        self.stack = self.namer.prefer("_stack")
        self.calls_helpers = False
        self.masked = self.masked_by_where(fn)

    def masked_by_where(self, fn: NormalizedFunction) -> set[str]:
        """Values that reach a branch of ``np.where`` (``np.where(d > 0, n / d, 0.0)``), and what
        they are computed from: where the mask drops an entry its adjoint is exactly zero, and
        their contributions keep it zero (``0 * inf`` would be NaN, although the function is
        locally constant there)."""
        defs = {a.targets[0].id: a.value for a in assignments(fn.body)}
        masked: set[str] = set()
        for value in defs.values():
            callee = self.env.callee(value) if isinstance(value, gast.Call) else None
            if callee is not None and callee.obj is np.where:
                masked |= {a.id for a in value.args[1:3] if isinstance(a, gast.Name)}
        todo = list(masked)
        while todo:
            value = defs.get(todo.pop())
            for n in nodes_in(value) if value is not None else []:
                if type(n) is gast.Name and n.id in defs and n.id not in masked:
                    masked.add(n.id)
                    todo.append(n.id)
        return masked

    # -- helpers --------------------------------------------------------------------------
    def overwrites(self, name: str, fresh: bool = False) -> bool:
        """May assigning ``name`` here destroy a value that was already there?
        (``fresh``: a name this transform made up, assigned by this statement only.)"""
        if fresh or self.in_loop > 0:
            return self.in_loop > 0
        return name in self.defined

    def zero_adjoint(self, name: str, at: gast.AST | None = None) -> gast.stmt:
        """``dx = 0.0`` -- or, for an array of known shape, an array of zeros: adjoint templates
        inline ``a.T @ g`` for such arrays, which a plain 0.0 would break."""
        return zero_store(self.adj(name), self.kinds.shape_of(load(name)), self.env, at)

    def accumulate(self, target: gast.expr, contribution: gast.expr, at: gast.AST) -> gast.stmt:
        name = self.adj(target.id)
        return assign(name, binop(load(name), gast.Add(), contribution), at)

    # -- blocks ---------------------------------------------------------------------------
    def block(self, stmts: Stmts) -> tuple[Stmts, Stmts]:
        primal: Stmts = []
        adjoint: Stmts = []
        parts = [(stmt, *self.statement(stmt)) for stmt in stmts]
        if self.recompute and self.in_loop:
            self.rematerialize(parts)
        for _, p, a in parts:
            primal += p
            adjoint[:0] = a
        return primal, adjoint

    # -- recomputing instead of saving --------------------------------------------------
    def rematerialize(self, parts: list[tuple[gast.stmt, Stmts, Stmts]]) -> None:
        """In a loop body, a value an adjoint reads is saved once per iteration.  Where it is a
        little arithmetic on values that still hold what they held when it was computed (the
        midpoint ``xm = x + 0.5 * dt * v`` of an integrator step), compute it again in the
        adjoint instead: ``xm_again = x + _t4 * v`` -- the adjoint of a statement sees every
        value as it was just after that statement, so the operands are the same."""
        reads = [
            sorted({n.id for a in adjoint for n in nodes_in(a) if type(n) is gast.Name and type(n.ctx) is gast.Load})
            for _, _, adjoint in parts
        ]
        self.stores = [stored_names([p[0]]) for p in parts]  # what each statement of the block assigns
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
                expr = self.recomputed(name, j, j, parts, [_RECOMPUTE_BUDGET])
                if expr is None or isinstance(expr, gast.Name):
                    continue
                fresh = self.namer.prefer(f"{name.lstrip('_')}_again")
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

    def recomputed(
        self, name: str, before: int, at: int, parts: list[tuple[gast.stmt, Stmts, Stmts]], budget: list[int]
    ) -> gast.expr | None:
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
        d = parts[k][0]
        if not _recomputable(d) or budget[0] <= 0:
            return load(name) if before != at and name in self.pinned else None
        budget[0] -= 1
        expr = clone(d.value)
        for n in [n for n in nodes_in(expr) if type(n) is gast.Name]:
            inner = self.recomputed(n.id, k, at, parts, budget)
            if inner is None:
                return None
            if not isinstance(inner, gast.Name):
                _replace_node(expr, n, inner)
        return expr

    def statement(self, s: gast.stmt) -> tuple[Stmts, Stmts]:
        if item_write(s) is not None:
            return self.write_item(s, *item_write(s))  # type: ignore[misc]
        if append_call(s) is not None:
            return self.append(s, *append_call(s))  # type: ignore[misc]
        if isinstance(s, gast.Assign):
            return self.assignment(s)
        if isinstance(s, gast.If):
            if s.body and isinstance(s.body[-1], gast.Break):  # the loop exit test
                return [s], []
            self.nesting += 1
            body_p, body_a = self.block(s.body)
            else_p, else_a = self.block(s.orelse)
            self.nesting -= 1
            adjoint = [if_(s.test, body_a, else_a, s)] if body_a or else_a else []
            return [if_(s.test, body_p, else_p, s)], adjoint
        if isinstance(s, gast.While):
            return self.while_loop(s)
        if isinstance(s, gast.For):
            return self.for_loop(s)
        if isinstance(s, gast.Expr):
            self.check_effect_call(s)
            self.check_unseen_updates(s.value, s)
            return [s], []
        return [s], []  # raise, assert, pass: nothing flows backwards

    def while_loop(self, s: gast.While) -> tuple[Stmts, Stmts]:
        count = self.namer.fresh("n")
        primal = self.saving(count, s, fresh=True) + [assign(count, const(0), s)]
        self.defines(count)
        body_p, body_a = self.loop_body(s.body)
        step = assign(count, binop(load(count), gast.Add(), const(1)), s)
        primal.append(located(gast.While(test=s.test, body=[step] + body_p, orelse=[]), s))
        adjoint: Stmts = []
        if body_a:
            adjoint.append(
                located(
                    gast.For(
                        target=_store("_"), iter=call("range", load(count)), body=body_a, orelse=[], type_comment=None
                    ),
                    s,
                )
            )
        return primal, adjoint + self.restoring(count, s, fresh=True)

    def for_loop(self, s: gast.For) -> tuple[Stmts, Stmts]:
        if getattr(s, CHECKPOINT, None) is not None:
            return self.checkpointed_loop(s, getattr(s, CHECKPOINT))
        index = s.target.id
        save_index, restore_index = self.saving(index, s), self.restoring(index, s)
        breaks = any(isinstance(x, gast.Break) for x in gast.walk(gast.Module(body=s.body, type_ignores=[])))
        primal: Stmts = save_index
        iterable = s.iter
        if (stored_names(s.body) | {index}) & {n.id for n in gast.walk(iterable) if isinstance(n, gast.Name)}:
            # the loop changes what the range was made of: keep the range object itself
            rng = self.namer.fresh("r")
            primal += self.saving(rng, s, fresh=True) + [assign(rng, iterable, s)]
            self.defines(rng)
            iterable = load(rng)
        if breaks:
            count = self.namer.fresh("n")
            primal += self.saving(count, s, fresh=True) + [assign(count, const(0), s)]
            self.defines(count)
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
            located(gast.For(target=_store(index), iter=iterable, body=body_p, orelse=[], type_comment=None), s)
        )
        if body_a:
            adjoint.append(
                located(
                    gast.For(
                        target=_store(index),
                        iter=call("reversed", backwards),
                        body=body_a,
                        orelse=[],
                        type_comment=None,
                    ),
                    s,
                )
            )
        return primal, adjoint + adjoint_tail + restore_index

    def checkpointed_loop(self, s: gast.For, snapshots: gast.expr) -> tuple[Stmts, Stmts]:
        """``for i in checkpointed(range(n), snapshots=k)``: the primal sweep runs the loop
        plainly and saves only its entry state; the adjoint replays iterations from at most
        ``k`` snapshots (:func:`srcdiff.runtime.checkpoint_schedule`), recording one
        iteration at a time just before its adjoint runs."""
        index = s.target.id
        self.refuse_mutation_in(s)
        plain = clone(s.body)  # the body as the user wrote it, before it is transformed
        # The state: what iterations read from earlier ones, and what code outside the loop sees.
        inside = Counter(n.id for n in gast.walk(s) if isinstance(n, gast.Name))
        everywhere = Counter(
            n.id for n in gast.walk(gast.Module(body=self.fn.body, type_ignores=[])) if isinstance(n, gast.Name)
        )
        outside = {name for name in inside if everywhere[name] > inside[name]} | set(self.fn.params)
        live = aliasing.live_at_entry(s.body) - {index}
        state = sorted(stored_names(s.body) & (outside | live) | {index} & outside)
        for name in state:
            if name not in self.surely_defined:
                self.unbound.add(name)
        rng, count, entry, snaps = (self.namer.fresh(stem) for stem in ("r", "keep", "entry", "snapshots"))
        primal: Stmts = []
        for name, value in ((rng, s.iter), (count, snapshots), (entry, _tuple(state, gast.Load()))):
            primal += self.saving(name, s, fresh=True) + [assign(name, value, s)]
            self.defines(name)
        primal.append(
            located(gast.For(target=_store(index), iter=load(rng), body=plain, orelse=[], type_comment=None), s)
        )
        body_p, body_a = self.loop_body(s.body, index)
        op, start, stop = (self.namer.prefer(n) for n in ("_action", "_start", "_stop"))
        replay = gast.Subscript(
            value=load(rng), slice=gast.Slice(lower=load(start), upper=load(stop), step=None), ctx=gast.Load()
        )
        last = gast.Subscript(value=load(snaps), slice=const(-1), ctx=gast.Load())
        pop = call(gast.Attribute(value=load(snaps), attr="pop", ctx=gast.Load()))
        push = call(gast.Attribute(value=load(snaps), attr="append", ctx=gast.Load()), _tuple(state, gast.Load()))
        first, end = (self.namer.prefer(n) for n in ("_first", "_end"))
        recorded = gast.Subscript(
            value=load(rng), slice=gast.Slice(lower=load(first), upper=load(end), step=None), ctx=gast.Load()
        )
        run = [
            located(gast.Assign(targets=[_tuple(state, gast.Store())], value=last, type_comment=None), s),
            if_(
                _is(op, "tape"),
                [assign(first, load(start), s), assign(end, load(stop), s)],
                [
                    located(
                        gast.For(target=_store(index), iter=replay, body=clone(plain), orelse=[], type_comment=None),
                        s,
                    ),
                    assign(first, load(stop), s),
                    assign(end, binop(load(stop), gast.Add(), const(1)), s),
                ],
                s,
            ),
            if_(
                _is(op, "advance"),
                [expr_stmt(push, s)],
                [
                    located(
                        gast.For(target=_store(index), iter=recorded, body=body_p, orelse=[], type_comment=None), s
                    ),
                    located(
                        gast.For(
                            target=_store(index),
                            iter=call("reversed", clone(recorded)),
                            body=body_a,
                            orelse=[],
                            type_comment=None,
                        ),
                        s,
                    ),
                ],
                s,
            ),
        ]
        schedule = call(self.helper("checkpoint_schedule"), call("len", load(rng)), load(count))
        adjoint: Stmts = [
            assign(snaps, gast.List(elts=[load(entry)], ctx=gast.Load()), s),
            located(
                gast.For(
                    target=_tuple([op, start, stop], gast.Store()),
                    iter=schedule,
                    body=[if_(_is(op, "drop"), [expr_stmt(pop, s)], run, s)],
                    orelse=[],
                    type_comment=None,
                ),
                s,
            ),
            located(gast.Assign(targets=[_tuple(state, gast.Store())], value=load(entry), type_comment=None), s),
        ]
        for name in (entry, count, rng):
            adjoint += self.restoring(name, s, fresh=True)
        return primal, adjoint

    def refuse_mutation_in(self, loop: gast.For) -> None:
        """A snapshot holds references: a checkpointed loop must not change objects in place.
        And iterations run again: they must not draw random numbers (the replay would differ)."""
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
            if not isinstance(node, gast.stmt):
                continue
            changes = item_write(node) or append_call(node)
            if changes is None and isinstance(node, gast.Assign) and is_pop(node.value):
                changes = (node.value.func.value.id, None)
            inplace = getattr(node, "srcdiff_inplace", False) and not self.kinds.is_scalar(node.targets[0])
            if changes is not None or inplace:
                raise self.refuse(
                    node,
                    "a checkpointed loop cannot change arrays or lists in place (snapshots would see the change)",
                    "assign a new value instead, e.g. `a = a + b` rather than `a += b` or `a[i] = v`",
                )

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

    def loop_body(self, body: Stmts, index: str | None = None) -> tuple[Stmts, Stmts]:
        self.in_loop += 1
        self.nesting += 1
        if index is not None:
            self.defines(index)
        result = self.block(body)
        self.nesting -= 1
        self.in_loop -= 1
        return result

    def saving(self, name: str, at: gast.AST, fresh: bool = False) -> Stmts:
        if not self.overwrites(name, fresh):
            return []
        if name not in self.surely_defined:
            self.maybe_undefined.add(name)
        return [save_marker(name, at)]

    def defines(self, name: str) -> None:
        self.defined.add(name)
        if not self.nesting:
            self.surely_defined.add(name)

    def restoring(self, name: str, at: gast.AST, fresh: bool = False) -> Stmts:
        return [restore_marker(name, at)] if self.overwrites(name, fresh) else []

    # -- assignments ----------------------------------------------------------------------
    def write_item(self, s: gast.stmt, container: str, index: gast.expr, value: gast.expr) -> tuple[Stmts, Stmts]:
        """``a[i] = v``: save what is overwritten; backwards, ``v`` gets ``da[i]`` and ``da[i]`` is zeroed."""
        primal = [save_marker(container, s, index), s]
        adjoint: Stmts = []
        if self.is_active(load(container)):
            d = self.adj(container)
            where = _index_value(index)
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

    def assignment(self, s: gast.Assign) -> tuple[Stmts, Stmts]:
        target = s.targets[0].id
        primal = self.saving(target, s)
        restore = self.restoring(target, s)
        overwrites = self.overwrites(target)
        self.defines(target)
        adjoint: Stmts = []
        value = s.value
        if is_accumulation(target, value):
            return primal + [s], self.accumulation(target, value, s) + restore + self.reshape_adjoint(target, s)
        if is_pop(value):
            return primal + [s], self.pop(target, value.func.value.id, s, overwrites) + restore
        if self.is_active(s.targets[0]) and id(s) in self.dead:
            # a value nothing reads contributes nothing (and its adjoint is 0.0): the plain
            # statement runs (a helper's recording version would leave its tape on the stack)
            self.check_unseen_updates(value, s)
            primal.append(s)
            self.skipped += 1
            if overwrites:
                adjoint.append(self.zero_adjoint(target, s))
        elif self.is_active(s.targets[0]):
            new_value, contributions = self.contributions(target, value, s)
            primal.append(assign(target, new_value, s) if new_value is not value else s)
            adjoint += contributions
            if overwrites:
                adjoint.append(self.zero_adjoint(target, s))
        else:
            primal.append(s)
        return primal, adjoint + restore

    def refuse_sequence_arithmetic(self, value: gast.BinOp, at: gast.AST) -> None:
        operands = [value.left, value.right]
        sequence = any(
            self.kinds.is_sequence(v) or isinstance(v, gast.Name) and v.id in self.kinds.literals for v in operands
        )
        if sequence and any(self.is_active(v) for v in operands):
            raise self.refuse(
                at,
                "`+` and `*` on lists or tuples of differentiated values are not supported yet",
                "build the list with a literal [a, b, c], or keep the values in separate variables",
            )

    def accumulation(self, target: str, value: gast.BinOp, at: gast.AST) -> Stmts:
        """``x = x + e``: the adjoint of the old ``x`` is the adjoint of the new one; ``e`` gets ``±dx``."""
        e = value.right
        self.refuse_sequence_arithmetic(value, at)
        if not (self.is_active(load(target)) and self.is_active(e)):
            return []
        g: gast.expr = load(self.adj(target))
        if not self.all_scalar(target, [e]) and not self.same_shape(e, target):
            like = shape_stand_in(e, self.kinds.shape_of(e), self.env)
            g = call(load(self.env.global_name("unbroadcast", rules.TEMPLATE_GLOBALS["unbroadcast"])), g, like)
        d = self.adj(e.id)
        return [assign(d, binop(load(d), type(value.op)(), g), at)]

    def reshape_adjoint(self, target: str, at: gast.AST) -> Stmts:
        """After ``x = x + e`` broadcast ``x`` to a larger shape, sum its adjoint back to the old one."""
        if (
            self.all_scalar(target, [])
            or self.kinds.shape_of(load(target)) is not None
            or not self.is_active(load(target))
        ):
            return []  # (a name of known shape has that shape before and after)
        helper = self.env.global_name("unbroadcast", rules.TEMPLATE_GLOBALS["unbroadcast"])
        d = self.adj(target)
        return [assign(d, call(load(helper), load(d), load(target)), at)]

    def contributions(self, target: str, value: gast.expr, at: gast.AST) -> tuple[gast.expr, Stmts]:
        """The (possibly rewritten) primal value and the adjoint statements of ``target = value``."""
        g = load(self.adj(target))
        out: Stmts = []
        if isinstance(value, gast.Name):
            if self.is_active(value):
                out.append(self.accumulate(value, g, at))
        elif isinstance(value, gast.BinOp):
            self.refuse_sequence_arithmetic(value, at)
            out += self.operator(value.op, {"a": value.left, "b": value.right}, target, at)
        elif isinstance(value, gast.UnaryOp):
            out += self.operator(value.op, {"a": value.operand}, target, at)
        elif isinstance(value, gast.Call):
            return self.call_contributions(target, value, at)
        elif isinstance(value, gast.Subscript) and self.activity.element(value) is not None:
            element = self.activity.element(value)  # p[0] of p = [a, b]: the adjoint goes to a itself
            if self.is_active(element):
                out.append(self.accumulate(element, g, at))
        elif isinstance(value, gast.Subscript):
            if self.is_active(value.value):
                index = _index_value(value.slice)
                helper = self.env.global_name("accumulate_at", rules.TEMPLATE_GLOBALS["accumulate_at"])
                d = self.adj(value.value.id)
                out.append(assign(d, call(load(helper), load(d), value.value, index, g), at))
        elif isinstance(value, (gast.Tuple, gast.List)):
            active = [(i, e) for i, e in enumerate(value.elts) if self.is_active(e)]
            if active:
                helper = self.env.global_name("unpack_adjoint", rules.TEMPLATE_GLOBALS["unpack_adjoint"])
                parts = self.namer.fresh("g")
                out.append(assign(parts, call(load(helper), g, const(len(value.elts))), at))
                for i, e in active:
                    part = gast.Subscript(value=load(parts), slice=const(i), ctx=gast.Load())
                    out.append(self.accumulate(e, part, at))
        elif isinstance(value, gast.Attribute) and value.attr in rules.ATTRIBUTES:
            fn = rules.ATTRIBUTES[value.attr]
            rule = rules.lookup(fn)
            assert rule is not None
            out += self.apply_rule(rule, {rule.params[0]: value.value}, target, at)
        elif isinstance(value, gast.Attribute) and value.attr not in rules.CONSTANT_ATTRIBUTES:
            if self.is_active(value.value):
                raise self.refuse(
                    at,
                    f"the attribute `.{value.attr}` of a differentiated value is not supported yet",
                    "compute the value with arithmetic or a function call instead",
                )
        return value, out

    def operator(self, op: gast.AST, bound: dict[str, gast.expr], target: str, at: gast.AST) -> Stmts:
        rule = self.operator_rule(op, bound, at)
        return [] if rule is None else self.apply_rule(rule, bound, target, at)

    def apply_rule(self, rule: rules.Rule, bound: dict[str, gast.expr], target: str, at: gast.AST) -> Stmts:
        out: Stmts = []
        operands = [v for p, v in bound.items() if p in rule.adjoints and isinstance(v, gast.AST)]
        all_scalar = self.all_scalar(target, operands)
        for param in set(rule.tangents) | set(rule.linear):
            if param not in rule.adjoints and any(self.is_active(a) for a in calls._flat([bound.get(param)])):
                raise self.refuse(
                    at,
                    f"reverse mode has no rule for argument `{param}` of this call yet (only forward mode has)",
                    "use srcdiff.hessian / hvp (forward over reverse) rather than reverse over reverse here",
                    NoDerivativeError,
                )
        for param, _template in rule.adjoints.items():
            value: Any = bound.get(param)
            spread = isinstance(value, tuple)  # a *-parameter: the template applies to each argument
            for i, arg in enumerate(value if spread else [value]):
                if not self.is_active(arg):
                    continue
                extra = {"i": const(i), param: gast.Tuple(elts=list(value), ctx=gast.Load())} if spread else {}
                expr = self.instantiate(rule, param, bound, target, extra)
                if isinstance(expr, gast.Constant) and expr.value == 0:
                    continue
                if target in self.masked and rule.elementwise:
                    expr = call(self.helper("zero_where_zero"), expr, load(self.adj(target)))
                if (
                    rule.elementwise
                    and param not in rule.sequence_args
                    and not all_scalar
                    and not self.same_shape(arg, target)
                ):
                    helper = self.env.global_name("unbroadcast", rules.TEMPLATE_GLOBALS["unbroadcast"])
                    expr = call(load(helper), expr, shape_stand_in(arg, self.kinds.shape_of(arg), self.env))
                out.append(self.accumulate(arg, expr, at))
        return out

    def instantiate(
        self,
        rule: rules.Rule,
        param: str,
        bound: dict[str, Any],
        target: str,
        extra: dict[str, gast.expr] | None = None,
    ) -> gast.expr:
        mapping: dict[str, gast.expr] = {"g": load(self.adj(target)), "out": load(target)}
        for p in rule.params:
            v = bound.get(p, rule.signature.parameters[p].default)
            if isinstance(v, tuple):
                v = gast.Tuple(elts=list(v), ctx=gast.Load())
            mapping[p] = clone(v) if isinstance(v, gast.AST) else const(v)
        mapping.update(extra or {})
        return _Instantiate(mapping, self.env, self.kinds.shape_of).visit(rule.template(param))

    def call_contributions(self, target: str, value: gast.Call, at: gast.AST) -> tuple[gast.expr, Stmts]:
        callee = self.env.callee(value)
        assert callee is not None
        problem = calls.unsupported_arguments(callee, self.is_active, value)
        if problem is not None:
            raise self.refuse(at, *problem)
        active_args = [a for a in callee.differentiable_args() if self.is_active(a)]
        if not active_args:
            return value, []
        if callee.kind == calls.RULE:
            assert callee.rule is not None
            primal = calls.as_function_call(value, callee, self.env.global_name)
            return primal, self.apply_rule(callee.rule, callee.bound, target, at)
        if callee.kind == calls.USER:
            return self.user_call(target, value, callee, at)
        if callee.kind == calls.REGISTERED:
            return value, self.registered_call(target, value, callee, at)
        raise self.no_derivative(callee, at)

    def registered_call(self, target: str, value: gast.Call, callee: Callee, at: gast.AST) -> Stmts:
        """``rule(g, ans, *args, **kwargs)`` gives one cotangent per positional argument."""
        rule_name = self.registered_rule(callee, "vjp", at)
        parts = self.namer.fresh("g")
        back = gast.Call(
            func=load(rule_name),
            args=[load(self.adj(target)), load(target)] + list(value.args),
            keywords=list(value.keywords),
        )
        out: Stmts = [assign(parts, back, at)]
        for i, arg in enumerate(value.args):
            if self.is_active(arg):
                item = gast.Subscript(value=load(parts), slice=const(i), ctx=gast.Load())
                out.append(self.accumulate(arg, call(self.helper("cotangent_or_zero"), item), at))
        return out

    def user_call(self, target: str, value: gast.Call, callee: Callee, at: gast.AST) -> tuple[gast.expr, Stmts]:
        active = [p for p, a in callee.bound.items() if self.is_active(a)]
        kinds = [self.kinds.kind_of(a) for a in callee.bound.values()]
        fwd, bwd = self.through_callee(lambda: self.env.split(callee, active, kinds), callee, at)
        stack = load(self.stack)
        self.calls_helpers = True
        primal = gast.Call(func=load(fwd), args=[stack] + list(value.args), keywords=list(value.keywords))
        parts = [self.namer.fresh("g") for _ in active]
        results: gast.expr = gast.Tuple(elts=[_store(p) for p in parts], ctx=gast.Store())
        back = gast.Assign(targets=[results], value=call(load(bwd), stack, load(self.adj(target))), type_comment=None)
        out: Stmts = [located(back, at)]
        for p, part in zip(active, parts):
            out.append(self.accumulate(callee.bound[p], load(part), at))
        return primal, out

    def check_effect_call(self, s: gast.Expr) -> None:
        """A call made for its effect must not be able to change a differentiated value in place."""
        callee = self.env.callee(s.value)
        if callee is None or callee.kind in (calls.CONSTANT, calls.USER, calls.RULE):
            return
        if any(isinstance(a, gast.Name) and a.id in self.activity.varied for a in callee.bound.values()):
            raise self.refuse(
                s,
                f"calling `{callee.description}` with a differentiated value for its effect is not supported "
                "yet (it may change the value in place)",
                "build a new value and assign it instead",
                NoDerivativeError,
            )


class _Instantiate(gast.NodeTransformer):
    """Substitute a template's parameters and resolve its globals; fold ``x is None`` tests."""

    def __init__(self, mapping: dict[str, gast.expr], env: Environment, shape_of: Any = lambda node: None) -> None:
        self.mapping = mapping
        self.env = env
        self.shape_of = shape_of

    def visit_Call(self, node: gast.Call) -> gast.expr:
        # known(p) and ndim(p) are decided now (see rules.table): is p a constant; p's ndim, or -1
        if isinstance(node.func, gast.Name) and node.func.id == "known":
            return const(isinstance(self.mapping[node.args[0].id], gast.Constant))
        if isinstance(node.func, gast.Name) and node.func.id == "ndim":
            shape = self.shape_of(self.mapping[node.args[0].id])
            return const(-1 if shape is None else len(shape))
        if isinstance(node.func, gast.Name) and node.func.id == "only_shape":
            return shape_stand_in(self.mapping[node.args[0].id], self.shape_of(self.mapping[node.args[0].id]), self.env)
        self.generic_visit(node)
        return node

    def visit_Name(self, node: gast.Name) -> gast.expr:
        if node.id in self.mapping:
            return clone(self.mapping[node.id])
        if node.id in rules.TEMPLATE_GLOBALS:
            return load(self.env.global_name(node.id, rules.TEMPLATE_GLOBALS[node.id]))
        raise KeyError(f"template uses unknown name {node.id!r}")

    def visit_BinOp(self, node: gast.BinOp) -> gast.expr:
        """Fold what a constant argument makes trivial: ``2 - 1``, ``x ** 1``, ``g * 1``."""
        self.generic_visit(node)
        left, right = node.left, node.right
        numbers = (int, float)
        if (
            isinstance(left, gast.Constant)
            and isinstance(right, gast.Constant)
            and type(left.value) in numbers
            and type(right.value) in numbers
            and isinstance(node.op, (gast.Add, gast.Sub, gast.Mult))
        ):
            op = {gast.Add: float.__add__, gast.Sub: float.__sub__, gast.Mult: float.__mul__}[type(node.op)]
            value = op(float(left.value), right.value)
            return const(int(value) if type(left.value) is int and type(right.value) is int else value)
        if isinstance(node.op, gast.Mult) and any(
            isinstance(side, gast.Constant) and type(side.value) in numbers and side.value == 0
            for side in (left, right)
        ):
            return const(0.0)  # e.g. d(x ** 0)/dx: no contribution at all (and no 0.0 ** -1)
        if (
            isinstance(right, gast.Constant)
            and type(right.value) in numbers
            and right.value == 1
            and isinstance(node.op, (gast.Pow, gast.Mult, gast.Div))
        ):
            return left
        if (
            isinstance(left, gast.Constant)
            and type(left.value) in numbers
            and left.value == 1
            and isinstance(node.op, gast.Mult)
        ):
            return right
        if (
            isinstance(right, gast.Constant)
            and type(right.value) in numbers
            and right.value == 0
            and isinstance(node.op, (gast.Add, gast.Sub))
        ):
            return left  # logaddexp(0.0, z): logistic(z - 0.0) is logistic(z)
        return node

    def visit_IfExp(self, node: gast.IfExp) -> gast.expr:
        node.test = self.visit(node.test)
        test = node.test
        decided = _constant_value(test)
        if decided is not _UNDECIDED:  # only the branch that applies is inlined (and visited)
            return self.visit(node.body if decided else node.orelse)
        node.body = self.visit(node.body)
        node.orelse = self.visit(node.orelse)
        literal = (gast.Constant, gast.Tuple, gast.List)
        if (
            isinstance(test, gast.Compare)
            and len(test.ops) == 1
            and isinstance(test.left, literal)
            and isinstance(test.comparators[0], gast.Constant)
            and test.comparators[0].value is None
        ):
            is_none = isinstance(test.left, gast.Constant) and test.left.value is None
            if isinstance(test.ops[0], gast.IsNot):
                is_none = not is_none
            return node.body if is_none else node.orelse
        return node


_UNDECIDED = object()


#: Mark of an assignment that makes an adjoint zero (``0.0`` or ``np.zeros(shape)``), for the
#: lazy-adjoints pass.
ZERO = "srcdiff_zero"


def zero_store(adjoint: str, shape: tuple[int, ...] | None, env: Environment, at: gast.AST | None = None) -> gast.stmt:
    """``adjoint = 0.0``, or ``adjoint = np.zeros(shape)`` for a known array shape."""
    value: gast.expr = const(0.0)
    if shape:
        size = gast.Tuple(elts=[const(n) for n in shape], ctx=gast.Load())
        value = call(
            gast.Attribute(
                value=load(env.global_name("np", rules.TEMPLATE_GLOBALS["np"])), attr="zeros", ctx=gast.Load()
            ),
            size,
        )
    node = assign(adjoint, value, at)
    setattr(node, ZERO, True)
    return node


def shape_stand_in(node: gast.expr, shape: tuple[int, ...] | None, env: Environment) -> gast.expr:
    """``node`` for a helper that reads only its shape: ``Shaped((3, 2))`` when the shape is known
    (so the value need not be kept), else a copy of ``node``."""
    if shape is None:
        return clone(node)
    size = gast.Tuple(elts=[const(n) for n in shape], ctx=gast.Load())
    return call(load(env.global_name("Shaped", rules.TEMPLATE_GLOBALS["Shaped"])), size)


def _constant_value(node: gast.expr) -> Any:
    """The value of a test made only of constants (``2 == 2 and -1 >= 1``), else _UNDECIDED."""
    if not all(
        isinstance(
            n,
            (
                gast.Constant,
                gast.Compare,
                gast.BoolOp,
                gast.UnaryOp,
                gast.cmpop,
                gast.boolop,
                gast.unaryop,
                gast.expr_context,
            ),
        )
        for n in gast.walk(node)
    ):
        return _UNDECIDED
    expression = gast.gast_to_ast(gast.Expression(body=clone(node)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)  # `2.0 is None` is exactly the question asked
        return eval(compile(ast.fix_missing_locations(expression), "<template test>", "eval"), {})


# What a recomputed value may be made of: arithmetic on names and numbers (it ran once already,
# on the same values: it cannot raise now), at most this many assignments deep.
_RECOMPUTABLE = (gast.Name, gast.Constant, gast.expr_context, gast.BinOp, gast.UnaryOp, gast.operator, gast.unaryop)
_RECOMPUTE_BUDGET = 6


def _recomputable(s: gast.stmt) -> bool:
    return (
        isinstance(s, gast.Assign)
        and isinstance(s.targets[0], gast.Name)
        and not getattr(s, "srcdiff_inplace", False)
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


def _tuple(names: list[str], ctx: gast.expr_context) -> gast.Tuple:
    return gast.Tuple(elts=[gast.Name(id=n, ctx=ctx, annotation=None, type_comment=None) for n in names], ctx=ctx)


def _is(name: str, action: str) -> gast.expr:
    return gast.Compare(left=load(name), ops=[gast.Eq()], comparators=[const(action)])


def _store(name: str) -> gast.Name:
    return gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)


def _index_value(index: gast.expr) -> gast.expr:
    """A subscript's index as a value: ``a:b`` becomes ``slice(a, b, None)``."""
    if isinstance(index, gast.Slice):
        return call("slice", *[p if p is not None else const(None) for p in (index.lower, index.upper, index.step)])
    if isinstance(index, gast.Tuple):
        return gast.Tuple(elts=[_index_value(e) for e in index.elts], ctx=gast.Load())
    return clone(index)


def transform(
    fn: NormalizedFunction, activity: Activity, kinds: Kinds, env: Environment, recompute: bool = True
) -> Sweeps:
    """The primal and adjoint sweeps of ``fn`` (stack operations still as markers; ``recompute``:
    cheap values in loops are computed again in the adjoint instead of saved)."""
    r = _Reverse(fn, activity, kinds, env, recompute)
    for problem in aliasing.problems(fn, env.callee, kinds.numbers(), kinds.number_params):
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
