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
from .activity import _statements, append_call, assignments, item_write, mutations
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
    parts = _Parts(norm.body)

    def is_complex(value: gast.expr) -> bool:
        return _complex_expr(value, names, local, callee_of, lookup, parts)

    changed = True
    while changed:
        changed = False
        for stmt in assignments(norm.body):
            target = stmt.targets[0].id
            changed |= parts.bind(target, stmt.value, is_complex)
            if target not in names and is_complex(stmt.value):
                names.add(target)
                changed = True
        for container, value in mutations(norm.body):
            if container not in names and is_complex(value):
                names.add(container)
                changed = True
        for stmt in _statements(norm.body):
            pushed = append_call(stmt)
            written = item_write(stmt)
            if pushed is not None:
                changed |= parts.push(*pushed)
            elif written is not None:
                changed |= parts._forget(written[0])
            if isinstance(stmt, gast.For) and is_complex(stmt.iter):
                for node in gast.walk(stmt.target):
                    if isinstance(node, gast.Name) and node.id not in names:
                        names.add(node.id)
                        changed = True
    return names


class _Parts:
    """Which positions of a tuple may be complex, also after a trip through a list: the tape of
    a gradient differentiated again pushes each step's values as one tuple and takes them apart
    (``t = (a, b)``, ``tape.append(t)``, ``u = tape.pop()``, ``check_unpack(u, 2)``, ``b = u[1]``
    keeps ``b`` real when only ``a`` is complex).  A popped tuple is told apart from the others
    on its list by its length; a name bound to anything else as well is not followed."""

    def __init__(self, body: list[gast.stmt]) -> None:
        self.tuples: dict[str, list[bool]] = {}
        self.lists: dict[str, dict[int, list[bool]]] = {}  # name -> tuple length -> flags
        self.popped: dict[str, str] = {}  # name -> the list it was popped from
        self.opaque: set[str] = set()
        self.lengths: dict[str, int] = {}  # (from check_unpack(t, n), which makes sure of it)
        for stmt in _statements(body):
            value = stmt.value if isinstance(stmt, gast.Expr) else None
            if isinstance(value, gast.Call) and isinstance(value.func, gast.Name) and value.func.id == "check_unpack":
                seq, n = value.args[0], value.args[1]
                if isinstance(seq, gast.Name) and isinstance(n, gast.Constant) and isinstance(n.value, int):
                    self.lengths[seq.id] = n.value

    def _forget(self, name: str) -> bool:
        self.opaque.add(name)
        return any(d.pop(name, None) is not None for d in (self.tuples, self.lists, self.popped))

    def bind(self, name: str, value: gast.expr, is_complex: Callable[[gast.expr], bool]) -> bool:
        """``name = value``; True if what is known changed."""
        if name in self.opaque:
            return False
        if isinstance(value, gast.Name) and value.id in self.tuples:
            value = gast.Tuple(elts=[gast.Constant(value=f, kind=None) for f in self.tuples[value.id]], ctx=gast.Load())
        if isinstance(value, gast.Tuple) and not any(isinstance(e, gast.Starred) for e in value.elts):
            flags = [is_complex(e) if not isinstance(e, gast.Constant) else bool(e.value) for e in value.elts]
            old = self.tuples.get(name)
            if name in self.lists or name in self.popped or old is not None and len(old) != len(flags):
                return self._forget(name)
            merged = [a or b for a, b in zip(old, flags)] if old is not None else flags
            self.tuples[name] = merged
            return merged != old
        if isinstance(value, gast.List) and not value.elts and name not in self.tuples and name not in self.popped:
            if name in self.lists:
                return False
            self.lists[name] = {}
            return True
        func = value.func if isinstance(value, gast.Call) else None
        if isinstance(func, gast.Attribute) and func.attr == "pop" and isinstance(func.value, gast.Name):
            if not value.args and func.value.id in self.lists and self.popped.get(name, func.value.id) == func.value.id:  # type: ignore[union-attr]
                changed = name not in self.popped
                self.popped[name] = func.value.id
                return changed
        return self._forget(name) if name in self.tuples or name in self.lists or name in self.popped else False

    def push(self, name: str, value: gast.expr) -> bool:
        """``name.append(value)``: a tuple whose positions are known is kept by its length."""
        found = self.lists.get(name)
        if found is None or not isinstance(value, gast.Name) or value.id not in self.tuples:
            return False
        flags = self.tuples[value.id]
        old = found.get(len(flags))
        merged = [a or b for a, b in zip(old, flags)] if old is not None else list(flags)
        found[len(flags)] = merged
        return merged != old

    def element(self, value: gast.expr) -> bool | None:
        """May ``t[k]`` be complex (None: not known here)?"""
        if not (isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name)):
            return None
        name = value.value.id
        flags = self.tuples.get(name)
        if flags is None and name in self.popped and name in self.lengths:
            flags = self.lists.get(self.popped[name], {}).get(self.lengths[name], [])
        index = value.slice.value if isinstance(value.slice, gast.Constant) else None
        if flags is None or not isinstance(index, int) or not -len(flags) <= index < len(flags):
            return None
        return flags[index]


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


def _complex_expr(
    value: gast.expr, names: set[str], local: set[str], callee_of: CalleeOf, lookup: Lookup, parts: _Parts
) -> bool:
    if isinstance(value, gast.Compare):
        return False
    element = parts.element(value)
    if element is not None:
        return element
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
        complex_at = None  # (which arguments may be complex: a rule may be linear in some)
        if not value.keywords and not (isinstance(value.func, gast.Attribute) and _mentions(value.func.value, names)):
            complex_at = tuple(k for k, a in enumerate(value.args) if _mentions(a, names))
        if not complex_module.holds_for_complex(callee.obj, complex_at):
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
