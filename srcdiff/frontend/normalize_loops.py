"""Loops: ``while`` as written, every ``for`` as an index loop over a ``range``.

``for v in xs``, ``enumerate`` and ``zip`` become ``for _k in range(_n)`` reading each element
as a subscript, so the adjoint of an element lands in the right slot of the sequence's adjoint.
``break`` and ``continue`` set flags (see :mod:`srcdiff.frontend.normalize_statements`); here the
flags are reset, tested once at the end of the body, and read by the ``else`` clause.  A loop
over :func:`srcdiff.checkpointed` is marked with :data:`~srcdiff.syntax.CHECKPOINT`.
"""

from __future__ import annotations

from collections.abc import Callable

import gast

from ..runtime import TEMPLATE_HELPERS as RUNTIME_HELPERS
from ..syntax import CHECKPOINT, assign, call, const, if_, load, located, stored_names
from .normalize_base import Loop, any_of, none_of
from .normalize_targets import AssignmentNormalizer

# Methods that change their object: a loop whose body calls one on the list it iterates is refused.
_MUTATING_METHODS = {
    "append",
    "extend",
    "insert",
    "pop",
    "remove",
    "clear",
    "sort",
    "reverse",
    "update",
    "setdefault",
    "popitem",
    "add",
    "discard",
    "fill",
    "resize",
    "put",
    "itemset",
}

#: What a ``for`` loop reads at each step, as (sequence atom, target, offset): the element of the
#: sequence, or for ``enumerate``'s counter (sequence None) the step plus the offset.
_Source = tuple[gast.expr | None, gast.expr, gast.expr | None]


