"""What reverse mode (:mod:`srcdiff.transform.reverse`) and forward mode
(:mod:`srcdiff.transform.forward`) share: the :class:`Transform` base (the function, its
analyses, naming, refusals both modes make), the :class:`Environment` they ask the outside world
through, rule-template instantiation (:class:`Instantiate`), and small builders of the code
both emit (:func:`index_value`, :func:`zero_store`, :func:`shape_stand_in`).
"""

from __future__ import annotations

import ast
import linecache
import os
import re
import warnings
from typing import Any

import gast
import numpy as np

from .. import rules
from ..analysis import aliasing, calls
from ..analysis.activity import Activity
from ..analysis.calls import Callee
from ..analysis.kinds import Kinds
from ..analysis.value_kinds import ObjectOf
from ..errors import NoDerivativeError, SrcDiffError, UnsupportedSyntaxError
from ..frontend.gathered import item_name
from ..frontend.inline import augmented_parameters, updated_by_call
from ..frontend.normal_form import NormalizedFunction
from ..rules import registered
from ..syntax import ZERO, assign, call, clone, const, load

Stmts = list[gast.stmt]


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

    def vjp(self, callee: Callee, active: list[str], arg_kinds: list[Any]) -> tuple[str, str]:
        """Name of a user function's vjp version (both sweeps in one), and its seed's keyword."""
        raise NotImplementedError

    #: Code that will be differentiated again (a gradient's code for grad of grad): a helper's
    #: adjoint is its vjp version, not a recording and an adjoint version sharing a tape.
    tape_free: bool = False


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # srcdiff's own files


