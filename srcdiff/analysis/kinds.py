"""Kind inference: which variables are certainly plain scalars (Python or numpy numbers), which
hold sequences of numbers, and (by :mod:`.shapes`) the shapes of arrays.  The kinds themselves
are the types of :mod:`.value_kinds`.

Derivative rules for operators broadcast; their adjoints must be summed back
to an operand's shape (``unbroadcast``) unless every operand is a scalar.
Knowing which values are scalars keeps that helper out of scalar code.

>>> import srcdiff.frontend.capture as c, srcdiff.frontend.normalize as n
>>> def f(x, v):
...     y = x * 2.0
...     return v * y
>>> sorted(infer(n.normalize(c.capture(f)), {"x": SCALAR}, lambda call: None).scalars)
['x', 'y']
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gast
import numpy as np

from ..frontend.normal_form import NormalizedFunction
from ..runtime import copy_of
from ..runtime.records import with_field
from . import calls, shapes
from .activity import assignments, mutations
from .calls import Callee
from .value_kinds import SCALAR, SCALAR_SEQ, Container, DictOf, FunctionOf, Kind, ObjectOf, SeqOf, Shape, is_container

_SCALAR_FOR_SCALARS = (abs, round, pow, min, max)
_OF_SEQUENCE = (min, max, sum)  # min(xs), max(xs), sum(xs[, start])


@dataclass
class Kinds:
    scalars: set[str]
    sequences: set[str] = field(default_factory=set)
    shapes: dict[str, Shape] = field(default_factory=dict)  # arrays of known shape
    containers: dict[str, Container] = field(default_factory=dict)  # parameters that are dicts/tuples: their kinds
    literals: set[str] = field(default_factory=set)  # names only ever bound to list/tuple literals
    number_params: set[str] = field(default_factory=set)  # parameters passed numbers (whatever they become)
    objects: dict[str, ObjectOf | FunctionOf] = field(default_factory=dict)  # user objects, functions: not rebound

    def shape_of(self, node: gast.expr) -> Shape | None:
        """The exact shape of ``node``'s value if known (``()`` for plain numbers)."""
        if self.is_scalar(node):
            return ()
        return self.shapes.get(node.id) if isinstance(node, gast.Name) else None

    def is_scalar(self, node: gast.expr) -> bool:
        if isinstance(node, gast.Constant):  # None only marks "not assigned yet"
            return node.value is None or isinstance(node.value, (int, float, bool))
        return isinstance(node, gast.Name) and node.id in self.scalars

    def numbers(self) -> set[str]:
        """Names that certainly hold numbers (Python or numpy scalars, 0-d results): immutable."""
        return self.scalars | {name for name, shape in self.shapes.items() if shape == ()}

    def is_sequence(self, node: gast.expr) -> bool:
        return isinstance(node, gast.Name) and node.id in self.sequences

    def kind_of(self, node: gast.expr) -> Kind:
        """SCALAR, SCALAR_SEQ, an array's shape, or UNKNOWN: what a callee is specialized on.
        (What a callee's ``*args`` / ``**kwargs`` gather is a tuple / dict of atoms.)"""
        if isinstance(node, tuple):
            return SeqOf(tuple(self.kind_of(a) for a in node))
        if isinstance(node, dict):
            return DictOf.of({k: self.kind_of(a) for k, a in node.items()})
        if self.is_scalar(node):
            return SCALAR
        if self.is_sequence(node):
            return SCALAR_SEQ
        if isinstance(node, gast.Name) and node.id in self.containers:
            return self.containers[node.id]
        if isinstance(node, gast.Name) and node.id in self.objects:
            return self.objects[node.id]
        return self.shape_of(node)


