"""What a call in normal form refers to, and which of its arguments carry derivatives.

Calls are resolved when the derivative is built, in the function's own namespace
(closure, globals, builtins), so ``from math import sin as s`` and ``np.sin`` both
find their rule by the object they name.

>>> import math, gast
>>> from srcdiff.syntax import call, load
>>> resolve(call("math.sin", load("x")), lambda name: (True, math), set()).kind
<CalleeKind.RULE: 'rule'>
"""

from __future__ import annotations

import enum
import inspect
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gast
import numpy

from .. import rules
from ..errors import NoDerivativeError
from ..frontend.partial_objects import unwrap_partial
from ..rules import Rule, registered
from ..syntax import dotted_path
from .value_kinds import OPAQUE_LIBRARIES, FunctionOf, ObjectOf


class CalleeKind(enum.Enum):
    """What a call refers to, as far as derivatives go."""

    RULE = "rule"  # a function with a derivative rule (math.sin, np.dot, ...)
    CONSTANT = "constant"  # no derivative flows through it (len, np.zeros, range, ...)
    USER = "user"  # a Python function with source: differentiated itself
    UNKNOWN = "unknown"  # no rule, no source: refused if a derivative must flow through it
    REGISTERED = "registered"  # a function with a user-registered vjp/jvp (srcdiff.defvjp)


RULE, CONSTANT, USER, UNKNOWN, REGISTERED = CalleeKind


@dataclass
class Callee:
    """A resolved call: its kind, the object called, and arguments bound to parameter names."""

    kind: CalleeKind
    obj: Any = None
    rule: Rule | None = None
    bound: dict[str, gast.expr] = field(default_factory=dict)  # parameter name -> atom
    positions: dict[str, int] = field(default_factory=dict)  # user functions: parameter -> position
    description: str = ""
    method: Any = None  # for ``x.sum()``: the function the primal sweep calls instead
    guard: Any = None  # for ``self.f(x)``: what the class's attribute was (rebinding it generates code again)
    receiver: gast.expr | None = None  # for ``self.f(x)``: ``self``, passed first to ``f`` (not in the call's args)

    def call_args(self, node: gast.Call) -> list[gast.expr]:
        """The positional arguments a call of this callee's function takes (its receiver first)."""
        return ([self.receiver] if self.receiver is not None else []) + list(node.args)

    def differentiable_args(self) -> list[gast.expr]:
        """The argument atoms through which a derivative can flow."""
        if self.kind == CONSTANT:
            # a constructor's result depends on its values (refused when they are differentiated)
            return _flat(list(self.bound.values())) if self.obj in rules.VALUE_CONSTRUCTORS else []
        if self.kind == RULE:
            assert self.rule is not None
            rule = self.rule
            carried = set(rule.adjoints) | set(rule.tangents) | rule.linear | rule.undifferentiated
            return _flat([self.bound[p] for p in rule.params if p in self.bound and p in carried])
        return _flat(list(self.bound.values()))


def _flat(values: list[Any]) -> list[gast.expr]:
    """Arguments, with those gathered by a ``*args`` or ``**kwargs`` parameter spread out."""
    out: list[gast.expr] = []
    for v in values:
        out.extend(v if isinstance(v, tuple) else v.values() if isinstance(v, dict) else [v])
    return out


