"""Forward mode: a normalized function becomes one computing values and tangents side by side.

Every assignment to an active variable is followed by the assignment of its
tangent (``dx`` for ``x``), built from the same rule tables as reverse mode:
an elementwise rule's template ``g * d(out)/d(arg)`` with the argument's
tangent in place of ``g``; a rule linear in its arguments applied to the
tangent itself; or a rule's own forward template.  Control flow is kept as it
is -- no stack, nothing recorded.  Calls to user functions go to their own
forward version, ``f_jvp(args..., tangents...) -> (value, tangent)``.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any

import gast

from .. import rules
from ..analysis import calls
from ..analysis.activity import Activity, append_call, item_write
from ..analysis.calls import Callee
from ..analysis.kinds import Kinds
from ..frontend.normal_form import NormalizedFunction, is_pop
from ..syntax import assign, binop, call, clone, const, expr_stmt, load, located, store
from .common import Environment, Stmts, Transform, index_value


class ForwardEnvironment(Environment):
    def forward(self, callee: Callee, active: list[str], arg_kinds: list[Any]) -> tuple[str, dict[str, str]]:
        """Name of the forward version of a user function for these active parameters, and the
        names of its keyword-only tangent parameters."""
        raise NotImplementedError


class _Forward(Transform):
    env: ForwardEnvironment

    def tan(self, name: str) -> str:
        return self.adj(name)

    def tangent_of(self, node: gast.expr) -> gast.expr:
        """The tangent of an atom: its tangent variable, or a zero shaped like it."""
        if self.is_active(node):
            return load(self.tan(node.id))
        return self.zero_tangent(node)

    def zero_tangent(self, node: gast.expr) -> gast.expr:
        """A zero shaped like the atom ``node``."""
        if isinstance(node, gast.Constant) or self.kinds.is_scalar(node):
            return const(0.0)
        return call(self.helper("zeros_for"), clone(node))

    # -- statements ---------------------------------------------------------------------
    def block(self, stmts: Stmts) -> Stmts:
        out: Stmts = []
        for s in stmts:
            out += self.statement(s)
        return out

    def statement(self, s: gast.stmt) -> Stmts:
        if item_write(s) is not None:
            return self.write_item(s, *item_write(s))  # type: ignore[misc]
        if append_call(s) is not None:
            container, value = append_call(s)  # type: ignore[misc]
            if not self.is_active(load(container)):
                return [s]
            push = call(
                gast.Attribute(value=load(self.tan(container)), attr="append", ctx=gast.Load()), self.tangent_of(value)
            )
            return [s, expr_stmt(push, s)]
        if isinstance(s, gast.Assign):
            return self.assignment(s)
        if isinstance(s, gast.If):
            return [located(gast.If(test=s.test, body=self.block(s.body), orelse=self.block(s.orelse)), s)]
        if isinstance(s, gast.While):
            return [located(gast.While(test=s.test, body=self.block(s.body), orelse=[]), s)]
        if isinstance(s, gast.For):
            return [
                located(
                    gast.For(target=s.target, iter=s.iter, body=self.block(s.body), orelse=[], type_comment=None), s
                )
            ]
        if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call):
            popped = self.popped(s.value)
            if popped is not None:  # `xs.pop()` for its effect: the tangents must stay aligned
                return [s, expr_stmt(popped, s)]
            callee = self.mutating_call(s.value)
            if callee is not None:
                return self.user_call(self.namer.fresh("t"), s.value, callee, s)
            self.check_effect_call(s)
            self.check_unseen_updates(s.value, s)
        return [s]

    def popped(self, value: gast.expr) -> gast.expr | None:
        """For ``xs.pop()`` on an active list: the same pop on its tangents."""
        if is_pop(value) and self.is_active(value.func.value):  # type: ignore[attr-defined]
            return call(gast.Attribute(value=load(self.tan(value.func.value.id)), attr="pop", ctx=gast.Load()))
        return None

    def write_item(self, s: gast.stmt, container: str, index: gast.expr, value: gast.expr) -> Stmts:
        if not self.is_active(load(container)):
            return [s]
        d = self.tan(container)
        update = call(self.helper("set_item"), load(d), load(container), index_value(index), self.tangent_of(value))
        return [s, assign(d, update, s)]

    def mutating_call(self, value: gast.expr) -> Callee | None:
        """A call to a user function given an active list or array: it may change it in place (a
        recording helper appends to its stack), so its forward version must run even when its
        result is not needed."""
        if not isinstance(value, gast.Call):
            return None
        callee = self.env.callee(value)
        if callee is None or callee.kind != calls.USER:
            return None
        if any(self.is_active(a) and not self.kinds.is_scalar(a) for a in callee.differentiable_args()):
            return callee
        return None

    def assignment(self, s: gast.Assign) -> Stmts:
        target = s.targets[0].id
        value = s.value
        popped = self.popped(value)
        if not self.is_active(s.targets[0]):
            callee = self.mutating_call(value)
            if callee is not None:
                return self.user_call(target, value, callee, s)
            if popped is not None:  # the value is not needed, but the tangents must stay aligned
                return [s, expr_stmt(popped, s)]
            return [s]
        if popped is not None:
            return [s, assign(self.tan(target), popped, s)]
        if isinstance(value, gast.Call):
            callee = self.env.callee(value)
            if (
                callee is not None
                and callee.kind == calls.USER
                and any(self.is_active(a) for a in callee.differentiable_args())
            ):
                return self.user_call(target, value, callee, s)
        terms = self.tangent_terms(target, value, s)
        if terms:
            tangent = terms[0]
            for term in terms[1:]:
                tangent = binop(tangent, gast.Add(), term)
        elif self.kinds.is_scalar(s.targets[0]) or isinstance(value, gast.Constant):
            tangent = const(0.0)
        else:
            tangent = call(self.helper("zeros_for"), load(target))
        primal = s
        if isinstance(value, gast.Call):
            callee = self.env.callee(value)
            if callee is not None and callee.method is not None:
                primal = assign(target, calls.as_function_call(value, callee, self.env.global_name), s)
        return [primal, assign(self.tan(target), tangent, s)]

    # -- tangents of primitives ----------------------------------------------------------
    def tangent_terms(self, target: str, value: gast.expr, at: gast.AST) -> list[gast.expr]:
        if isinstance(value, gast.Name):
            return [load(self.tan(value.id))] if self.is_active(value) else []
        if isinstance(value, gast.BinOp):
            return self.operator(value.op, {"a": value.left, "b": value.right}, target, value, at)
        if isinstance(value, gast.UnaryOp):
            return self.operator(value.op, {"a": value.operand}, target, value, at)
        if isinstance(value, gast.Subscript) and self.activity.element(value) is not None:
            element = self.activity.element(value)  # p[0] of p = [a, b]: a's tangent
            return [load(self.tan(element.id))] if isinstance(element, gast.Name) and self.is_active(element) else []
        if isinstance(value, gast.Subscript):
            if not self.is_active(value.value):
                return []
            return (
                [gast.Subscript(value=load(self.tan(value.value.id)), slice=clone(value.slice), ctx=gast.Load())]
                if self.is_array_like(value.value)
                else [call(self.helper("item_adjoint"), load(self.tan(value.value.id)), index_value(value.slice))]
            )
        if isinstance(value, (gast.Tuple, gast.List)):
            if not any(self.is_active(e) for e in value.elts):
                return []
            return [type(value)(elts=[self.tangent_of(e) for e in value.elts], ctx=gast.Load())]
        if isinstance(value, gast.Attribute) and value.attr in rules.ATTRIBUTES:  # x.T, z.real: their rules
            if not self.is_active(value.value):
                return []
            if value.attr == "T":
                return [gast.Attribute(value=load(self.tan(value.value.id)), attr="T", ctx=gast.Load())]
            fn = rules.ATTRIBUTES[value.attr]
            rule = rules.lookup(fn)
            assert rule is not None
            as_call = call(gast.Attribute(value=self.helper("np"), attr=fn.__name__, ctx=gast.Load()), value.value)
            return self.apply_rule(rule, {rule.params[0]: value.value}, target, as_call, at)
        if isinstance(value, gast.Attribute) and self.is_field(value):
            if not self.is_active(value.value):
                return []
            return [call(self.helper("field_tangent"), load(self.tan(value.value.id)), const(value.attr))]
        if isinstance(value, gast.Attribute):
            self.check_attribute(value, at)
        if isinstance(value, gast.Call):
            return self.call_terms(target, value, at)
        return []

    def is_array_like(self, node: gast.expr) -> bool:
        """Is the tangent of ``node`` surely indexable (an array of known shape)?"""
        shape = self.kinds.shape_of(node)
        return shape is not None and len(shape) > 0

    def operator(
        self, op: gast.AST, bound: dict[str, gast.expr], target: str, value: gast.expr, at: gast.AST
    ) -> list[gast.expr]:
        rule = self.operator_rule(op, bound, at)
        return [] if rule is None else self.apply_rule(rule, bound, target, value, at)

    def call_terms(self, target: str, value: gast.Call, at: gast.AST) -> list[gast.expr]:
        callee = self.differentiated_callee(value, at)
        if callee is None:
            return []
        if callee.kind == calls.RULE:
            assert callee.rule is not None
            call_node = calls.as_function_call(value, callee, self.env.global_name)
            return self.apply_rule(callee.rule, callee.bound, target, call_node, at)
        if callee.kind == calls.REGISTERED:
            rule_name = self.registered_rule(callee, "jvp", at)
            tangents = gast.Tuple(
                elts=[load(self.tan(a.id)) if self.is_active(a) else const(None) for a in value.args], ctx=gast.Load()
            )
            return [
                gast.Call(
                    func=load(rule_name),
                    args=[tangents, load(target)] + list(value.args),
                    keywords=list(value.keywords),
                )
            ]
        raise self.no_derivative(callee, at)

    def apply_rule(
        self, rule: rules.Rule, bound: dict[str, Any], target: str, value: gast.expr, at: gast.AST
    ) -> list[gast.expr]:
        terms: list[gast.expr] = []
        operands = [v for p, v in bound.items() if p in rule.adjoints and isinstance(v, gast.AST)]
        all_scalar = self.all_scalar(target, operands)

        def spread(arg: gast.expr, term: gast.expr, uses: AbstractSet[str] = frozenset()) -> gast.expr:
            # s + x with a scalar s: ds must count once per element of the result (a term that
            # multiplies by every other operand, or by the result, already has the result's shape)
            others = [(p, v) for p, v in bound.items() if p in rule.adjoints and v is not arg]
            if (
                not rule.elementwise
                or all_scalar
                or self.same_shape(arg, target)
                or "out" in uses
                or all(p in uses or self.kinds.is_scalar(v) for p, v in others if isinstance(v, gast.AST))
            ):
                return term
            return call(self.helper("broadcast_tangent"), term, load(target))

        # jointly linear (add_at(adj, v), sum(seq, start)): one call on all the tangents at once,
        # unless the rule says otherwise (np.pad with constants is affine: its padding has no tangent)
        joint_params = [p for p in rule.linear if p not in rule.tangents] if not rule.multilinear else []
        if joint_params:
            joint = [(bound[p], self.tangent_of(bound[p])) for p in joint_params if isinstance(bound.get(p), gast.AST)]
            if any(self.is_active(arg) for arg, _ in joint):
                node = value
                for arg, tangent in joint:
                    node = _replace_argument(node, arg, tangent)
                node = clone(node)
                terms.append(node if all(self.same_shape(a, target) for a, _ in joint) else spread(value, node))
        for param in rule.params:
            if param in joint_params:
                continue
            argument: Any = bound.get(param)
            starred = isinstance(argument, tuple)
            for i, arg in enumerate(argument if starred else [argument]):
                if not self.is_active(arg):
                    continue
                template = rule.tangent_template(param)
                if template is None and param in rule.linear:
                    terms.append(clone(_replace_argument(value, arg, load(self.tan(arg.id)))))
                    continue  # (the other arguments are in the call: it has the result's shape)
                if template is None:
                    if param not in rule.adjoints:
                        continue  # not a differentiable argument
                    raise self.refuse(
                        at,
                        f"forward mode has no rule for argument `{param}` of this call yet",
                        "use reverse mode (grad, vjp) here",
                    )
                t_arg: gast.expr = load(self.tan(arg.id))
                if param not in rule.sequence_args and (self.kinds.is_sequence(arg) or arg.id in self.kinds.literals):
                    t_arg = call(self.helper("sequence_tangent"), t_arg)  # numpy reads a list as an array
                uses = {n.id for n in gast.walk(template) if isinstance(n, gast.Name)}
                names = {"t": t_arg, "out": load(target)}
                expr = self.instantiate(rule, template, bound, names, {"i": const(i)} if starred else None)
                if not (isinstance(expr, gast.Constant) and expr.value == 0):
                    terms.append(expr if param in rule.sequence_args else spread(arg, expr, uses))
        return terms

    def user_call(self, target: str, value: gast.Call, callee: Callee, at: gast.AST) -> Stmts:
        active = self.active_parameters(callee, at)
        kinds = [self.kinds.kind_of(a) for a in callee.bound.values()]
        name, tangent_params = self.through_callee(lambda: self.env.forward(callee, active, kinds), callee, at)
        tangents = [
            gast.keyword(arg=tangent_params[p], value=load(self.tan(self.argument(callee, p).id)))  # type: ignore[attr-defined]
            for p in active
        ]
        forward_call = gast.Call(
            func=load(name), args=callee.call_args(value), keywords=list(value.keywords) + tangents
        )
        both = gast.Tuple(elts=[store(target), store(self.tan(target))], ctx=gast.Store())
        return [located(gast.Assign(targets=[both], value=forward_call, type_comment=None), at)]


def _replace_argument(node: gast.expr, arg: gast.expr, tangent: gast.expr) -> gast.expr:
    """``f(a, b)`` (or ``a @ b``) with the argument node ``arg`` -- that very node, so ``x @ x``
    is handled one operand at a time -- replaced by ``tangent`` (for rules linear in it)."""
    swap = lambda n: tangent if n is arg else n  # noqa: E731
    if isinstance(node, gast.BinOp):
        return gast.BinOp(left=swap(node.left), op=node.op, right=swap(node.right))
    if isinstance(node, gast.Call):
        return gast.Call(
            func=node.func,
            args=[swap(a) for a in node.args],
            keywords=[gast.keyword(arg=k.arg, value=swap(k.value)) for k in node.keywords],
        )
    return node


def transform(
    fn: NormalizedFunction,
    activity: Activity,
    kinds: Kinds,
    env: ForwardEnvironment,
    given: AbstractSet[str] = frozenset(),
) -> Stmts:
    """The body of ``fn`` with tangent statements interleaved (tangents of parameters in ``given``
    are passed in; other parameters that become active start from a zero tangent)."""
    forward = _Forward(fn, activity, kinds, env)
    for problem in forward.alias_problems():
        list_change = append_call(problem.statement) is not None or (
            isinstance(problem.statement, gast.Assign) and is_pop(problem.statement.value)
        )
        number_list = (
            item_write(problem.statement) is not None
            and problem.container in kinds.sequences
            and problem.container not in activity.varied  # (no tangent to keep alongside)
        )
        if problem.alias is None and (list_change or number_list) and problem.container in fn.params:
            continue  # appending to / popping from a list argument: its tangent list changes alongside
        raise forward.refuse(problem.statement, problem.reason, "write into a copy instead")
    start = [
        assign(forward.tan(p), forward.zero_tangent(load(p)))
        for p in fn.params
        if p not in given and activity.is_active(load(p))
    ]
    return start + forward.block(fn.body)
