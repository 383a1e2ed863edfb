"""Rules for srcdiff's own runtime helpers, so generated code can be differentiated again
(``hessian``, ``hvp``, ``grad(grad(f))``).  Parameter names avoid the template names g/t/out/i."""

from __future__ import annotations

import numpy as np

from .. import runtime as rt
from ..runtime.outputs import left_at_default
from . import array_helpers as ah
from .table import RuleTable, register_helpers, rule

RUNTIME = RuleTable("srcdiff runtime")


def _helper(fn, sig: str, **kwargs: object) -> None:  # type: ignore[no-untyped-def]
    RUNTIME.define(fn, rule(sig, elementwise=False, **kwargs))  # type: ignore[arg-type]


_helper(rt.unbroadcast, "v, like", linear=True, v="broadcast_like(g, v)")
_helper(rt.add_at, "adj, value, index, v", linear=True, adj="g", v="unbroadcast(item_adjoint(g, index), v)")
RUNTIME.define(rt.accumulate_at, RUNTIME.rules[rt.add_at])
_helper(rt.grad_like, "adj, value, fresh=False, output=0.0", linear="adj", adj="grad_like(g, value, False, output)")
_helper(rt.owned_results, "grads, inputs", linear=True, grads="g")
_helper(rt.copy_of, "v", linear=True, v="copy_of(g)")  # (a list adjoint is written into later)
_helper(rt.fill_like, "seq, v", linear=True, v="sum_items(g, v)")
_helper(rt.one_hot_like, "seq, result, v", linear=True, v="pick_tangent(seq, result, g)")
_helper(rt.pick_tangent, "seq, result, v", linear=True, v="one_hot_like(seq, result, g)")
_helper(rt.unpack_adjoint, "v, n", linear=True, v="as_list(g, v)")
_helper(rt.item_adjoint, "adj, index", linear=True, adj="add_at(0.0, adj, index, g)")
# a mask that does not depend on `term` (g's zeros stay zeros to first order)
_helper(rt.zero_where_zero, "term, mask", linear="term", term="zero_where_zero(g, mask)")
_helper(rt.sequence_tangent, "v", linear=True, v="g")
_helper(rt.keep_last, "v, value, index", linear=True, v="keep_last(g, value, index)")  # a 0/1 mask: symmetric
_helper(rt.zero_item, "adj, value, index", linear=True, adj="zero_item(g, value, index)")
_helper(
    rt.set_item,
    "adj, value, index, item",
    linear=True,
    adj="zero_item(g, value, index)",
    item="unbroadcast(item_adjoint(g, index), item)",
)
# dicts the function makes, and their values (tangents and adjoints of dicts are dicts by key)
_helper(rt.make_dict, "keys, values", sequences="values", linear="values", values="values_adjoint(g, keys)")
_helper(rt.dict_values, "d", linear=True, d="dict_adjoint(g, d)", jvp={"d": "values_tangent(t, d)"})
_helper(rt.values_adjoint, "v, keys", linear="v", v="make_dict(keys, g)")
_helper(rt.dict_adjoint, "v, d", linear="v", v="values_tangent(g, d)")
_helper(rt.values_tangent, "v, d", linear="v", v="dict_adjoint(g, d)")
_helper(rt.dict_items, "d", linear=True, d="items_adjoint(g, d)", jvp={"d": "items_tangent(t, d)"})
_helper(rt.items_adjoint, "v, d", linear="v", v="items_tangent(g, d)")
_helper(rt.items_tangent, "v, d", linear="v", v="items_adjoint(g, d)")
RUNTIME.constant(rt.dict_keys)
# {e for ...}: the distinct values, first places first (linear in the items, a 0/1 selection)
_helper(
    rt.distinct_items,
    "items",
    sequences="items",
    linear=True,
    items="distinct_adjoint(g, items)",
    jvp={"items": "distinct_tangent(t, items)"},
)
_helper(rt.distinct_adjoint, "v, items", linear="v", v="distinct_tangent(g, items)")
_helper(rt.distinct_tangent, "v, items", linear="v", v="distinct_adjoint(g, items)")
RUNTIME.constant(left_at_default)  # (a check of arguments no derivative flows through)
_helper(rt.with_item, "d, key, v", linear="d, v", d="without_field(g, d, key)", v="field_of(g, d, key)")
_helper(rt.last_adjoint, "adj", linear=True, adj="add_at(0.0, adj, -1, g)")
_helper(rt.push_adjoint, "adj, element, value", linear=True, adj="drop_last(g)", element="last_adjoint(g)")
_helper(rt.drop_last, "adj", linear=True, adj="append_zero(g)")
_helper(rt.sequence_adjoint, "v, seq", linear=True, v="g")
_helper(ah.expand, "v, a, axis=None, keepdims=False", linear=True, v="reduce_like(g, v, a, axis, keepdims)")
_helper(
    ah.mean_adjoint,
    "v, a, axis=None, keepdims=False",
    linear=True,
    v="reduce_like(g, v, a, axis, keepdims) / count(a, axis)",
)
_helper(
    ah.extreme_adjoint,
    "v, a, result, axis=None, keepdims=False",
    linear=True,
    v="np.sum(extreme_adjoint(np.ones_like(result), a, result, axis, keepdims) * g, axis=axis, keepdims=keepdims)",
)


