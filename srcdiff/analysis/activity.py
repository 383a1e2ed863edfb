"""Activity analysis: which variables need a derivative at all.

A variable is *varied* if its value depends differentiably on an input we
differentiate with respect to, and *useful* if the output depends
differentiably on it; it is *active* if both.  Only active variables get
adjoint (or tangent) code.  The analysis is flow-insensitive (a name is varied
if any assignment to it is), which is conservative: it can only add work,
never drop a derivative.

>>> import srcdiff.frontend.capture as c, srcdiff.frontend.normalize as n
>>> def f(x, y):
...     k = len([y])
...     z = x * y
...     return z + k
>>> norm = n.normalize(c.capture(f))
>>> sorted(analyze(norm, {"x"}, lambda call: None).active)
['_t2', 'x', 'z']
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import gast

from .. import rules
from ..frontend.normal_form import NormalizedFunction
from ..syntax import reached_names
from . import calls
from .calls import Callee

CalleeOf = Callable[[gast.Call], "Callee | None"]


@dataclass
class Activity:
    varied: set[str]
    useful: set[str]
    literals: dict[str, list[gast.expr]] = field(default_factory=dict)  # p = [a, b] bound once: p[0] is a
    dead: AbstractSet[int] = frozenset()  # assignments (by id) whose value nothing reads: no adjoint

    def element(self, value: gast.expr) -> gast.expr | None:
        """For ``p[i]`` with ``p`` a fixed literal and ``i`` a constant: the element itself."""
        if (
            isinstance(value, gast.Subscript)
            and isinstance(value.value, gast.Name)
            and value.value.id in self.literals
            and isinstance(value.slice, gast.Constant)
            and isinstance(value.slice.value, int)
        ):
            elements = self.literals[value.value.id]
            if -len(elements) <= value.slice.value < len(elements):
                return elements[value.slice.value]
        return None

    @property
    def active(self) -> set[str]:
        return self.varied & self.useful

    def is_active(self, node: gast.expr) -> bool:
        return isinstance(node, gast.Name) and node.id in self.varied and node.id in self.useful


def _statements(body: list[gast.stmt]) -> Iterator[gast.stmt]:
    for stmt in body:
        yield stmt
        if isinstance(stmt, (gast.If, gast.While, gast.For)):
            yield from _statements(stmt.body)
            yield from _statements(stmt.orelse)


def assignments(body: list[gast.stmt]) -> Iterator[gast.Assign]:
    """Every ``x = primitive`` in a normalized body, nested blocks included."""
    for stmt in _statements(body):
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
            yield stmt


def item_write(stmt: gast.stmt) -> tuple[str, gast.expr, gast.expr] | None:
    """``a[i] = v`` as ``(a, i, v)``."""
    if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript):
        target = stmt.targets[0]
        return target.value.id, target.slice, stmt.value
    return None


def append_call(stmt: gast.stmt) -> tuple[str, gast.expr] | None:
    """``xs.append(v)`` as ``(xs, v)``."""
    if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call):
        func = stmt.value.func
        if (
            isinstance(func, gast.Attribute)
            and func.attr == "append"
            and isinstance(func.value, gast.Name)
            and len(stmt.value.args) == 1
            and not stmt.value.keywords
        ):
            return func.value.id, stmt.value.args[0]
    return None


def mutations(body: list[gast.stmt]) -> Iterator[tuple[str, gast.expr]]:
    """In-place changes ``(container, new element)``: ``a[i] = v`` and ``xs.append(v)``."""
    for stmt in _statements(body):
        found = item_write(stmt)
        if found is not None:
            yield found[0], found[2]
        found2 = append_call(stmt)
        if found2 is not None:
            yield found2


def operands(value: gast.expr, callee_of: CalleeOf, literals: dict[str, list[gast.expr]] | None = None) -> list[str]:
    """Names through which a derivative can flow into the value of primitive ``value``.
    ``literals``: names bound once to a list/tuple literal, so ``p[0]`` is that element."""
    if isinstance(value, gast.Name):
        return [value.id]
    if (
        literals
        and isinstance(value, gast.Subscript)
        and isinstance(value.value, gast.Name)
        and value.value.id in literals
        and isinstance(value.slice, gast.Constant)
        and isinstance(value.slice.value, int)
    ):
        elements = literals[value.value.id]
        if -len(elements) <= value.slice.value < len(elements):
            return _names([elements[value.slice.value]])
    if isinstance(value, gast.BinOp):
        return [] if rules.is_constant(type(value.op)) else _names([value.left, value.right])
    if isinstance(value, gast.UnaryOp):
        return [] if rules.is_constant(type(value.op)) else _names([value.operand])
    if isinstance(value, gast.Attribute) and value.attr in rules.CONSTANT_ATTRIBUTES:
        return []  # x.shape, x.ndim...
    if isinstance(value, (gast.Subscript, gast.Attribute)):
        return _names([value.value])
    if isinstance(value, (gast.Tuple, gast.List)):
        return _names(value.elts)
    if isinstance(value, gast.Call):
        callee = callee_of(value)
        if callee is None:  # unresolved: assume every argument matters
            return _names(value.args + [k.value for k in value.keywords])
        return _names(callee.differentiable_args())
    return []  # constants and test expressions (comparisons, not, and/or in tests)


def _names(nodes: list[gast.expr]) -> list[str]:
    return [n.id for n in nodes if isinstance(n, gast.Name)]


def _passed_to_helpers(body: list[gast.stmt], callee_of: CalleeOf) -> list[tuple[str, list[str]]]:
    """A helper may append what it is given to a list it is also given (recording helpers push
    onto their stack), so a list passed to a user function may come to depend on the other
    arguments.  (Writes into arrays given to a helper are refused.)"""
    lists = {a.targets[0].id for a in assignments(body) if isinstance(a.value, gast.List)}
    edges = []
    for stmt in _statements(body):
        value = stmt.value if isinstance(stmt, (gast.Assign, gast.Expr)) else None
        if not isinstance(value, gast.Call):
            continue
        callee = callee_of(value)
        if callee is not None and callee.kind != calls.USER:
            continue
        names = _names(value.args + [k.value for k in value.keywords])
        edges += [(name, names) for name in names if name in lists]
    return edges


def _list_params_passed_on(body: list[gast.stmt], callee_of: CalleeOf) -> set[str]:
    """Names passed to user functions along with other values (a stack handed to a helper)."""
    found: set[str] = set()
    for stmt in _statements(body):
        value = stmt.value if isinstance(stmt, (gast.Assign, gast.Expr)) else None
        if isinstance(value, gast.Call):
            callee = callee_of(value)
            if callee is None or callee.kind == calls.USER:
                found |= set(_names(value.args))
    return found


def _fixed_literals(fn: NormalizedFunction, callee_of: CalleeOf) -> dict[str, list[gast.expr]]:
    """Names bound once to a list/tuple literal and never changed: ``p[0]`` is exactly ``elts[0]``."""
    bound: dict[str, list[gast.Assign]] = {}
    for a in assignments(fn.body):
        bound.setdefault(a.targets[0].id, []).append(a)
    changed = {name for name, _ in mutations(fn.body)} | {name for name, _ in _passed_to_helpers(fn.body, callee_of)}

    def single(name: str) -> bool:  # one value for its whole life, so p[i] and the element agree
        return len(bound.get(name, [])) + (name in fn.params) <= 1 and name not in changed

    return {
        name: list(found[0].value.elts)
        for name, found in bound.items()
        if len(found) == 1
        and isinstance(found[0].value, (gast.List, gast.Tuple))
        and single(name)
        and all(single(e.id) for e in found[0].value.elts if isinstance(e, gast.Name))
    }


def analyze(
    fn: NormalizedFunction, wrt: set[str], callee_of: CalleeOf, dead: AbstractSet[int] = frozenset()
) -> Activity:
    """Varied and useful sets of ``fn`` for inputs ``wrt`` and its result.  Assignments in
    ``dead`` (values nothing reads) make nothing useful."""
    literals = _fixed_literals(fn, callee_of)
    edges = [
        (a.targets[0].id, operands(a.value, callee_of, literals), id(a) in dead)
        for a in assignments(fn.body)
        if a.targets[0].id not in fn.control_names
    ]
    edges += [(name, _names([element]), False) for name, element in mutations(fn.body)]
    edges += [(name, sources, False) for name, sources in _passed_to_helpers(fn.body, callee_of)]
    # (worklists over the dependence edges: linear in the function's size, in either direction)
    readers: dict[str, list[str]] = {}
    sources: dict[str, list[str]] = {}
    for target, srcs, unread in edges:
        for src in srcs:
            readers.setdefault(src, []).append(target)
        if not unread:
            sources.setdefault(target, []).extend(srcs)
    varied = set(wrt) | reached_names(wrt, readers)
    useful = {fn.result.id} if isinstance(fn.result, gast.Name) else set()
    # a parameter changed in place is an output too: the caller sees its new contents
    useful |= {name for name, _ in mutations(fn.body) if name in fn.params}
    useful |= {name for name in _list_params_passed_on(fn.body, callee_of) if name in fn.params}
    return Activity(varied, useful | reached_names(useful, sources), literals, frozenset(dead))