def infer(
    fn: NormalizedFunction,
    params: dict[str, Any],
    callee_of: Callable[[gast.Call], Callee | None],
    result_kind: Callable[[Callee, list[Any]], Any] | None = None,
    lookup: Callable[[str], tuple[bool, Any]] | None = None,
) -> Kinds:
    """Scalar names of ``fn`` given the kinds of its parameters (optimistic fixpoint).
    ``lookup`` resolves the other names: module globals bound to numbers are scalars too
    (the caller keeps a guard, so rebinding one to an array generates code again)."""
    assigns = [a for a in assignments(fn.body)]
    targets = {a.targets[0].id for a in assigns}
    params = dict(params)
    for name in _numeric_defaults(fn):  # a parameter left to its default
        params.setdefault(name, SCALAR)
    scalars = (targets - set(fn.params)) | {p for p, k in params.items() if k == SCALAR}
    if lookup is not None:
        local = targets | set(fn.params)
        for name in {
            n.id
            for n in gast.walk(gast.Module(body=fn.body, type_ignores=[]))
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)
        } - local:
            found, value = lookup(name)
            if found and type(value) in (int, float):
                scalars.add(name)
            elif found and type(value) is np.ndarray and value.dtype.kind in "biuf":
                params[name] = value.shape  # (data kept in a global: its shape is guarded, see capture.Like)
    loop_indices = {
        s.target.id for s in gast.walk(gast.Module(body=fn.body, type_ignores=[])) if isinstance(s, gast.For)
    }
    scalars |= loop_indices
    sequences = (targets - set(fn.params)) | {p for p, k in params.items() if k == SCALAR_SEQ}
    kinds = Kinds(scalars, sequences)
    # arrays passed in, never rebound: their ``.shape`` is a tuple of ints, ``.ndim``/``.size`` ints
    kinds.shapes = {p: k for p, k in params.items() if isinstance(k, tuple) and p not in targets}
    kinds.number_params = {p for p in fn.params if params.get(p) == SCALAR}
    kinds.containers = {p: k for p, k in params.items() if is_container(k) and p not in targets}
    kinds.objects = {p: k for p, k in params.items() if isinstance(k, (ObjectOf, FunctionOf)) and p not in targets}
    kinds.objects.update(objects_bound_once(assigns, kinds.objects, callee_of))
    changes = list(mutations(fn.body))
    changed = True
    while changed:
        changed = False
        for a in assigns:
            name = a.targets[0].id
            if name in kinds.scalars and not _is_scalar(a.value, kinds, callee_of, result_kind):
                kinds.scalars.discard(name)
                changed = True
            if name in kinds.sequences and not _is_sequence(a.value, kinds, callee_of):
                kinds.sequences.discard(name)
                changed = True
        for container, element in changes:  # xs.append(v), xs[i] = v: a list of numbers only if v is one
            if container in kinds.sequences and not kinds.is_scalar(element):
                kinds.sequences.discard(container)
                changed = True
    kinds.shapes = shapes.infer(fn, params, kinds.scalars, callee_of, result_kind, kinds.sequences)
    not_literal = {a.targets[0].id for a in assigns if not isinstance(a.value, (gast.List, gast.Tuple))}
    kinds.literals = targets - not_literal
    return kinds


def objects_bound_once(
    assigns: list[gast.Assign],
    objects: dict[str, Any],
    callee_of: Callable[[gast.Call], Callee | None] | None = None,
) -> dict[str, ObjectOf]:
    """Names bound once to an object of known kind: ``layer = self.first`` (the object
    ``self``'s kind says that attribute holds) and, given ``callee_of``, ``q = with_field(p,
    "W", v)`` (``p`` with a field replaced, of ``p``'s kind) -- their fields are read, their
    methods resolved, like a parameter's."""
    counts = Counter(a.targets[0].id for a in assigns if isinstance(a.targets[0], gast.Name))
    once = [a for a in assigns if isinstance(a.targets[0], gast.Name) and counts[a.targets[0].id] == 1]
    known = dict(objects)
    found: dict[str, ObjectOf] = {}
    changed = True
    while changed:
        changed = False
        for a in once:
            name, value = a.targets[0].id, a.value
            if name in known:
                continue
            kind: ObjectOf | None = None
            if isinstance(value, gast.Attribute) and isinstance(value.value, gast.Name):
                owner = known.get(value.value.id)
                kind = owner.member(value.attr) if isinstance(owner, ObjectOf) else None
            elif callee_of is not None and isinstance(value, gast.Call) and value.args:
                record = known.get(value.args[0].id) if isinstance(value.args[0], gast.Name) else None
                callee = callee_of(value) if isinstance(record, ObjectOf) else None
                kind = record if callee is not None and callee.obj is with_field else None
            if kind is not None:
                known[name] = found[name] = kind
                changed = True
    return found