def resolve(
    node: gast.Call,
    lookup: Callable[[str], tuple[bool, Any]],
    local_names: set[str],
    classes: dict[str, Any] | None = None,
) -> Callee:
    """Resolve ``node.func`` (a dotted name or a method on a local) and bind its arguments.
    ``classes``: the kind of each parameter holding a user object (:class:`ObjectOf`: ``self``,
    whose class's methods ``self.f(x)`` calls unless the object's own attribute hides one) or a
    function (:class:`FunctionOf`: ``f`` in ``f(y)``)."""
    path = dotted_path(node.func)
    description = path or "a computed callable"
    base = node.func.value if isinstance(node.func, gast.Attribute) else None
    passed = classes.get(node.func.id) if isinstance(node.func, gast.Name) and classes else None
    if isinstance(passed, FunctionOf) and _readable(passed.fn):  # f(y), f a function argument
        return _user(passed.fn, list(node.args), node, description)
    if isinstance(passed, ObjectOf):  # layer(x), layer an object of the user's: its class's __call__
        raw = inspect.getattr_static(passed.cls, "__call__", None)
        if _readable(raw):
            found_call = _user(raw, [node.func, *node.args], node, description)
            found_call.receiver = node.func
            found_call.guard = ("attribute", passed.cls, "__call__", raw)
            return found_call
    kind = classes.get(base.id) if isinstance(base, gast.Name) and classes else None
    if isinstance(kind, ObjectOf) and node.func.attr not in kind.shadowed:  # type: ignore[attr-defined]
        found_method = _class_method(node, kind.cls, description)
        if found_method is not None:
            return found_method
    if (
        isinstance(node.func, gast.Attribute)
        and path is not None
        and path.split(".")[0] in local_names
        and node.func.attr in rules.METHODS
        and isinstance(node.func.value, gast.Name)
    ):
        return _method(node)
    obj: Any = None
    found = False
    if path is not None and path.split(".")[0] not in local_names:
        found, obj = _follow(path, lookup)
        if found and path == "__srcdiff_partial_of__":  # (the function a partial object stands for)
            description = getattr(obj, "__name__", None) or description
    if not found and isinstance(passed, FunctionOf):  # f(y), f a library function with a rule passed in
        found, obj = True, passed.fn
    if not found:
        bound = {f"arg{i}": a for i, a in enumerate(_all_args(node))}
        if isinstance(node.func, gast.Attribute) and path is not None and path.split(".")[0] in local_names:
            bound["self"] = node.func.value
        return Callee(UNKNOWN, None, None, bound, description=description)
    if registered.lookup(obj) is not None:  # the user's own rule comes first
        positional = {f"arg{i}": a for i, a in enumerate(node.args)}
        return Callee(REGISTERED, obj, None, positional, description=description)
    if rules.is_constant(obj):
        arguments = {f"arg{i}": a for i, a in enumerate(_all_args(node))}
        return Callee(CONSTANT, obj, None, arguments, description=description)
    rule = rules.lookup(obj)
    if rule is not None:
        kwargs = {kw.arg: kw.value for kw in node.keywords}
        found_bound = rule.bind(list(node.args), kwargs)
        if found_bound is not None:
            bound = found_bound
            return Callee(RULE, obj, rule, _atoms(bound), description=description)
        return Callee(
            UNKNOWN,
            obj,
            None,
            {f"arg{i}": a for i, a in enumerate(_all_args(node))},
            description=f"{description} with these arguments",
        )
    if isinstance(obj, types.MethodType) and isinstance(base, gast.Name) and _readable(obj.__func__):
        found_method = _user(obj.__func__, [base, *node.args], node, description)  # model.predict(x), model global
        found_method.receiver = base
        return found_method
    obj = unwrap_partial(obj)  # (a module-level functools.partial: the call it stands for)
    if isinstance(obj, types.FunctionType) and _readable(obj):
        return _user(obj, list(node.args), node, description)
    if is_gradient(obj) and isinstance(obj.fn, types.FunctionType) and _readable(obj.fn):
        found_gradient = _user(obj.fn, list(node.args), node, description)  # bound as the function's own
        found_gradient.obj = obj  # (its code, made for the arguments' kinds, is what is differentiated)
        return found_gradient
    return Callee(UNKNOWN, obj, None, {f"arg{i}": a for i, a in enumerate(_all_args(node))}, description=description)


def is_gradient(obj: Any) -> bool:
    """A gradient srcdiff made (``srcdiff.grad(f)``, ``value_and_grad``), called like ``f``."""
    return type(obj).__name__ == "GradFunction" and type(obj).__module__ == "srcdiff.api.gradient"


def _readable(fn: Any) -> bool:
    """A Python function srcdiff reads the source of (not one of a compiled library's)."""
    return (
        isinstance(fn, types.FunctionType)
        and (getattr(fn, "__module__", None) or "").split(".")[0] not in OPAQUE_LIBRARIES
    )


def _class_method(node: gast.Call, cls: type, description: str) -> Callee | None:
    """``self.f(x)`` on an object of class ``cls``: ``cls.f(self, x)`` (a static method without
    ``self``), or None if ``f`` is not a method srcdiff reads."""
    attr = node.func.attr  # type: ignore[attr-defined]
    raw = inspect.getattr_static(cls, attr, None)
    if isinstance(raw, staticmethod) and _readable(raw.__func__):
        found = _user(raw.__func__, list(node.args), node, description)
    elif _readable(raw):
        found = _user(raw, [node.func.value, *node.args], node, description)  # type: ignore[attr-defined]
        found.receiver = node.func.value  # type: ignore[attr-defined]
    else:
        return None
    found.guard = ("attribute", cls, attr, raw)
    return found


def _user(fn: Any, args: list[gast.expr], node: gast.Call, description: str) -> Callee:
    """A call of a Python function, its arguments bound to its parameters."""
    try:
        sig = inspect.signature(fn)
        bound_args = sig.bind(*args, **{kw.arg: kw.value for kw in node.keywords})
    except (TypeError, ValueError):
        return Callee(UNKNOWN, fn, None, {f"arg{i}": a for i, a in enumerate(_all_args(node))}, description=description)
    names = list(sig.parameters)
    arguments = dict(bound_args.arguments)
    for p in sig.parameters.values():  # (what ``*args`` / ``**kwargs`` gather: nothing, if not bound)
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name not in arguments:
            arguments[p.name] = () if p.kind == p.VAR_POSITIONAL else {}
    return Callee(
        USER,
        fn,
        None,
        arguments,
        positions={p: names.index(p) for p in bound_args.arguments},
        description=description,
    )


