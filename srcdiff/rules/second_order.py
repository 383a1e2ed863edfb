"""Which rules work at second order (``hessian``, ``hvp``: forward mode over the generated gradient),
derived from the rule tables rather than claimed by hand.

A second derivative through a call differentiates the rule's adjoint templates again, in forward
mode.  So a rule works at second order when it has both modes and every function its adjoints call
(and, for srcdiff's own helpers, which srcdiff reads from source, every function *those* call) has
a forward rule, or is a constant, or is itself a helper srcdiff can read.  Functions without a rule
(a C routine, a library's Python function) end the claim.  :data:`FIRST_ORDER_ONLY` lists the helpers
srcdiff reads but refuses to differentiate again, with the reason; the generated rule tests check
both ways (``tests/test_numpy_rules.py``, ``test_linalg_rules.py``, ``test_scipy_rules.py``,
``test_rules.py``): every rule claimed here is differentiated twice and compared with finite
differences, and a rule of a listed helper must refuse.

>>> import math, numpy as np
>>> from srcdiff.rules import lookup
>>> second_order(lookup(math.sin)), second_order(lookup(np.cumprod))
(True, True)
>>> first_order_only(lookup(np.cumprod))
[]
"""

from __future__ import annotations

import builtins
import inspect
import textwrap
from functools import cache
from typing import Any

import gast

from .table import TEMPLATE_GLOBALS, Rule

#: Helpers srcdiff reads from source but refuses to differentiate a second time, and why.
FIRST_ORDER_ONLY: dict[
    Any, str
] = {}  # (none left: cumprod_adjoint, einsum_adjoint and window_adjoint are differentiable)
#: Called by srcdiff's helpers on shapes, axes and dtypes only, which never carry a derivative.
_ON_SHAPES: set[Any] = {sorted}
#: Names a template uses that are decided when it is inlined, not called (see table.TEMPLATE_GLOBALS).
_INLINE = {"known", "ndim", "only_shape"}


def second_order(rule: Rule) -> bool:
    """True when ``hessian`` through ``rule`` is supported: both modes, and adjoints that can be
    differentiated again in forward mode (see the module's docstring)."""
    if not _both_modes(rule):
        return False
    return all(_callable_ok(c, frozenset()) for text in rule.adjoints.values() for c in _template_callees(text))


def first_order_only(rule: Rule) -> list[str]:
    """The helpers of :data:`FIRST_ORDER_ONLY` that ``rule``'s adjoints reach."""
    found: set[str] = set()
    for text in rule.adjoints.values():
        for c in _template_callees(text):
            found |= _reached_refused(c, frozenset())
    return sorted(found)


def _both_modes(rule: Rule) -> bool:
    params = [p for p in rule.params if p in rule.adjoints or p in rule.tangents or p in rule.linear]
    return bool(params) and all(
        p in rule.adjoints and (p in rule.linear or rule.tangent_template(p) is not None) for p in params
    )


def _forward_ok(rule: Rule) -> bool:
    params = [p for p in rule.params if p in rule.adjoints or p in rule.tangents or p in rule.linear]
    return all(p in rule.linear or rule.tangent_template(p) is not None for p in params)


def _resolve(node: gast.expr, names: dict[str, Any]) -> Any:
    if isinstance(node, gast.Name):
        if node.id in names:
            return names[node.id]
        return getattr(builtins, node.id, None)
    if isinstance(node, gast.Attribute):
        base = _resolve(node.value, names)
        return None if base is None or inspect.ismodule(base) is False else getattr(base, node.attr, None)
    return None


def _callees(tree: gast.AST, names: dict[str, Any]) -> list[Any]:
    """What the calls in ``tree`` name (calls of local values and methods are left out: they are
    resolved when the code runs, by the rules of the values they are called on)."""
    found = []
    for node in gast.walk(tree):
        if isinstance(node, gast.Call):
            if isinstance(node.func, gast.Name) and node.func.id in _INLINE:
                continue
            target = _resolve(node.func, names)
            if target is not None:
                found.append(target)
    return found


@cache
def _template_callees(text: str) -> tuple[Any, ...]:
    return tuple(_callees(gast.parse(text), TEMPLATE_GLOBALS))


@cache
def _source_callees(fn: Any) -> tuple[Any, ...] | None:
    """The callables ``fn``'s source calls, or None without source."""
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return None
    names = {**vars(builtins), **fn.__globals__}
    local = {n.id for n in gast.walk(gast.parse(source)) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    local |= {a.id for a in gast.walk(gast.parse(source)) if isinstance(a, gast.Name) and isinstance(a.ctx, gast.Param)}
    return tuple(_callees(gast.parse(source), {k: v for k, v in names.items() if k not in local}))


def _own_helper(fn: Any) -> bool:
    return inspect.isfunction(fn) and (fn.__module__ or "").startswith("srcdiff")


def _callable_ok(fn: Any, seen: frozenset[Any]) -> bool:
    from . import is_constant, lookup

    if fn in seen or fn in _ON_SHAPES:
        return True
    found = lookup(fn)
    if found is not None:
        return _forward_ok(found)
    if is_constant(fn) or inspect.isclass(fn):
        return True  # (a class: a marker or container type srcdiff's runtime builds, like Shaped)
    if fn in FIRST_ORDER_ONLY or not _own_helper(fn):
        return False
    callees = _source_callees(fn)
    return callees is not None and all(_callable_ok(c, seen | {fn}) for c in callees)


def _reached_refused(fn: Any, seen: frozenset[Any]) -> set[str]:
    from . import lookup

    if fn in seen or lookup(fn) is not None:
        return set()
    if fn in FIRST_ORDER_ONLY:
        return {fn.__name__}
    if not _own_helper(fn):
        return set()
    found: set[str] = set()
    for c in _source_callees(fn) or ():
        found |= _reached_refused(c, seen | {fn})
    return found
