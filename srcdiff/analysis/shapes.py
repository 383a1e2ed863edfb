"""Shape inference: the exact shape of array values, from the shapes of the arguments.

Generated code is specialized to the kinds of the arguments it is called with;
for arrays that includes their shapes.  Where an operand of a broadcasting
operation is known to have the shape of the result, its adjoint needs no
``unbroadcast``.  Flow-insensitive: a name has a shape only if every
assignment to it gives that same shape.

>>> import numpy as np, srcdiff.frontend.capture as c, srcdiff.frontend.normalize as n
>>> def f(W, x):
...     h = np.tanh(W @ x)
...     return np.sum(h * h, axis=0)
>>> norm = n.normalize(c.capture(f))
>>> callee_of = lambda call: calls.resolve(call, norm.captured.resolve, {"W", "x", "h"})
>>> sorted(infer(norm, {"W": (3, 4), "x": (4, 2)}, set(), callee_of).items())
[('W', (3, 4)), ('_t1', (3, 2)), ('_t2', (3, 2)), ('_t3', (2,)), ('h', (3, 2)), ('x', (4, 2))]
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from typing import Any

import gast
import numpy as np

from ..rules import ATTRIBUTES
from ..rules.numpy_module import BINARY, UNARY
from ..runtime import copy_of
from . import calls
from .activity import assignments
from .value_kinds import SCALAR, SCALAR_SEQ, DictOf, SeqOf, Shape, is_container, is_shape

_TOP = "unassigned"  # no assignment seen yet (optimistic start)

_REDUCTIONS = {np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.var, np.std}


def entry_kind(container: Any, index: gast.expr) -> Any:
    """The kind of ``container[index]`` for a dict/tuple/list kind and a constant index."""
    if not is_container(container) or not isinstance(index, gast.Constant):
        return None
    return container.entry(index.value)


def infer(
    fn: Any,
    params: dict[str, Any],
    scalars: set[str],
    callee_of: Callable[[gast.Call], calls.Callee | None],
    result_kind: Callable[[calls.Callee, list[Any]], Any] | None = None,
    sequences: AbstractSet[str] = frozenset(),
) -> dict[str, Shape]:
    """Known shapes of ``fn``'s variables, given parameter kinds (a tuple is an array's shape).
    ``sequences`` hold lists or tuples of numbers (what helpers they are passed to are told)."""
    state: dict[str, Any] = {
        p: (k if is_shape(k) else () if k == SCALAR else k if is_container(k) else None) for p, k in params.items()
    }
    assigns = list(assignments(fn.body))
    for a in assigns:
        name = a.targets[0].id
        if name not in fn.params:
            state.setdefault(name, _TOP)
    values: dict[str, Any] = {}  # known sizes (ints, tuples of ints) read from shapes; None: varies
    changed = True
    while changed:
        changed = False
        for a in assigns:
            name = a.targets[0].id
            if values.get(name, 0) is not None and name not in fn.params:
                value = _value(a.value, state, values, callee_of)
                joined = value if values.get(name, value) == value else None
                if name not in values or joined != values[name]:
                    values[name] = joined
                    changed = True
            if name in scalars or state.get(name) is None:
                continue
            shape = _shape(a.value, state, scalars, callee_of, result_kind, values, sequences)
            if shape == _TOP:
                continue
            joined = shape if state[name] == _TOP or state[name] == shape else None
            if joined != state[name]:
                state[name] = joined
                changed = True
    return {k: v for k, v in state.items() if is_shape(v)}


def _of(node: gast.expr, state: dict[str, Any], scalars: set[str]) -> Any:
    if isinstance(node, gast.Constant):
        return () if type(node.value) in (int, float, bool) else None
    if isinstance(node, gast.Name):
        if node.id in scalars:
            return ()
        return state.get(node.id)
    return None


def _broadcast(*shapes: Any) -> Any:
    # optimistic: an operand not known yet constrains nothing (the fixpoint checks the result)
    shapes = tuple(s for s in shapes if s != _TOP)
    if not shapes:
        return _TOP
    if any(s is None or not is_shape(s) for s in shapes):
        return None
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None


def _matmul(a: Any, b: Any, product: Any = np.matmul) -> Any:
    if a == _TOP or b == _TOP:
        return _TOP
    if not (is_shape(a) and is_shape(b)) or not a or not b:  # (a list's kind is not a shape)
        return None
    a, b = tuple(a), tuple(b)
    if product is np.dot and (len(a) > 2 or len(b) > 2):  # (every leading axis of one with the other's)
        inner = b[0] if len(b) == 1 else b[-2]
        return a[:-1] + b[:-2] + b[-1:] * (len(b) > 1) if a[-1] == inner else None
    left, right = (1,) + a if len(a) == 1 else a, b + (1,) if len(b) == 1 else b
    if left[-1] != right[-2]:
        return None
    try:  # (worked out from the shapes: a product of arrays this size would run at transform time)
        batch = np.broadcast_shapes(left[:-2], right[:-2])
    except ValueError:
        return None
    return batch + left[-2:-1] * (len(a) > 1) + right[-1:] * (len(b) > 1)


def _argument_kind(arg: Any, of: Callable[[Any], Any], scalars: set[str], sequences: AbstractSet[str]) -> Any:
    """What a helper is told of an argument: its shape, SCALAR, SCALAR_SEQ, or (what the helper's
    ``*args`` / ``**kwargs`` gather) a tuple / dict of those."""
    if isinstance(arg, (tuple, dict)):
        items = arg.values() if isinstance(arg, dict) else arg
        found = [_argument_kind(a, of, scalars, sequences) for a in items]
        if _TOP in found:
            return _TOP
        return DictOf.of(dict(zip(arg, found))) if isinstance(arg, dict) else SeqOf(tuple(found))
    if not isinstance(arg, gast.AST):
        return None
    if isinstance(arg, gast.Name) and arg.id in sequences:
        return SCALAR_SEQ
    k = of(arg)
    return SCALAR if k == () and _is_number(arg, scalars) else k


def _shape(
    value: gast.expr,
    state: dict[str, Any],
    scalars: set[str],
    callee_of: Callable[[gast.Call], calls.Callee | None],
    result_kind: Callable[[calls.Callee, list[Any]], Any] | None = None,
    values: dict[str, Any] | None = None,
    sequences: AbstractSet[str] = frozenset(),
) -> Any:
    values = values or {}
    of = lambda node: _of(node, state, scalars)  # noqa: E731
    if isinstance(value, (gast.Name, gast.Constant)):
        return of(value)
    if isinstance(value, gast.BinOp):
        if isinstance(value.op, gast.MatMult):
            return _matmul(of(value.left), of(value.right))
        return _broadcast(of(value.left), of(value.right))
    if isinstance(value, gast.UnaryOp):
        return of(value.operand)
    if isinstance(value, (gast.Tuple, gast.List)):  # a container kind: its entries' shapes
        return SeqOf(tuple(of(e) for e in value.elts))
    if isinstance(value, gast.Attribute) and value.attr in ATTRIBUTES:
        base = of(value.value)
        return base if base in (_TOP, None) else tuple(reversed(base))
    if isinstance(value, gast.Subscript):
        return _indexed(of(value.value), value.slice, state, scalars, values)
    if (
        isinstance(value, gast.Call)
        and isinstance(value.func, gast.Name)
        and value.func.id.startswith("loop_items")
        and len(value.args) == 1
    ):
        inner = of(value.args[0])
        return inner if inner in (_TOP, None) or is_shape(inner) else None
    if isinstance(value, gast.Call):
        callee = callee_of(value)
        if callee is not None and callee.kind == calls.USER and result_kind is not None:
            kinds = []
            for arg in callee.bound.values():
                k = _argument_kind(arg, of, scalars, sequences)
                if k == _TOP:
                    return _TOP
                kinds.append(k)
            found = result_kind(callee, kinds)
            return found if is_shape(found) else None
        if callee is not None and returns_python_number(callee.obj):
            return ()
        if callee is not None and callee.kind in (calls.CONSTANT, calls.RULE):
            made = _constructed(callee.obj, callee.bound, of, values)
            if made is not _UNKNOWN:
                return made
        if callee is None or callee.kind != calls.RULE:
            return None
        bound = callee.bound
        fn = callee.obj
        args = [bound[p] for p in callee.rule.params if p in bound] if callee.rule else []
        if (fn in UNARY or fn is abs or fn in _COPIES) and args:
            return of(args[0])
        spread = [a for arg in args for a in (arg if isinstance(arg, tuple) else [arg])]
        if fn in (max, min) and len(spread) > 1:
            # max(a, b, ...) of numbers is a number (one iterable argument: its element, unknown)
            found = {of(a) for a in spread} - {_TOP}
            return _TOP if not found else () if found == {()} else None
        if fn in BINARY and len(args) >= 2:
            return _broadcast(of(args[0]), of(args[1]))
        if fn is np.where and len(args) == 3:
            return _broadcast(*(of(a) for a in args))
        if fn in (np.cumsum, np.cumprod) and args:
            base, axis = of(args[0]), _constant(bound.get("axis"), values)
            if base == _TOP or not is_shape(base):
                return base if base == _TOP else None
            if axis is None:
                return (int(np.prod(base)),)  # flattened
            return base if isinstance(axis, int) else None
        if fn is np.outer and len(args) == 2:
            left, right = of(args[0]), of(args[1])
            if _TOP in (left, right):
                return _TOP
            return (int(np.prod(left)), int(np.prod(right))) if is_shape(left) and is_shape(right) else None
        if fn in (np.matmul, np.dot) and len(args) == 2:
            return _matmul(of(args[0]), of(args[1]), fn)
        if fn in _REDUCTIONS and args:
            return _reduced(of(args[0]), bound.get("axis"), bound.get("keepdims"), values)
        if fn is np.transpose and args and "axes" not in bound:
            base = of(args[0])
            return base if base in (_TOP, None) else tuple(reversed(base))
    return None


def _value(
    value: gast.expr,
    state: dict[str, Any],
    values: dict[str, Any],
    callee_of: Callable[[gast.Call], calls.Callee | None] = lambda call: None,
) -> Any:
    """The value of a size computed from known shapes: ``x.shape``, ``x.shape[0]``, ``len(x)``,
    ``(n, m)``, ``n * m`` (None when not known).  Arrays are specialized to their shapes, so
    these are constants of the generated code."""
    if isinstance(value, gast.Constant) and type(value.value) is int:
        return value.value
    if isinstance(value, gast.Name):
        return values.get(value.id)
    if isinstance(value, gast.Attribute) and isinstance(value.value, gast.Name):
        shape: Shape = state.get(value.value.id)  # type: ignore[assignment]
        if is_shape(shape):
            return {"shape": shape, "ndim": len(shape), "size": math.prod(shape)}.get(value.attr)
        return None
    if isinstance(value, gast.Subscript) and isinstance(value.slice, gast.Constant):
        base = _value(value.value, state, values)
        index = value.slice.value
        if isinstance(base, tuple) and type(index) is int and -len(base) <= index < len(base):
            return base[index]
        return None
    if isinstance(value, gast.Call) and len(value.args) == 1 and isinstance(value.args[0], gast.Name):
        callee = callee_of(value)
        sized = state.get(value.args[0].id)
        return sized[0] if callee is not None and callee.obj is len and is_shape(sized) and sized else None
    if isinstance(value, gast.Tuple):
        parts = tuple(_value(e, state, values) for e in value.elts)
        return None if None in parts else parts
    if isinstance(value, gast.BinOp) and isinstance(value.op, (gast.Add, gast.Sub, gast.Mult, gast.FloorDiv)):
        left, right = _value(value.left, state, values), _value(value.right, state, values)
        if type(left) is int and type(right) is int and not (isinstance(value.op, gast.FloorDiv) and right == 0):
            op = {gast.Add: int.__add__, gast.Sub: int.__sub__, gast.Mult: int.__mul__, gast.FloorDiv: int.__floordiv__}
            return op[type(value.op)](left, right)
    return None


def returns_python_number(fn: Any) -> bool:
    """``math.cos``, ``len``, ``float``...: a Python number whatever the (valid) arguments."""
    if isinstance(fn, types.BuiltinFunctionType) and getattr(fn, "__self__", None) is math:
        return fn is not math.prod  # (a product of arrays is an array)
    return any(fn is f for f in (len, int, float, bool))


_UNKNOWN = object()


def _constructed(fn: Any, bound: dict[str, Any], of: Callable[[gast.expr], Any], values: dict[str, Any]) -> Any:
    """The shape of an array built by ``np.zeros(3)``, ``np.linspace(0, 1, n)``, ``np.array([...])``
    ... from constant sizes (``_UNKNOWN`` for other calls)."""
    arg = lambda i, name=None: bound.get(f"arg{i}", bound.get(name) if name else None)  # noqa: E731
    size = _constant(arg(0, "shape"), values)
    if fn in (np.zeros, np.ones, np.empty, np.full):
        if isinstance(size, int) and not isinstance(size, bool):
            return (size,)
        if isinstance(size, tuple) and all(isinstance(n, int) for n in size):
            return size
        return None
    if fn in (np.zeros_like, np.ones_like, np.empty_like, np.full_like):
        if "shape" in bound:
            return None
        found = of(arg(0, "a")) if arg(0, "a") is not None else None
        return found if found == _TOP or is_shape(found) else None
    if fn is np.arange:
        numbers = [_constant(arg(i), values) for i in range(3) if arg(i) is not None]
        if numbers and len(bound) == len(numbers) and all(type(n) in (int, float) for n in numbers):
            start, stop, step = [(0, numbers[0], 1), (*numbers, 1), tuple(numbers)][len(numbers) - 1]
            return (max(0, math.ceil((stop - start) / step)),) if step else None
        return None
    if fn is np.linspace:
        num = _constant(arg(2, "num"), values) if arg(2, "num") is not None else 50
        known = {"arg0", "arg1", "arg2", "num", "start", "stop"}  # (by position, or by its rule's names)
        return (num,) if type(num) is int and set(bound) <= known else None
    if fn is np.eye:
        n, m = _constant(arg(0, "N"), values), _constant(arg(1, "M"), values) if arg(1, "M") is not None else None
        m = n if m is None else m
        return (n, m) if type(n) is int and type(m) is int and set(bound) <= {"arg0", "arg1", "N", "M"} else None
    if fn is np.array:
        return _as_array(of(bound["object"])) if "object" in bound else None
    return _UNKNOWN


_COPIES = (np.copy, copy_of)  # the same shape, new memory


def _as_array(kind: Any) -> Any:
    """The shape of ``np.array(x)`` for ``x`` of this kind (nested lists of equal length)."""
    if kind == _TOP or is_shape(kind):
        return kind
    if not isinstance(kind, SeqOf):
        return None
    elements = {_as_array(e) for e in kind.items}
    if _TOP in elements:
        return _TOP
    if len(elements) == 1 and is_shape(inner := next(iter(elements))):
        return (len(kind.items), *inner)
    return None


def _is_number(node: gast.expr, scalars: set[str]) -> bool:
    return isinstance(node, gast.Constant) or isinstance(node, gast.Name) and node.id in scalars


def _constant(node: Any, values: dict[str, Any] | None = None) -> Any:
    """The value of a constant argument (a number, None, or a tuple of numbers), or of a name
    whose value is known (``values``: sizes read from shapes), else a sentinel."""
    if node is None:
        return None
    if isinstance(node, gast.Constant):
        return node.value
    if isinstance(node, gast.Name) and values and values.get(node.id) is not None:
        return values[node.id]
    if isinstance(node, gast.Tuple):
        parts = tuple(_constant(e, values) for e in node.elts)
        return _TOP if _TOP in parts else parts
    return _TOP


def _reduced(shape: Any, axis_node: Any, keepdims_node: Any, values: dict[str, Any]) -> Any:
    axis, keepdims = _constant(axis_node, values), _constant(keepdims_node, values) or False
    if axis is None and keepdims is False:
        return ()  # a full reduction is a number whatever it reduces
    if shape in (_TOP, None):
        return shape
    if axis == _TOP or keepdims == _TOP:
        return None
    try:
        return np.sum(np.broadcast_to(0.0, shape), axis=axis, keepdims=keepdims).shape
    except (ValueError, TypeError, np.exceptions.AxisError):
        return None


def _indexed(shape: Any, index: gast.expr, state: dict[str, Any], scalars: set[str], values: dict[str, Any]) -> Any:
    """The shape of ``x[index]`` when the index is made of constants and integer scalars."""
    if shape in (_TOP, None):
        return shape
    if not is_shape(shape):  # params["W"], layers[0]: the entry's kind
        if isinstance(shape, SeqOf) and isinstance(index, gast.Name) and index.id in scalars:
            known = {(SCALAR if e == () else e) for e in shape.items if e != _TOP}
            if not known:
                return _TOP
            return (() if known == {SCALAR} else known.pop()) if len(known) == 1 else None
        entry = entry_kind(shape, index)
        return () if entry == SCALAR else entry
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    probe: list[Any] = []
    for part in parts:
        if isinstance(part, gast.Slice):
            bounds = [_constant(b, values) for b in (part.lower, part.upper, part.step)]
            if _TOP in bounds:
                return None
            probe.append(slice(*bounds))
        elif isinstance(part, gast.Constant) and (isinstance(part.value, int) or part.value in (None, Ellipsis)):
            probe.append(part.value)
        elif isinstance(part, gast.Name) and part.id in scalars:
            probe.append(0)  # an integer (floats would fail as an index in the original too)
        else:
            return None
    try:
        return np.broadcast_to(0.0, shape)[tuple(probe)].shape
    except (IndexError, TypeError):
        return None