def _atoms(bound: dict[str, Any]) -> dict[str, Any]:
    """Bound arguments that are code (atoms, or tuples of them for ``*args``), not defaults."""
    return {
        k: v
        for k, v in bound.items()
        if isinstance(v, gast.AST) or isinstance(v, tuple) and all(isinstance(x, gast.AST) for x in v)
    }


def _method(node: gast.Call) -> Callee:
    """``x.sum(axis=0)`` as ``np.sum(x, axis=0)``: a method numpy arrays share with a numpy function."""
    attr = node.func.attr  # type: ignore[attr-defined]
    target = rules.METHODS[attr]
    fn = getattr(numpy, target) if isinstance(target, str) else target
    args = list(node.args)
    if attr in rules.SPREAD_METHODS and len(args) > 1:  # x.reshape(2, 3) means x.reshape((2, 3))
        args = [gast.Tuple(elts=args, ctx=gast.Load())]
    args.insert(0, node.func.value)  # type: ignore[attr-defined]
    description = f".{attr}()"
    if rules.is_constant(fn):
        return Callee(CONSTANT, fn, description=description, method=fn)
    rule = rules.lookup(fn)
    bound = rule.bind(args, {kw.arg: kw.value for kw in node.keywords}) if rule is not None else None
    if rule is None or bound is None:
        return Callee(UNKNOWN, fn, None, {f"arg{i}": a for i, a in enumerate(args)}, description=description)
    # (z.conj() stays a method call: np.conjugate would make a Python complex a numpy one)
    keep = attr in ("conj", "conjugate")
    return Callee(RULE, fn, rule, _atoms(bound), description=description, method=None if keep else fn)


def _all_args(node: gast.Call) -> list[gast.expr]:
    return list(node.args) + [kw.value for kw in node.keywords]


def _follow(path: str, lookup: Callable[[str], tuple[bool, Any]]) -> tuple[bool, Any]:
    head, *rest = path.split(".")
    found, obj = lookup(head)
    if not found:
        return False, None
    for attr in rest:
        try:
            obj = getattr(obj, attr)
        except AttributeError:
            return False, None
    return True, obj


def unsupported_arguments(
    callee: Callee, is_active: Callable[[Any], bool] = lambda a: False, node: gast.Call | None = None
) -> tuple[str, str, type] | None:
    """(problem, hint, error class) when a rule's adjoint does not handle these argument values, or when a
    differentiated value reaches an argument no derivative flows through (it would be lost)."""
    if callee.kind == CONSTANT and node is not None and callee.obj in rules.VALUE_CONSTRUCTORS:
        if any(is_active(a) for a in list(node.args) + [k.value for k in node.keywords]):
            return (
                f"`{callee.description}` builds its result from a differentiated value, and srcdiff has no "
                "derivative for that yet",
                "multiply instead, e.g. `x * np.ones(n)` for `np.full(n, x)`",
                NoDerivativeError,
            )
    if callee.kind == RULE and callee.rule is not None:
        rule = callee.rule
        for param, value in callee.bound.items():
            if param in rule.undifferentiated and any(is_active(a) for a in _flat([value])):
                return (
                    f"the argument `{param}` of `{callee.description}` is differentiated, but no derivative "
                    "flows through it in srcdiff's rule",
                    "make it a constant, or write the operation with operations that have rules (see docs/coverage.md)",
                    NoDerivativeError,
                )
    return None


def as_function_call(value: gast.Call, callee: Callee, global_name: Callable[[str, Any], str]) -> gast.Call:
    """``x.sum(0)`` runs as ``np.sum(x, 0)``, so the primal is exactly what the rule describes."""
    if callee.method is None:
        return value
    fn = callee.method
    name = getattr(fn, "__name__", "")
    if getattr(numpy, name, None) is fn:
        func: gast.expr = gast.Attribute(
            value=gast.Name(id=global_name("np", numpy), ctx=gast.Load(), annotation=None, type_comment=None),
            attr=name,
            ctx=gast.Load(),
        )
    else:
        func = gast.Name(id=global_name(name, fn), ctx=gast.Load(), annotation=None, type_comment=None)
    receiver = value.func.value  # type: ignore[attr-defined]
    args = [receiver] + list(value.args)
    if value.func.attr in rules.SPREAD_METHODS and len(value.args) > 1:  # type: ignore[attr-defined]
        args = [receiver, gast.Tuple(elts=list(value.args), ctx=gast.Load())]
    return gast.Call(func=func, args=args, keywords=list(value.keywords))