class LoopNormalizer(AssignmentNormalizer):
    """``while`` and ``for`` loops, their ``else`` clauses, and checkpointed loops."""

    # Statements and loops contain each other: a loop body is normalized by
    # StatementNormalizer.block, in the class built on this one.
    block: Callable[[list[gast.stmt], Loop | None], tuple[list[gast.stmt], set[str]]]

    def while_loop(self, s: gast.While, out: list[gast.stmt]) -> set[str]:
        test = self.test_expression(s.test, s)
        body, loop, outward = self._loop_body(s.body, s)
        stmts = [located(gast.While(test=test, body=body or [gast.Pass()], orelse=[]), s)]
        self._loop_else(s, loop, outward, stmts)
        out.extend(stmts)
        return outward

    def for_loop(self, s: gast.For, out: list[gast.stmt]) -> set[str]:
        pre: list[gast.stmt] = []
        iterable = s.iter
        snapshots = None
        if self._is_checkpointed(iterable):
            iterable, snapshots = self._checkpoint_arguments(iterable, pre, s)
        if self._is_builtin_call(iterable, "range") and isinstance(s.target, gast.Name):
            range_call = self.primitive(iterable, pre, s)
            element: list[gast.stmt] = []
            if s.target.id in self.only_range_indices:
                index = s.target.id
            else:  # the name also holds other values: bind it by a plain assignment
                index = self.namer.fresh("k")
                self.control.add(index)
                element.append(assign(s.target.id, load(index), s))
        else:
            index = self.namer.fresh("k")
            self.control.add(index)
            rebound = stored_names([s.target]) | stored_names(s.body)
            sources = self._loop_sources(iterable, s.target, rebound, pre, s)
            range_call = call("range", self.sequence_length(sources, pre, s))
            element = []
            self.assign_elements(sources, load(index), element, s)
        body, loop, outward = self._loop_body(s.body, s)
        loop_node = gast.For(
            target=gast.Name(id=index, ctx=gast.Store(), annotation=None, type_comment=None),
            iter=range_call,
            body=element + body or [gast.Pass()],
            orelse=[],
            type_comment=None,
        )
        if snapshots is not None:
            if loop.break_flag or outward:
                raise self.refuse(
                    s,
                    "a checkpointed loop cannot `break` or `return` early",
                    "run every iteration (guard the body with an `if` instead), or drop `checkpointed`",
                )
            setattr(loop_node, CHECKPOINT, snapshots)
        stmts = pre + [located(loop_node, s)]
        self._loop_else(s, loop, outward, stmts)
        out.extend(stmts)
        return outward

    def _loop_body(self, body: list[gast.stmt], at: gast.AST) -> tuple[list[gast.stmt], Loop, set[str]]:
        """The body, its exit flags, and those of them that reach past the loop (an early return)."""
        loop = Loop()
        stmts, flags = self.block(body, loop)
        if loop.continue_flag:
            stmts.insert(0, assign(loop.continue_flag, const(False), at))
        exits = sorted(f for f in flags if f in (loop.break_flag, self.returned_flag))
        if exits:  # the only `break` left; the adjoint sweep never replays it, so no copy of the test
            stmts.append(if_(any_of(exits), [located(gast.Break(), at)], [], at))
        outward = {f for f in flags if f == self.returned_flag}
        return stmts, loop, outward

    def _loop_else(self, s: gast.While | gast.For, loop: Loop, outward: set[str], out: list[gast.stmt]) -> None:
        """Reset the break flag before the loop; run the ``else`` clause unless the loop was left early."""
        if loop.break_flag:
            out.insert(0, assign(loop.break_flag, const(False), s))
        if s.orelse:
            orelse, flags = self.block(s.orelse, None)
            outward |= flags
            stops = [f for f in (loop.break_flag, self.returned_flag) if f and (f == loop.break_flag or f in outward)]
            if stops:
                cond = self.condition(none_of(stops), out, s)
                out.append(if_(load(cond), orelse, [], s))
            else:
                out.extend(orelse)

    def _checkpoint_arguments(self, e: gast.Call, out: list[gast.stmt], at: gast.AST) -> tuple[gast.expr, gast.expr]:
        """``checkpointed(iterable, snapshots=k)`` as (iterable, atom holding k)."""
        args = list(e.args)
        snapshots: gast.expr = const(RUNTIME_HELPERS["checkpointed"].__defaults__[0])
        keywords = {kw.arg: kw.value for kw in e.keywords}
        if len(args) == 2 and not keywords:
            snapshots = args.pop()
        elif set(keywords) <= {"snapshots"} and len(args) == 1:
            snapshots = keywords.get("snapshots", snapshots)
        if len(args) != 1 or any(isinstance(a, gast.Starred) for a in args) or set(keywords) - {"snapshots"}:
            raise self.refuse(
                at,
                "`checkpointed` takes the loop's iterable and `snapshots=`",
                "write `for i in srcdiff.checkpointed(range(n), snapshots=10):`",
            )
        return args[0], self.atomize(snapshots, out, at)

    # Loops over enumerate/zip/sequences become index loops, so each element read is a
    # subscript whose adjoint lands in the right slot of the sequence's adjoint.
    def _loop_sources(
        self, iterable: gast.expr, target: gast.expr, rebound: set[str], out: list[gast.stmt], at: gast.AST
    ) -> list[_Source]:
        """Flatten ``enumerate``/``zip`` into (sequence atom, target, offset) triples."""
        if (
            self._is_builtin_call(iterable, "enumerate")
            and isinstance(target, (gast.Tuple, gast.List))
            and len(target.elts) == 2
            and not iterable.keywords
            and len(iterable.args) in (1, 2)
        ):
            start = self.atomize(iterable.args[1], out, at) if len(iterable.args) == 2 else const(0)
            inner = self._loop_sources(iterable.args[0], target.elts[1], rebound, out, at)
            return [(None, target.elts[0], start)] + inner
        if (
            self._is_builtin_call(iterable, "zip")
            and isinstance(target, (gast.Tuple, gast.List))
            and not iterable.keywords
            and len(iterable.args) == len(target.elts)
        ):
            triples = []
            for arg, sub in zip(iterable.args, target.elts):
                triples += self._loop_sources(arg, sub, rebound, out, at)
            return triples
        if isinstance(iterable, gast.Call):
            # iterators (reversed, map, dict views...) have no len(): materialize them first
            iterable = gast.Call(func=load("list"), args=[iterable], keywords=[])
        elif isinstance(iterable, gast.Name) and iterable.id in self.locals:
            if iterable.id in self._mutated_in(at):
                raise self.refuse(
                    at,
                    f"the loop body changes the list `{iterable.id}` it iterates over",
                    "iterate over a copy, e.g. `for v in list(xs):`",
                )
            # a list, tuple or array is indexed as it is; anything else (a dict...) is listed first
            iterable = gast.Call(func=load(self.helper("loop_items")), args=[iterable], keywords=[])
        seq = self.atomize(iterable, out, at)
        if isinstance(seq, gast.Name) and seq.id in rebound:  # the loop must see the sequence it started with
            copy = self.namer.fresh("s")
            out.append(assign(copy, seq, at))
            seq = load(copy)
        if not isinstance(seq, gast.Name):
            name = self.namer.fresh("s")
            out.append(assign(name, seq, at))
            seq = load(name)
        return [(seq, target, None)]

    def _mutated_in(self, loop: gast.AST) -> set[str]:
        """Names the loop body may change in place (``xs.append(...)``)."""
        body = getattr(loop, "body", [])
        return {
            n.func.value.id
            for stmt in body
            for n in gast.walk(stmt)
            if isinstance(n, gast.Call)
            and isinstance(n.func, gast.Attribute)
            and isinstance(n.func.value, gast.Name)
            and n.func.attr in _MUTATING_METHODS
        }

    def sequence_length(self, sources: list[_Source], out: list[gast.stmt], at: gast.AST) -> gast.expr:
        """The number of steps: the length of the sequence, or the shortest of those ``zip`` reads."""
        lengths = []
        for seq, _, _ in sources:
            if seq is not None:
                n = self.namer.fresh("n")
                self.control.add(n)
                out.append(assign(n, call("len", seq), at))
                lengths.append(load(n))
        if len(lengths) == 1:
            return lengths[0]
        n = self.namer.fresh("n")
        self.control.add(n)
        out.append(assign(n, call("min", *lengths), at))
        return load(n)

    def assign_elements(self, sources: list[_Source], index: gast.Name, out: list[gast.stmt], at: gast.AST) -> None:
        """Bind each target of the loop to what it reads at step ``index``."""
        for seq, sub_target, offset in sources:
            if seq is None:
                value = (
                    index
                    if (isinstance(offset, gast.Constant) and offset.value == 0)
                    else gast.BinOp(left=index, op=gast.Add(), right=offset)
                )
            else:
                value = gast.Subscript(value=seq, slice=index, ctx=gast.Load())
            self.assign_target(sub_target, value, out, at)