def _bilinear_adjoint(helper, product: str, extra: str = "") -> None:  # type: ignore[no-untyped-def]
    """The rule of ``helper(v, a, b, [extra,] wrt_a)``, the adjoint of a bilinear product
    ``product(a, b)`` (``g @ b.T`` or ``a.T @ g`` for ``a @ b``): linear in ``v`` and in the one
    operand it uses (the other gives only a shape).  Its transposes: ``<w, helper(v, a, b)>``
    (``wrt_a``) is ``<product(w, b), v>``, and ``<v, product(w, b)>`` differentiated by ``b``
    is ``helper(v, w, b, not wrt_a)`` -- the helper and the product again, to any order."""
    more = f"{extra}, " if extra else ""
    name = helper.__name__

    def call(v: str, a: str, b: str, wrt_a: str) -> str:
        return f"{name}({v}, {a}, {b}, {more}{wrt_a})"

    def prod(a: str, b: str) -> str:
        return f"{product}({a}, {b}{', ' + extra if extra else ''})"

    _helper(
        helper,
        f"v, a, b, {more}wrt_a",
        v=f"{prod('g', 'b')} if wrt_a else {prod('a', 'g')}",
        a=f"0.0 if wrt_a else {call('v', 'a', 'g', 'True')}",
        b=f"{call('v', 'g', 'b', 'False')} if wrt_a else 0.0",
        jvp={
            "v": call("t", "a", "b", "wrt_a"),
            "a": f"0.0 if wrt_a else {call('v', 't', 'b', 'False')}",
            "b": f"{call('v', 'a', 't', 'True')} if wrt_a else 0.0",
        },
    )


