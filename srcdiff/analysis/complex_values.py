"""Complex values: which variables may hold complex numbers, and a check that every operation
on them has a rule that holds for complex numbers (the others are refused, never guessed).

A variable may be complex if a parameter is (its kind is :class:`Complex`), or if it is computed
from a complex value, a complex constant (``1j``) or a function that makes complex values (the
fft family); ``np.real``, ``np.abs`` and friends give real values again.  The analysis is
flow-insensitive (as activity is): it can only refuse more, never let a wrong rule through.

>>> import srcdiff.frontend.capture as c, srcdiff.frontend.normalize as n
>>> def f(x):
...     z = x * 1j
...     return np.real(z) * x
>>> norm = n.normalize(c.capture(f))
>>> sorted(v for v in maybe_complex(norm, {"x": (3,)}, lambda call: None, lambda name: (False, None)) if v == "z")
['z']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gast
import numpy as np

from ..errors import UnsupportedSyntaxError
from ..frontend.normal_form import NormalizedFunction
from ..rules import complex_module
from .activity import _statements, assignments, mutations
from .calls import RULE, Callee
from .value_kinds import has_complex

CalleeOf = Callable[[gast.Call], "Callee | None"]
Lookup = Callable[[str], tuple[bool, Any]]


def _is_complex_value(value: Any) -> bool:
    return isinstance(value, (complex, np.complexfloating)) or (
        isinstance(value, np.ndarray) and value.dtype.kind == "c"
    )


def maybe_complex(
    norm: NormalizedFunction, param_kinds: dict[str, Any], callee_of: CalleeOf, lookup: Lookup
) -> set[str]:
    """The names that may hold complex numbers (empty, and fast, for real code)."""
    names = {p for p, k in param_kinds.items() if has_complex(k)}
    local = set(norm.params) | {s.targets[0].id for s in assignments(norm.body)}
    body = gast.Module(body=norm.body, type_ignores=[])
    if not names and not any(_source(node, local, callee_of, lookup) for node in gast.walk(body)):
        return names
    changed = True
    while changed:
        changed = False
        for stmt in assignments(norm.body):
            target = stmt.targets[0].id
            if target not in names and _complex_expr(stmt.value, names, local, callee_of, lookup):
                names.add(target)
                changed = True
        for container, value in mutations(norm.body):
            if container not in names and _complex_expr(value, names, local, callee_of, lookup):
                names.add(container)
                changed = True
        for stmt in _statements(norm.body):
            if isinstance(stmt, gast.For) and _complex_expr(stmt.iter, names, local, callee_of, lookup):
                for node in gast.walk(stmt.target):
                    if isinstance(node, gast.Name) and node.id not in names:
                        names.add(node.id)
                        changed = True
    return names


def _source(node: gast.AST, local: set[str], callee_of: CalleeOf, lookup: Lookup) -> bool:
    """Does ``node`` bring complex numbers in: a complex constant, a global holding them, a call
    of a function that makes them?"""
    if isinstance(node, gast.Constant):
        return isinstance(node.value, complex)
    if isinstance(node, gast.Name) and node.id not in local:
        found, value = lookup(node.id)
        return found and _is_complex_value(value)
    if isinstance(node, gast.Call):
        callee = callee_of(node)
        if callee is not None and callee.obj in complex_module.COMPLEX_RESULTS:
            return True
        # x.astype(complex), np.array(v, dtype=np.complex128), np.zeros(3, dtype="complex")
        return any(_complex_dtype(a, local, lookup) for a in [*node.args, *(k.value for k in node.keywords)])
    return False


_COMPLEX_DTYPE_NAMES = ("complex", "complex64", "complex128", "c8", "c16", "D", "F")


def _complex_dtype(node: gast.expr, local: set[str], lookup: Lookup) -> bool:
    if isinstance(node, gast.Constant):
        return isinstance(node.value, str) and node.value in _COMPLEX_DTYPE_NAMES
    value = None
    if isinstance(node, gast.Name) and node.id not in local:
        found, value = lookup(node.id)
        if not found:
            return False
    elif isinstance(node, gast.Attribute) and isinstance(node.value, gast.Name) and node.value.id not in local:
        found, module = lookup(node.value.id)
        value = getattr(module, node.attr, None) if found else None
    return isinstance(value, type) and issubclass(value, (complex, np.complexfloating))


def _complex_expr(value: gast.expr, names: set[str], local: set[str], callee_of: CalleeOf, lookup: Lookup) -> bool:
    if isinstance(value, gast.Compare):
        return False
    if isinstance(value, gast.Attribute) and value.attr in ("real", "imag", "shape", "ndim", "size", "dtype"):
        return False
    if isinstance(value, gast.Call):
        callee = callee_of(value)
        obj = callee.obj if callee is not None else None
        if obj in complex_module.REAL_RESULTS:
            return False
        if obj in complex_module.COMPLEX_RESULTS:
            return True
    for node in gast.walk(value):
        if isinstance(node, gast.Name) and node.id in names:
            return True
        if _source(node, local, callee_of, lookup):
            return True
    return False


def check(norm: NormalizedFunction, names: set[str], callee_of: CalleeOf) -> None:
    """Refuse an operation on a value that may be complex whose rule is written for real numbers
    only (``np.maximum``, ``x ** y`` with a varying exponent, ...)."""
    if not names:
        return
    for stmt in _statements(norm.body):
        if isinstance(stmt, gast.Assign):
            _check_primitive(norm, stmt, stmt.value, names, callee_of)
        elif isinstance(stmt, gast.Expr):
            _check_primitive(norm, stmt, stmt.value, names, callee_of)


def _operands(value: gast.expr) -> list[gast.expr]:
    if isinstance(value, gast.BinOp):
        return [value.left, value.right]
    if isinstance(value, gast.UnaryOp):
        return [value.operand]
    if isinstance(value, gast.Call):
        return (
            list(value.args)
            + [k.value for k in value.keywords]
            + ([value.func.value] if isinstance(value.func, gast.Attribute) else [])
        )
    return []


def _mentions(node: gast.expr, names: set[str]) -> bool:
    return any(isinstance(n, gast.Name) and n.id in names for n in gast.walk(node)) or any(
        isinstance(n, gast.Constant) and isinstance(n.value, complex) for n in gast.walk(node)
    )


def _check_primitive(
    norm: NormalizedFunction, stmt: gast.stmt, value: gast.expr, names: set[str], callee_of: CalleeOf
) -> None:
    if not any(_mentions(o, names) for o in _operands(value)):
        return
    if isinstance(value, (gast.BinOp, gast.UnaryOp)):
        if not isinstance(value.op, complex_module.OPERATORS):
            _refuse(norm, stmt, f"the operator `{type(value.op).__name__}`")
        if isinstance(value, gast.BinOp) and isinstance(value.op, gast.Pow):
            if not (isinstance(value.right, gast.Constant) and isinstance(value.right.value, (int, float))):
                _refuse(norm, stmt, "`**` with an exponent that is not a constant")
        return
    if isinstance(value, gast.Call):
        callee = callee_of(value)
        if callee is None or callee.kind != RULE:
            return  # constants, user functions (checked when differentiated), registered rules
        if not complex_module.holds_for_complex(callee.obj):
            _refuse(norm, stmt, f"`{callee.description}`")


def _refuse(norm: NormalizedFunction, stmt: gast.stmt, what: str) -> None:
    captured = norm.captured
    raise UnsupportedSyntaxError(
        captured.name,
        captured.filename,
        captured.line(stmt),
        f"{what} on complex values is not supported yet (its derivative rule is written for real numbers)",
        "take np.real, np.imag or np.abs first, or write the step with operations srcdiff supports for "
        "complex numbers (see docs/complex.md)",
    )
