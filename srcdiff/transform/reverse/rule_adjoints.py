"""Rule application: the adjoint contributions of an operator or a call the rule table covers.

A rule holds one adjoint template per argument (``g * math.cos(x)`` for ``math.sin``); each
differentiated argument gets its template, instantiated with the adjoint ``g`` of the result,
and summed back to the argument's shape where the operation broadcast it.
"""

from __future__ import annotations

import re
from typing import Any

import gast
import numpy as np

from ... import rules
from ...analysis import calls
from ...analysis.activity import Activity, assignments
from ...analysis.kinds import Kinds
from ...errors import NoDerivativeError
from ...frontend.normal_form import NormalizedFunction
from ...syntax import LINEAR_IN, call, const, load, nodes_in
from ..common import Environment, Stmts, shape_stand_in
from .walk import _Walk

#: Templates that hand ``g`` itself to a numpy function that needs its shape.
_MOVES_AXES_OF_G = re.compile(r"np\.(reshape|swapaxes|moveaxis|transpose|rollaxis|squeeze|expand_dims)\(g\b")


class _RuleAdjoints(_Walk):
    """Contributions from rule templates (operators, calls of the rule table, ``.T``)."""

    def __init__(
        self, fn: NormalizedFunction, activity: Activity, kinds: Kinds, env: Environment, recompute: bool = True
    ) -> None:
        super().__init__(fn, activity, kinds, env, recompute)
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

    def adjoint_for(self, rule: rules.Rule, param: str, target: str) -> gast.expr:
        """``g`` for ``param``'s template: the adjoint of ``target``, given the result's shape when
        it is a plain zero at run time (an adjoint no contribution reached on this run, in one
        branch) and the template moves its axes (``np.swapaxes(0.0, 0, 1)`` would raise)."""
        g = load(self.adj(target))
        if rule.elementwise or not _MOVES_AXES_OF_G.search(rule.adjoints[param]):
            return g
        like = shape_stand_in(load(target), self.kinds.shape_of(load(target)), self.env)
        return call(self.helper("shaped_adjoint"), g, like)

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
        pending: list[tuple[gast.expr, gast.expr]] = []  # (argument, contribution)
        for param, _template in rule.adjoints.items():
            value: Any = bound.get(param)
            spread = isinstance(value, tuple)  # a *-parameter: the template applies to each argument
            for i, arg in enumerate(value if spread else [value]):
                if not self.is_active(arg):
                    continue
                extra = {"i": const(i), param: gast.Tuple(elts=list(value), ctx=gast.Load())} if spread else {}
                names = {"g": self.adjoint_for(rule, param, target), "out": load(target)}
                expr = self.instantiate(rule, rule.template(param), bound, names, extra)
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
                    expr = call(
                        self.helper("unbroadcast"), expr, shape_stand_in(arg, self.kinds.shape_of(arg), self.env)
                    )
                found = [k for k, (a, e) in enumerate(pending) if _same(a, arg) and _same(e, expr)]
                if found:  # (x * x: one contribution of 2 g x, not g x twice)
                    a, e = pending[found[0]]
                    pending[found[0]] = (a, gast.BinOp(left=e, op=gast.Mult(), right=const(2.0)))
                else:
                    pending.append((arg, expr))
        for arg, expr in pending:
            contribution = self.accumulate(arg, expr, at)
            setattr(contribution, LINEAR_IN, self.adj(target))  # (zero while g is: a 0.0 has no shape)
            out.append(contribution)
        return out


def _same(a: gast.AST, b: gast.AST) -> bool:
    return gast.dump(a) == gast.dump(b)
