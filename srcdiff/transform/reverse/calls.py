"""Calls: the adjoint contributions of ``y = f(args)``.

A call of the rule table applies the rule's templates (:mod:`.rule_adjoints`); a function with a
registered vjp rule calls the rule backwards; the user's own function runs as its recording
version in the primal sweep and its adjoint version in the adjoint sweep.
"""

from __future__ import annotations

from typing import Any

import gast

from ...analysis import calls
from ...analysis.calls import Callee
from ...errors import NoDerivativeError
from ...syntax import assign, call, const, load, located, store
from ..common import Stmts
from .rule_adjoints import _RuleAdjoints


class _Calls(_RuleAdjoints):
    """Calls with a differentiated argument, by the kind of the function called."""

    def call_contributions(self, target: str, value: gast.Call, at: gast.AST) -> tuple[gast.expr, Stmts]:
        """The (possibly rewritten) primal call and the adjoint statements of ``target = value``."""
        callee = self.differentiated_callee(value, at)
        if callee is None:
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
        """``y = f_fwd(stack, args)`` records what ``f``'s adjoint needs on the stack;
        ``dargs = f_bwd(stack, dy)`` takes it back off."""
        active = self.active_parameters(callee, at)
        if getattr(callee.obj, "__srcdiff_tape__", False):
            # a helper's recording or adjoint half, in srcdiff's code for a gradient: what it
            # hands on goes through the tape, which reverse mode cannot differentiate through
            raise self.refuse(
                at,
                "reverse mode over a srcdiff gradient whose function calls helpers is not supported yet",
                "use forward mode over the gradient (srcdiff.hessian, srcdiff.hvp, srcdiff.jvp)",
                NoDerivativeError,
            )
        kinds = [self.kinds.kind_of(a) for a in callee.bound.values()]
        if self.env.tape_free:
            return value, self.vjp_call(target, value, callee, active, kinds, at)
        fwd, bwd = self.through_callee(lambda: self.env.split(callee, active, kinds), callee, at)
        stack = load(self.stack)
        self.calls_helpers = True
        primal = gast.Call(func=load(fwd), args=[stack] + callee.call_args(value), keywords=list(value.keywords))
        parts = [self.namer.fresh("g") for _ in active]
        results: gast.expr = gast.Tuple(elts=[store(p) for p in parts], ctx=gast.Store())
        back = gast.Assign(targets=[results], value=call(load(bwd), stack, load(self.adj(target))), type_comment=None)
        out: Stmts = [located(back, at)]
        for p, part in zip(active, parts):
            out.append(self.accumulate(self.argument(callee, p), load(part), at))
        return primal, out

    def vjp_call(
        self, target: str, value: gast.Call, callee: Callee, active: list[str], kinds: list[Any], at: gast.AST
    ) -> Stmts:
        """Code to be differentiated again calls ``f`` itself in its primal sweep and
        ``dargs = f_vjp(args, seed=dy)`` in its adjoint sweep (``f``'s primal runs twice): no
        tape is shared between two functions, so the next derivative differentiates each call."""
        vjp, seed = self.through_callee(lambda: self.env.vjp(callee, active, kinds), callee, at)
        parts = [self.namer.fresh("g") for _ in active]
        results: gast.expr = gast.Tuple(elts=[store(p) for p in parts], ctx=gast.Store())
        keywords = list(value.keywords) + [gast.keyword(arg=seed, value=load(self.adj(target)))]
        back = gast.Call(func=load(vjp), args=callee.call_args(value), keywords=keywords)
        out: Stmts = [located(gast.Assign(targets=[results], value=back, type_comment=None), at)]
        for p, part in zip(active, parts):
            out.append(self.accumulate(self.argument(callee, p), load(part), at))
        return out