_bilinear_adjoint(ah.matmul_adjoint, "np.matmul")
_bilinear_adjoint(ah.dot_adjoint, "np.dot")
_bilinear_adjoint(ah.inner_adjoint, "np.inner")
_bilinear_adjoint(ah.outer_adjoint, "np.outer")
_bilinear_adjoint(ah.tensordot_adjoint, "np.tensordot", extra="axes")
# einsum's adjoint for operand k contracts v with the other operands: multilinear in v and in
# them, and each derivative is an einsum again (the operand swapped for the tangent / adjoint);
# in the sublist form (k == -1) the operand is `subscripts`
_helper(
    ah.einsum_adjoint,
    "v, subscripts, k, *operands",
    v="np.einsum(g, *operands) if k == -1 else np.einsum(subscripts, *replaced(operands, k, g))",
    subscripts="0.0 if k == -1 else einsum_adjoint(v, subscripts, -1, *replaced(operands, k, g))",
    operands=(
        "0.0 if i == k else einsum_adjoint(v, g, i, *operands) if k == -1 "
        "else einsum_adjoint(v, subscripts, i, *replaced(operands, k, g))"
    ),
    jvp={
        "v": "einsum_adjoint(t, subscripts, k, *operands)",
        "subscripts": "0.0 if k == -1 else einsum_adjoint(v, t, k, *operands)",
        "operands": "0.0 if i == k else einsum_adjoint(v, subscripts, k, *replaced(operands, i, t))",
    },
)
_helper(ah.cumsum_adjoint, "v, a, axis=None", linear="v", v="cumsum_of(g, axis)")
_helper(ah.repeat_adjoint, "v, a, repeats, axis=None", linear="v", v="repeat_of(g, repeats, axis)")
# np.r_ / np.c_: placing the items' adjoints and picking them out are each other's transposes
_helper(ah.index_concat_adjoint, "v, maker, items", linear="v", v="index_concat_tangent(g, maker, items)")
_helper(ah.index_concat_tangent, "v, maker, items", linear="v", v="index_concat_adjoint(g, maker, items)")
# (the transposes of the sequence adjoints assemble the pieces again: shaping_helpers.assemble_like)
_helper(ah.split_like, "v, arrays, axis=0", linear="v", v="assemble_like(g, arrays, 'concatenate', axis)")
_helper(ah.unstack_like, "v, arrays, axis=0", linear="v", v="assemble_like(g, arrays, 'stack', axis)")
_helper(ah.hstack_adjoint, "v, arrays", linear="v", v="assemble_like(g, arrays, 'hstack')")
_helper(ah.vstack_adjoint, "v, arrays", linear="v", v="assemble_like(g, arrays, 'vstack')")
# (power_term keeps these exact at a == 0: b == 1 makes the first term 0, not 0 * 0.0 ** -1)
RUNTIME.define(
    rt.power_base_adjoint,
    rule(
        "v, a, b",
        v="power_base_adjoint(g, a, b)",
        a="power_term(g * v, b * (b - 1), a, b - 2)",
        b="power_term(g * v, 1.0 + b * log_or_zero(a), a, b - 1)",
    ),
)
RUNTIME.define(
    rt.power_term,
    rule(
        "w, c, base, e",
        w="power_term(g, c, base, e)",
        c="power_term(g * w, 1.0, base, e)",
        base="power_term(g * w, c * e, base, e - 1)",
        e="power_term(g * w * log_or_zero(base), c, base, e)",
    ),
)
RUNTIME.define(rt.log_or_zero, rule("a", a="g * reciprocal_or_zero(a)"))
RUNTIME.define(ah.logistic, rule("d", d="g * out * (1.0 - out)"))
# (1/a)' = -1/a**2 where a > 0, and 0 where the helper is 0: math.hypot's adjoint uses it, so a
# Hessian through hypot differentiates it
RUNTIME.define(rt.reciprocal_or_zero, rule("a", a="-g * reciprocal_or_zero(a) ** 2"))
RUNTIME.constant(rt.check_scalar, rt.zeros_for, rt.check_unpack, ah.count, rt.Shaped, rt.handler_taken)
RUNTIME.constant(rt.stop_gradient)  # (the user's way of saying "a constant here")
RUNTIME.constant(ah._axes)  # (axis numbers: helpers differentiated again need not read its source)


def broadcast_like(g, v):  # type: ignore[no-untyped-def]
    """Adjoint of ``unbroadcast(v, like)``: spread ``g`` back over ``v``'s shape."""
    return np.broadcast_to(g, np.shape(v)) if np.ndim(v) else g


def reduce_like(g, v, a, axis=None, keepdims=False):  # type: ignore[no-untyped-def]
    """Adjoint of ``expand(v, a, axis, keepdims)``: sum ``g`` back to ``v``'s shape."""
    total = np.sum(g, axis=None if axis is None else ah._axes(axis, np.ndim(a)), keepdims=keepdims)
    return np.reshape(total, np.shape(v))


def sum_items(g, like=None):  # type: ignore[no-untyped-def]
    """Adjoint of ``fill_like(seq, like)``: the items' adjoints added up for a list; for an
    array (``sum(x)`` of an array broadcasts ``like`` along its first axis) summed back to
    ``like``'s shape.  (It read 0.0 for an array once: a wrong Hessian of ``sum(x)``.)"""
    if isinstance(g, list):
        total = 0.0
        for item in g:
            total = total + item
        return total
    return rt.unbroadcast(g, like) if like is not None and not rt.is_zero(g) else g


def append_zero(g):  # type: ignore[no-untyped-def]
    return rt.SeqAdjoint(list(g) + [0.0]) if isinstance(g, list) else g