class Transform:
    """What the reverse and forward transforms share: the function, its analyses, and how to
    name derivatives, reach helpers, instantiate rules and refuse."""

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

    def same_shape(self, node: gast.expr, target: str) -> bool:
        """Is ``node`` known to have the shape of ``target`` (so its derivative needs no
        reduction in reverse mode, no spreading in forward mode)?"""
        shape = self.kinds.shape_of(node)
        return shape is not None and shape == self.kinds.shape_of(load(target))

    def all_scalar(self, target: str, operands: list[gast.expr]) -> bool:
        return self.kinds.is_scalar(load(target)) and all(self.kinds.is_scalar(v) for v in operands)

    def alias_problems(self) -> list[aliasing.Problem]:
        """Writes into memory another name shares (each mode refuses those it cannot follow)."""
        arrays = {name for name, shape in self.kinds.shapes.items() if shape}
        quiet_lists = self.kinds.sequences - self.activity.varied  # lists of numbers no derivative flows through
        return aliasing.problems(
            self.fn, self.env.callee, self.kinds.numbers(), self.kinds.number_params, arrays, quiet_lists
        )

    # -- refusals -------------------------------------------------------------------------
    def refuse(self, at: gast.AST, problem: str, hint: str, cls: type = UnsupportedSyntaxError) -> Exception:
        captured = self.fn.captured
        return cls(captured.name, captured.filename, captured.line(at), problem, hint)

    def no_derivative(self, callee: Callee, at: gast.AST) -> Exception:
        if type(callee.obj).__module__ == "srcdiff.api.gradient":  # a srcdiff gradient (GradFunction) called here
            return self.refuse(
                at,
                f"`{callee.description}` is a srcdiff gradient, and a gradient called inside a "
                "differentiated function is not differentiated yet",
                "for second derivatives use srcdiff.hessian(f) or srcdiff.hvp(f) on the original function",
                NoDerivativeError,
            )
        rule = rules.lookup(callee.obj) if callee.obj is not None else None
        if rule is not None:  # (its rule binds the arguments by the function's signature, and failed to)
            name = callee.description.removesuffix(" with these arguments")
            real = getattr(callee.obj, "__name__", None)
            return self.refuse(
                at,
                f"`{name}`{f' ({real})' if real and real != name else ''} is called with arguments "
                f"srcdiff's rule for it does not take: the rule's signature is {rule.signature}",
                "pass the arguments as that signature takes them (keyword-only ones by name)",
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

    def active_parameters(self, callee: calls.Callee, at: gast.AST) -> list[str]:
        """The parameters of a user function called here that receive a differentiated value; one
        its ``*args`` gathers is differentiated as a parameter of its own (``args_1``: see
        :meth:`argument`).  (What its ``**kwargs`` gathers is data: a differentiated value there
        is refused.)"""
        active: list[str] = []
        for param, value in callee.bound.items():
            if isinstance(value, tuple):
                active += [item_name(param, i) for i, a in enumerate(value) if self.is_active(a)]
            elif isinstance(value, dict) and any(isinstance(a, gast.AST) and self.is_active(a) for a in value.values()):
                raise self.refuse(
                    at,
                    f"a differentiated value is passed into `{param}`, which gathers the keyword arguments "
                    f"of `{callee.description}` (`**kwargs`): srcdiff differentiates named parameters only",
                    "give the argument a parameter of its own in the function's signature",
                    NoDerivativeError,
                )
            elif self.is_active(value):
                active.append(param)
        return active

    @staticmethod
    def argument(callee: calls.Callee, param: str) -> gast.expr:
        """The argument a call passes for ``param`` (for ``args_1``, the second one ``*args`` gathers)."""
        if param in callee.bound:
            return callee.bound[param]
        gathered, _, index = param.rpartition("_")
        return callee.bound[gathered][int(index)]  # type: ignore[no-any-return]

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

    def check_effect_call(self, s: gast.Expr) -> None:
        """A call made for its effect (registered or unknown: no derivative follows it) must not
        be able to change a differentiated value in place."""
        callee = self.env.callee(s.value)
        if callee is None or callee.kind in (calls.CONSTANT, calls.USER, calls.RULE):
            return
        arguments = calls._flat(list(callee.bound.values()))
        if any(isinstance(a, gast.Name) and a.id in self.activity.varied for a in arguments):
            raise self.refuse(
                s,
                f"calling `{callee.description}` with a differentiated value for its effect is not supported "
                "yet (it may change the value in place)",
                "build a new value and assign it instead",
                NoDerivativeError,
            )

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
                if param in augmented_parameters(callee.obj):
                    raise self.refuse(
                        at,
                        f"`{callee.description}` updates its argument `{param}` in place (`{param} += ...`), "
                        "a change srcdiff cannot follow from here",
                        f"write `{param}[:] += ...` in `{callee.description}` (srcdiff then differentiates the "
                        "change), or return the new value and assign it",
                        NoDerivativeError,
                    )
                raise self.refuse(  # (left a call: it calls itself, so it cannot be written into its caller)
                    at,
                    f"`{callee.description}` changes its argument `{param}` in place and calls itself, a change "
                    "srcdiff cannot follow from here",
                    "write the recursion as a loop, or return the new value and assign it",
                    NoDerivativeError,
                )

    def is_field(self, value: gast.Attribute) -> bool:
        """``p.W`` of a record parameter (a dataclass or NamedTuple): a field, with a derivative."""
        kind = self.kinds.kind_of(value.value)
        return isinstance(kind, ObjectOf) and value.attr not in rules.CONSTANT_ATTRIBUTES

    def check_attribute(self, value: gast.Attribute, at: gast.AST) -> None:
        """An attribute no rule covers (``.T`` has one) has no derivative: refused on a
        differentiated value (a record's field has one: :meth:`is_field`)."""
        if value.attr not in rules.CONSTANT_ATTRIBUTES and self.is_active(value.value):
            raise self.refuse(
                at,
                f"the attribute `.{value.attr}` of a differentiated value is not supported yet",
                "compute the value with arithmetic or a function call instead",
            )

    # -- rules ----------------------------------------------------------------------------
    def differentiated_callee(self, value: gast.Call, at: gast.AST) -> Callee | None:
        """The callee of ``value``, refused if its arguments are of a form no derivative covers;
        None if no differentiated value flows into it."""
        callee = self.env.callee(value)
        assert callee is not None
        problem = calls.unsupported_arguments(callee, self.is_active, value)
        if problem is not None:
            raise self.refuse(at, *problem)
        if not any(self.is_active(a) for a in callee.differentiable_args()):
            return None
        return callee

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

    def instantiate(
        self,
        rule: rules.Rule,
        template: gast.expr,
        bound: dict[str, Any],
        names: dict[str, gast.expr],
        extra: dict[str, gast.expr] | None = None,
    ) -> gast.expr:
        """One of ``rule``'s templates with the mode's ``names`` in it (the adjoint ``g`` or the
        tangent ``t``, and ``out``), the rule's parameters bound to the call's arguments (or their
        defaults), and ``extra`` (a ``*``-parameter's ``i``) over both."""
        mapping = dict(names)
        for p in rule.params:
            v = bound.get(p, rule.signature.parameters[p].default)
            if isinstance(v, tuple):  # (atoms gathered by a *-parameter, or a default such as (-2, -1))
                v = gast.Tuple(elts=[x if isinstance(x, gast.AST) else const(x) for x in v], ctx=gast.Load())
            mapping[p] = clone(v) if isinstance(v, gast.AST) else const(v)
        mapping.update(extra or {})
        return Instantiate(mapping, self.env, self.kinds.shape_of).visit(template)


class Instantiate(gast.NodeTransformer):
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
        if isinstance(node.func, gast.Name) and node.func.id in ("size", "shape"):  # p's, when known (-1, None)
            shape = self.shape_of(self.mapping[node.args[0].id])
            if node.func.id == "size":
                return const(-1 if shape is None else int(np.prod(shape)))
            return const(None) if shape is None else gast.Tuple(elts=[const(n) for n in shape], ctx=gast.Load())
        if isinstance(node.func, gast.Name) and node.func.id == "cplx":  # may p hold complex numbers?
            value = self.mapping[node.args[0].id]
            names: set[str] = getattr(self.env, "complex_names", set())
            return const(
                (isinstance(value, gast.Name) and value.id in names)
                or (isinstance(value, gast.Constant) and isinstance(value.value, complex))
            )
        if isinstance(node.func, gast.Name) and node.func.id == "only_shape":
            return shape_stand_in(self.mapping[node.args[0].id], self.shape_of(self.mapping[node.args[0].id]), self.env)
        if isinstance(node.func, gast.Name) and node.func.id == "replaced":
            return self.replaced(node)
        self.generic_visit(node)
        # f(*(a, b)), a *-parameter's arguments handed on: f(a, b), so f's own rule sees each one
        node.args = [
            e
            for a in node.args
            for e in (a.value.elts if isinstance(a, gast.Starred) and isinstance(a.value, gast.Tuple) else [a])
        ]
        return node

    def replaced(self, node: gast.Call) -> gast.expr:
        """``replaced(operands, k, w)``: the ``*``-parameter's arguments with the ``k``-th (a
        constant) replaced by ``w`` -- a multilinear helper's derivative is the helper again, one
        argument swapped for a tangent or an adjoint."""
        seq, k, w = (self.visit(a) for a in node.args)
        if not (isinstance(seq, gast.Tuple) and isinstance(k, gast.Constant) and isinstance(k.value, int)):
            raise KeyError("replaced(seq, k, w) needs a *-parameter and a constant position")
        elts = list(seq.elts)
        if 0 <= k.value < len(elts):
            elts[k.value] = w
        return gast.Tuple(elts=elts, ctx=gast.Load())

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


def index_value(index: gast.expr) -> gast.expr:
    """A subscript's index as a value: ``a:b`` becomes ``slice(a, b, None)``."""
    if isinstance(index, gast.Slice):
        return call("slice", *[p if p is not None else const(None) for p in (index.lower, index.upper, index.step)])
    if isinstance(index, gast.Tuple):
        return gast.Tuple(elts=[index_value(e) for e in index.elts], ctx=gast.Load())
    return clone(index)
