"""Assignments: ``x = value``, the statement almost everything is after normalization.

The primal part is the assignment (with a save marker before it if it may destroy a value);
the adjoint part hands the adjoint ``dx`` of the new value to the operands it was computed from
(by the kind of ``value``: a name, an operator, a call, a subscript, a tuple, an attribute), then
zeroes ``dx`` -- the value ``x`` held before is another one, with an adjoint of its own -- and
restores ``x``.
"""

from __future__ import annotations

import gast

from ... import rules
from ...errors import SrcDiffError
from ...frontend.normal_form import is_accumulation, is_pop
from ...syntax import assign, binop, call, const, load, loaded_names
from ..common import Stmts, index_value, shape_stand_in
from .calls import _Calls
from .lists import _Lists


class _Assignments(_Calls, _Lists):
    """``x = value``, and its special forms ``x = x + e`` and ``x = xs.pop()``."""

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
            if target in loaded_names(value):  # (normalization reads it into a new name first)
                raise self.refuse(
                    s,
                    f"internal: `{target}` is read by the value assigned to it",
                    "please report this: the derivative would be wrong",
                    SrcDiffError,
                )
            new_value, contributions = self.contributions(target, value, s)
            primal.append(assign(target, new_value, s) if new_value is not value else s)
            adjoint += contributions
            if overwrites:
                adjoint.append(self.zero_adjoint(target, s))
        else:
            primal.append(s)
        return primal, adjoint + restore

    def accumulation(self, target: str, value: gast.BinOp, at: gast.AST) -> Stmts:
        """``x = x + e``: the adjoint of the old ``x`` is the adjoint of the new one; ``e`` gets ``±dx``."""
        e = value.right
        self.refuse_sequence_arithmetic(value, at)
        if not (self.is_active(load(target)) and self.is_active(e)):
            return []
        g: gast.expr = load(self.adj(target))
        if not self.all_scalar(target, [e]) and not self.same_shape(e, target):
            like = shape_stand_in(e, self.kinds.shape_of(e), self.env)
            g = call(self.helper("unbroadcast"), g, like)
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
        helper = self.helper("unbroadcast")
        d = self.adj(target)
        return [assign(d, call(helper, load(d), load(target)), at)]

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
                index = index_value(value.slice)
                helper = self.helper("accumulate_at")
                d = self.adj(value.value.id)
                out.append(assign(d, call(helper, load(d), value.value, index, g), at))
        elif isinstance(value, (gast.Tuple, gast.List)):
            active = [(i, e) for i, e in enumerate(value.elts) if self.is_active(e)]
            if active:
                helper = self.helper("unpack_adjoint")
                parts = self.namer.fresh("g")
                out.append(assign(parts, call(helper, g, const(len(value.elts))), at))
                for i, e in active:
                    part = gast.Subscript(value=load(parts), slice=const(i), ctx=gast.Load())
                    out.append(self.accumulate(e, part, at))
        elif isinstance(value, gast.Attribute) and value.attr in rules.ATTRIBUTES:
            fn = rules.ATTRIBUTES[value.attr]
            rule = rules.lookup(fn)
            assert rule is not None
            out += self.apply_rule(rule, {rule.params[0]: value.value}, target, at)
        elif isinstance(value, gast.Attribute) and self.is_field(value) and self.is_active(value.value):
            d = self.adj(value.value.id)  # type: ignore[attr-defined]
            field = call(self.helper("field_adjoint"), load(d), value.value, const(value.attr), g)
            out.append(assign(d, field, at))
        elif isinstance(value, gast.Attribute):
            self.check_attribute(value, at)
        return value, out