def as_list(g, like=None):  # type: ignore[no-untyped-def]
    """Adjoint of ``unpack_adjoint(like, n)``: the items' adjoints ``g`` as the adjoint of
    ``like`` -- stacked into an array when ``like`` (a tuple's adjoint) was one, as
    ``np.array([x, y])``'s is."""
    if isinstance(like, np.ndarray) and isinstance(g, (list, tuple)):
        return np.stack([np.broadcast_to(item, like.shape[1:]) for item in g]) if len(g) else np.zeros(like.shape)
    return rt.SeqAdjoint(g) if isinstance(g, (list, tuple)) else g


def shaped_adjoint(g, like):  # type: ignore[no-untyped-def]
    """``g``, the adjoint of ``like``, as an array of its shape when it is a plain zero (an
    adjoint nothing reached on this run: ``np.swapaxes(0.0, 0, 1)`` would raise)."""
    return np.zeros(np.shape(like)) if rt.is_zero(g) and np.ndim(like) else g


def items_of(w, items):  # type: ignore[no-untyped-def]
    """Adjoint of ``as_list(items, w)``: ``w``'s items again, one per item of ``items``."""
    return rt.unpack_adjoint(w, len(items)) if isinstance(items, (list, tuple)) else w


def window_of(v, window_shape, axis=None):  # type: ignore[no-untyped-def]
    """Adjoint of ``window_adjoint(v, x, window_shape, axis)``: the windows of ``v`` (a copy,
    not numpy's read-only view: an adjoint may be added into)."""
    if rt.is_zero(v):
        return 0.0
    return np.lib.stride_tricks.sliding_window_view(v, window_shape, axis).copy()


def diag_of(v, k=0):  # type: ignore[no-untyped-def]
    """Adjoint of ``diag_adjoint(v, like, k)``: ``np.diag`` both ways (a zero stays zero)."""
    return 0.0 if rt.is_zero(v) else np.diag(v, k)


def diagonal_of(v, offset=0, axis1=0, axis2=1):  # type: ignore[no-untyped-def]
    """Adjoint of ``diagonal_adjoint(v, a, ...)``: the diagonal it filled (a zero stays zero)."""
    return 0.0 if rt.is_zero(v) else np.diagonal(v, offset, axis1, axis2)


register_helpers(
    {
        "diag_of": diag_of,
        "diagonal_of": diagonal_of,
        "as_list": as_list,
        "items_of": items_of,
        "shaped_adjoint": shaped_adjoint,
        "window_of": window_of,
        "broadcast_like": broadcast_like,
        "reduce_like": reduce_like,
        "sum_items": sum_items,
        "append_zero": append_zero,
    }
)
# sliding windows: their adjoint adds each window back where it came from (the transposes of each other)
_helper(ah.window_adjoint, "v, x, window_shape, axis=None", linear="v", v="window_of(g, window_shape, axis)")
_helper(window_of, "v, window_shape, axis=None", linear="v", v="window_adjoint(g, v, window_shape, axis)")
_helper(shaped_adjoint, "v, like", linear="v", v="g")
_helper(as_list, "v, like=None", linear="v", v="items_of(g, v)")
_helper(items_of, "w, items", linear="w", w="as_list(g, w)")
_helper(rt.field_adjoint, "adj, value, name, v", linear=True, adj="g", v="field_tangent(g, name)")
_helper(rt.field_tangent, "tangent, name", linear=True, tangent="field_adjoint(0.0, tangent, name, g)")
# np.diag / np.diagonal and their adjoints are each other's transposes
_helper(ah.diag_adjoint, "v, like, k=0", linear="v", v="diag_of(g, k)")
_helper(diag_of, "v, k=0", linear="v", v="diag_adjoint(g, v, k)")
_helper(ah.diagonal_adjoint, "v, a, offset=0, axis1=0, axis2=1", linear="v", v="diagonal_of(g, offset, axis1, axis2)")
_helper(diagonal_of, "v, offset=0, axis1=0, axis2=1", linear="v", v="diagonal_adjoint(g, v, offset, axis1, axis2)")
# p._replace(W=v), dataclasses.replace(p, W=v): a record with one field replaced
_helper(
    rt.with_field, "rec, name, value", linear=True, rec="without_field(g, rec, name)", value="field_of(g, rec, name)"
)
_helper(rt.field_of, "adj, rec, name", linear=True, adj="field_adjoint(0.0, rec, name, g)")
_helper(rt.without_field, "adj, rec, name", linear=True, adj="without_field(g, rec, name)")