def _numeric_defaults(fn: NormalizedFunction) -> dict[str, Any]:
    """Parameters whose default value is a number."""
    code_fn = fn.captured.fn
    found: dict[str, Any] = {}
    positional = fn.params[: len(fn.params) - len(getattr(fn.args, "kwonlyargs", []))]
    defaults = getattr(code_fn, "__defaults__", None) or ()
    for name, value in zip(positional[len(positional) - len(defaults) :], defaults):
        if type(value) in (int, float):
            found[name] = value
    for name, value in (getattr(code_fn, "__kwdefaults__", None) or {}).items():
        if type(value) in (int, float):
            found[name] = value
    return found


def _is_sequence(value: gast.expr, kinds: Kinds, callee_of: Callable[[gast.Call], Callee | None]) -> bool:
    if isinstance(value, gast.Attribute) and value.attr == "shape":
        return isinstance(value.value, gast.Name) and value.value.id in kinds.shapes
    if isinstance(value, (gast.List, gast.Tuple)):
        return all(kinds.is_scalar(e) for e in value.elts)
    if passes_through(value):
        return kinds.is_sequence(value.args[0])
    if isinstance(value, gast.Call) and len(value.args) == 1 and not value.keywords:  # list(xs), a copy
        callee = callee_of(value)
        if callee is not None and any(callee.obj is f for f in (list, tuple, copy_of)):
            return kinds.is_sequence(value.args[0])
    return kinds.is_sequence(value)


def passes_through(value: gast.expr) -> bool:
    """``loop_items(x)``: the loop's view of ``x``, of ``x``'s own kind when it is indexable."""
    return (
        isinstance(value, gast.Call)
        and isinstance(value.func, gast.Name)
        and value.func.id.startswith("loop_items")
        and len(value.args) == 1
    )


def _is_scalar(
    value: gast.expr,
    kinds: Kinds,
    callee_of: Callable[[gast.Call], Callee | None],
    result_kind: Callable[[Callee, list[Any]], Any] | None,
) -> bool:
    if isinstance(value, (gast.Name, gast.Constant)):
        return kinds.is_scalar(value)
    if isinstance(value, gast.Attribute) and value.attr in ("ndim", "size"):
        return isinstance(value.value, gast.Name) and value.value.id in kinds.shapes
    if isinstance(value, gast.Subscript):
        if isinstance(value.value, gast.Name) and value.value.id in kinds.containers:
            return shapes.entry_kind(kinds.containers[value.value.id], value.slice) == SCALAR
        return kinds.is_sequence(value.value) and kinds.is_scalar(value.slice)
    if isinstance(value, gast.BinOp):
        return kinds.is_scalar(value.left) and kinds.is_scalar(value.right)
    if isinstance(value, gast.UnaryOp):
        return kinds.is_scalar(value.operand)
    if isinstance(value, gast.Compare):
        return all(kinds.is_scalar(v) for v in [value.left, *value.comparators])
    if isinstance(value, gast.Call):
        callee = callee_of(value)
        if callee is None:
            return False
        args = [kinds.kind_of(a) for a in callee.bound.values()]
        if shapes.returns_python_number(callee.obj):
            return True
        if any(callee.obj is f for f in _SCALAR_FOR_SCALARS) and all(k == SCALAR for k in args):
            return True
        if (
            any(callee.obj is f for f in _OF_SEQUENCE)
            and args
            and args[0] == SCALAR_SEQ
            and all(k == SCALAR for k in args[1:])
        ):
            return True
        if callee.kind == calls.USER and result_kind is not None:
            return result_kind(callee, args) == SCALAR
        return False
    return False
