"""What a derivative rule is: a signature plus one small template per argument.

A template is a Python expression giving the contribution of one output
adjoint ``g`` to the adjoint of that argument.  Inside a template, ``out`` is
the primitive's result, the parameter names are its arguments, and ``math``,
``np`` (the array library alias) and the runtime helpers are available::

    sin = rule("x", x="g * math.cos(x)")

For an *elementwise* rule the template is linear in ``g`` and equals
``g * ∂out/∂arg``, so forward mode reuses it with ``g`` replaced by the
argument's tangent.  Rules know nothing about the transforms that apply them.

>>> r = rule("a, b", a="g * b", b="g * a")
>>> sorted(r.adjoints), r.params
(['a', 'b'], ('a', 'b'))
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import gast
import numpy

from .. import runtime
from ..errors import UnsupportedSyntaxError

#: Global names a template may use, and what they refer to.  (``known(p)``, ``ndim(p)``,
#: ``size(p)``, ``shape(p)``, ``cplx(p)`` and ``only_shape(p)`` are not functions: they are
#: decided when the template is inlined -- is argument ``p`` a constant; how many dimensions and
#: elements does it have, its shape (-1, -1, None: not known); may
#: it hold complex numbers (:mod:`srcdiff.analysis.complex_values`)?  A test made of
#: them picks one branch.  ``only_shape(p)`` is ``p`` for a helper that reads only its shape:
#: ``Shaped((3, 2))`` when the shape is known, so ``p`` itself need not be kept.)
TEMPLATE_GLOBALS: dict[str, Any] = {"math": math, "np": numpy, **runtime.TEMPLATE_HELPERS}


def helpers_of(namespace: dict[str, Any], module: str) -> dict[str, Any]:
    """The public functions a helper module defines (``helpers_of(globals(), __name__)``): what
    its templates may call by name."""
    return {
        name: fn
        for name, fn in list(namespace.items())
        if callable(fn) and not name.startswith("_") and getattr(fn, "__module__", None) == module
    }


def not_supported(what: str, hint: str) -> Exception:
    """The refusal a helper raises for arguments its rule does not cover (the transform adds
    where the call is)."""
    return UnsupportedSyntaxError(None, None, None, f"{what} is not supported yet", hint)


def register_helpers(helpers: dict[str, Any]) -> None:
    """Make more helpers available to templates (array rules bring their own).  Templates share
    one namespace: a name two modules define differently is an error (one rule would silently
    call the other's helper)."""
    for name, fn in helpers.items():
        if name in TEMPLATE_GLOBALS and TEMPLATE_GLOBALS[name] is not fn:
            raise ValueError(f"two template helpers are named {name!r}: {TEMPLATE_GLOBALS[name]!r} and {fn!r}")
    TEMPLATE_GLOBALS.update(helpers)


@dataclass(frozen=True)
class Rule:
    """A derivative rule: parameter list, defaults and per-argument adjoint templates."""

    signature: inspect.Signature
    adjoints: Mapping[str, str]
    elementwise: bool = True  # contributions broadcast like the arguments (need unbroadcasting)
    sequence_args: frozenset[str] = field(default_factory=frozenset)  # arguments that are sequences
    # forward mode by linearity: f is linear in these arguments jointly (its tangent is f applied to
    # their tangents at once, like add_at(adj, v)), or, if multilinear, in each one separately
    # (a product: one term per argument, like a @ b)
    linear: frozenset[str] = frozenset()
    multilinear: bool = False
    tangents: Mapping[str, str] = field(default_factory=dict)  # forward mode: ``t`` (the argument's tangent)
    # arguments whose value shapes the result but has no derivative rule yet: refused when differentiated
    # (arguments used only for shapes, axes or selection are not listed: they carry no derivative)
    undifferentiated: frozenset[str] = frozenset()

    def tangent_template(self, param: str) -> gast.expr | None:
        """Forward mode: the output tangent contributed by ``param``'s tangent ``t`` (None: use linearity)."""
        if param in self.tangents:
            return _parse(self.tangents[param])
        if self.elementwise and param not in self.sequence_args and param in self.adjoints:
            # g * d(out)/d(arg) is self-adjoint for elementwise rules: put the tangent in g's place
            return _Rename({"g": "t"}).visit(_parse(self.adjoints[param]))
        return None

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(self.signature.parameters)

    def template(self, param: str) -> gast.expr:
        """A fresh copy of the parsed template for ``param``."""
        return _parse(self.adjoints[param])

    def bind(self, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any] | None:
        """Map call arguments to parameter names (with defaults); None if they don't fit."""
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError:
            return None
        bound.apply_defaults()
        return dict(bound.arguments)


def rule(
    signature: str,
    *,
    elementwise: bool = True,
    sequences: str = "",
    linear: bool | str = False,
    multilinear: bool = False,
    jvp: Mapping[str, str] | None = None,
    refuse: str = "",
    **adjoints: str,
) -> Rule:
    """Build a :class:`Rule` from ``"x, y=None"`` and templates keyed by parameter name
    (``jvp``: forward-mode templates in terms of the argument's tangent ``t``; ``refuse``: arguments
    whose value matters but that have no template yet -- a differentiated one is refused)."""
    sig = _signature(signature)
    reserved = {"g", "out", "i", "t"} & set(sig.parameters)
    if reserved:
        raise ValueError(f"parameter names {sorted(reserved)} are reserved in templates (rule for ({signature}))")
    unknown = set(adjoints) - set(sig.parameters)
    if unknown:
        raise ValueError(f"templates for parameters not in ({signature}): {sorted(unknown)}")
    for text in list(adjoints.values()) + list((jvp or {}).values()):
        _parse(text)  # fail at import time on a malformed template
    seq = frozenset(s.strip() for s in sequences.split(",") if s.strip())
    # linear=True: in every argument that has a template; or the names listed ("v, a, b")
    linear_in = (
        frozenset(adjoints)
        if linear is True
        else frozenset(x.strip() for x in linear.split(",") if x.strip())
        if linear
        else frozenset()
    )
    refused = frozenset(x.strip() for x in refuse.split(",") if x.strip())
    return Rule(sig, dict(adjoints), elementwise, seq, linear_in, multilinear, dict(jvp or {}), refused)


class _Rename(gast.NodeTransformer):
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def visit_Name(self, node: gast.Name) -> gast.Name:
        node.id = self.names.get(node.id, node.id)
        return node


def _signature(text: str) -> inspect.Signature:
    namespace: dict[str, Any] = {}
    exec(f"def _rule({text}): pass", {"math": math}, namespace)
    return inspect.signature(namespace["_rule"])


@cache
def _parsed(text: str) -> gast.expr:
    return gast.parse(text).body[0].value


def _parse(text: str) -> gast.expr:
    from ..syntax import clone

    return clone(_parsed(text))


@dataclass
class RuleTable:
    """Rules for one namespace: callables (or operator node types) to rules, plus the
    callables that have no derivative at all (their results are constants)."""

    name: str
    rules: dict[Any, Rule] = field(default_factory=dict)
    nondifferentiable: set[Any] = field(default_factory=set)

    def define(self, fn: Any, r: Rule) -> None:
        self.rules[fn] = r

    def constant(self, *fns: Any) -> None:
        self.nondifferentiable.update(fns)
