"""The few helpers generated code calls.

Plain arithmetic is always inlined; these cover what is not one expression:
summing a broadcast adjoint back to its operand's shape, adjoints of
sequences, and shaping the final gradients.  Adjoints start as the float
``0.0``, which every helper accepts as "zero of any shape".

>>> unbroadcast(np.ones((3, 2)), np.zeros(2))
array([3., 3.])
>>> add_at(0.0, [1.0, 2.0, 3.0], 1, 5.0)
[0.0, 5.0, 0.0]
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from .errors import CheckpointError

_SCALARS = (float, int, bool, np.number, np.bool_)


class Shaped:
    """Stands for an array of a shape known when the code was generated, where a helper needs
    only the shape (``np.shape`` and ``np.ndim`` read it): the array itself then need not be
    kept, or even computed.

    >>> np.shape(Shaped((3, 2))), np.ndim(Shaped((3, 2)))
    ((3, 2), 2)
    """

    __slots__ = ("shape", "ndim")

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape
        self.ndim = len(shape)

    def __repr__(self) -> str:
        return f"Shaped({self.shape})"


def unbroadcast(g: Any, like: Any) -> Any:
    """Sum ``g`` over the axes along which ``like`` was broadcast to ``g``'s shape."""
    if type(g) is np.ndarray:  # the common cases first: this runs once per broadcast operand
        if type(like) is np.ndarray or type(like) is Shaped:
            shape = like.shape
            if g.shape == shape:
                return g
            lead = g.ndim - len(shape)
            if lead > 0 and g.shape[lead:] == shape:  # a bias added to a batch
                return g.sum(axis=tuple(range(lead)))
        elif type(like) is float:
            return g.sum()
    if type(like) is Shaped and not like.shape:
        return np.sum(g)
    if isinstance(like, (list, tuple)) and isinstance(g, np.ndarray) and _numpy_operand(g, like):
        return unbroadcast(g, Shaped(np.shape(like)))
    if isinstance(like, (list, tuple)) or isinstance(g, list):
        from .errors import UnsupportedSyntaxError

        raise UnsupportedSyntaxError(
            None,
            None,
            None,
            "`+` and `*` on lists or tuples of differentiated values are not supported yet",
            "build the list with a literal [a, b, c], or keep the values in separate variables",
        )
    g_shape = np.shape(g)
    shape = np.shape(like)
    if g_shape == shape:
        return g
    if not shape:
        return np.sum(g)
    lead = len(g_shape) - len(shape)
    if lead < 0:
        return g  # smaller than the operand (a zero adjoint): it broadcasts wherever it is added
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and g_shape[i + lead] != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    return np.reshape(g, shape) if np.shape(g) != shape and np.size(g) == np.prod(shape) else g


def _numpy_operand(g: np.ndarray, like: list[Any] | tuple[Any, ...]) -> bool:
    """Whether the list ``like`` can be an operand of a numpy operation whose adjoint is ``g``:
    numpy read it as an array of its shape, broadcast along leading axes at most.  (Python's
    own ``+`` and ``*`` on lists concatenate and repeat, which gives other shapes.)"""
    try:
        shape = np.shape(like)
    except ValueError:  # ragged: not an array to numpy
        return False
    lead = g.ndim - len(shape)
    return lead >= 0 and g.shape[lead:] == shape


class SeqAdjoint(list):
    """The adjoint of a list or tuple: one adjoint per element, added elementwise."""

    def __add__(self, other: Any) -> SeqAdjoint:  # type: ignore[override]
        if _is_zero(other):
            return SeqAdjoint(self)
        if isinstance(other, (list, np.ndarray)):
            return SeqAdjoint(a + b for a, b in zip(self, seq_items(other, self)))
        return NotImplemented

    def __radd__(self, other: Any) -> SeqAdjoint:
        return self.__add__(other)

    def __neg__(self) -> SeqAdjoint:
        return SeqAdjoint(-a for a in self)

    def __mul__(self, other: Any) -> SeqAdjoint:  # type: ignore[override]
        return SeqAdjoint(a * other for a in self)

    __rmul__ = __mul__


class DictAdjoint(dict):
    """The adjoint of a dict: an adjoint per key that received one, added key by key."""

    def __add__(self, other: Any) -> DictAdjoint:
        if isinstance(other, dict):
            out = DictAdjoint(self)
            for k, v in other.items():
                out[k] = out[k] + v if k in out else v
            return out
        if _is_zero(other):
            return DictAdjoint(self)
        return NotImplemented

    def __radd__(self, other: Any) -> DictAdjoint:
        return self.__add__(other)


def _is_zero(x: Any) -> bool:
    return isinstance(x, _SCALARS) and x == 0


def seq_items(adj: Any, value: Any) -> list[Any]:
    """The per-element adjoints of the list or tuple ``value``, whatever form ``adj`` took: a
    :class:`SeqAdjoint`, zero, or an array (numpy treats a list as an array, so a numpy
    function's adjoint of a list argument is an array of its shape).

    >>> seq_items(np.array([1.0, 2.0]), [5.0, 6.0])
    [np.float64(1.0), np.float64(2.0)]
    """
    if isinstance(adj, (list, tuple)):
        return list(adj)
    if _is_zero(adj):
        return [0.0] * len(value)
    adj = np.asarray(adj)
    if adj.ndim == 0 or adj.shape[0] != len(value):
        adj = np.broadcast_to(adj, (len(value),) + adj.shape[1:])
    return list(adj)


def broadcast_tangent(t: Any, out: Any) -> Any:
    """Forward mode: the tangent ``t`` of an operand, spread to the shape of the result ``out``
    it was broadcast into (so a later sum counts it once per element).

    >>> broadcast_tangent(1.0, np.zeros(3))
    array([1., 1., 1.])
    """
    shape = np.shape(out)
    if np.shape(t) == shape:
        return t
    return t + np.zeros(shape, dtype=np.result_type(t, 0.0))


def zeros_for(value: Any) -> Any:
    """A zero adjoint with ``value``'s structure."""
    if isinstance(value, dict):
        return DictAdjoint((k, zeros_for(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return SeqAdjoint(zeros_for(v) for v in value)
    if isinstance(value, np.ndarray):
        return np.zeros(value.shape, dtype=_grad_dtype(value))
    return 0.0


def _probe(obj: Any) -> int:
    return sys.getrefcount(obj)


def _calibrate() -> int:
    held = np.zeros(1)  # one local variable, passed on once: what add_at sees for an unshared value
    return _probe(held)


# References an adjoint has when only the generated code's own variable holds it (measured, not
# assumed: the count differs between Python versions).  More than this: someone else sees it too.
_UNSHARED = _calibrate()


def _basic(index: Any) -> bool:
    """An index that selects each element at most once (ints, slices, None, ...)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, np.integer, slice)) or p is None or p is Ellipsis for p in parts)


def add_at(adj: Any, value: Any, index: Any, g: Any) -> Any:
    """``adj`` plus ``g`` placed at ``value[index]`` (the adjoint of reading ``value[index]``);
    ``adj`` itself is left alone."""
    return _add_at(adj, value, index, g, in_place=False)


def accumulate_at(adj: Any, value: Any, index: Any, g: Any) -> Any:
    """:func:`add_at` for generated code that calls it as ``d = accumulate_at(d, ...)``: when the
    variable it rebinds is the only reference to ``adj``, ``adj`` is updated in place (a loop
    of reads then costs O(1) each, not O(size)).  Code that srcdiff transforms again calls
    :func:`add_at` instead (see srcdiff.frontend.normalize)."""
    if (
        type(adj) is np.ndarray
        and (type(index) is int or type(index) is slice)
        and adj.base is None
        and sys.getrefcount(adj) <= _UNSHARED
        and type(value) is np.ndarray
        and adj.shape == value.shape
    ):
        adj[index] += g  # the common case, kept short: x[i] read in a loop
        return adj
    owned = sys.getrefcount(adj) <= _UNSHARED  # (counted here: inside the call's arguments it is one more)
    return _add_at(adj, value, index, g, in_place=owned)


def _add_at(adj: Any, value: Any, index: Any, g: Any, in_place: bool) -> Any:
    if _is_zero(g):
        return adj
    out: Any
    if isinstance(value, dict):
        out = (
            adj
            if in_place and type(adj) is DictAdjoint
            else DictAdjoint(adj)
            if isinstance(adj, dict)
            else DictAdjoint()
        )
        out[index] = out[index] + g if index in out else g
        return out
    if isinstance(value, (list, tuple, range)):
        if in_place and type(adj) is SeqAdjoint:
            out = adj
        else:
            out = SeqAdjoint(seq_items(adj, value)) if not _is_zero(adj) else zeros_for(list(value))
        if isinstance(index, slice):
            for i, gi in zip(range(*index.indices(len(value))), g):
                out[i] = out[i] + gi
        else:
            out[index] = out[index] + g
        return out
    dtype = _grad_dtype(value)
    if (
        in_place
        and type(adj) is np.ndarray
        and adj.base is None
        and adj.flags.writeable
        and adj.dtype == dtype
        and adj.shape == np.shape(value)
    ):
        out = adj
    elif np.ndim(adj):
        out = np.array(adj, dtype=dtype, copy=True)
    else:
        out = zeros_for(np.asarray(value))
    if _basic(index):
        out[index] += g
    else:
        np.add.at(out, index, g)
    return out


def copy_of(value: Any) -> Any:
    """A copy of what an in-place write is about to overwrite (arrays and lists are mutable)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return list(value)
    return value


def item_adjoint(adj: Any, index: Any) -> Any:
    """The part of ``adj`` at ``index`` (zero if nothing reached ``adj`` yet)."""
    if _is_zero(adj):
        return 0.0
    part = adj[index]
    return part.copy() if isinstance(part, np.ndarray) else part


def keep_last(g: Any, value: Any, index: Any) -> Any:
    """``g`` (shaped like ``value[index]``) with zeros where ``value[index] = ...`` wrote an
    element that a later entry of the same index overwrote: numpy keeps the last of repeated
    indices (``a[[0, 0]] += v`` adds ``v[1]`` once), so only that one gets an adjoint.

    >>> keep_last(np.ones(3), np.zeros(2), np.array([0, 0, 1]))
    array([0., 1., 1.])
    """
    if _is_zero(g) or _basic(index) or isinstance(value, (list, tuple, dict)):
        return g
    targets = np.arange(np.size(value)).reshape(np.shape(value))[index].ravel()
    unique, first_from_end = np.unique(targets[::-1], return_index=True)
    if unique.size == targets.size:
        return g
    last = np.zeros(targets.size, dtype=bool)
    last[targets.size - 1 - first_from_end] = True
    return np.where(last.reshape(np.shape(g)), g, 0.0)


def sequence_tangent(t: Any) -> Any:
    """Forward mode: the tangent of a list or tuple handed to a numpy function, as the array
    numpy reads the list as (a tangent list would repeat under ``*``, not scale).

    >>> sequence_tangent([1.0, 2.0]) * 2.0
    array([2., 4.])
    """
    return np.asarray(t) if isinstance(t, (list, tuple)) else t


def zero_where_zero(term: Any, g: Any) -> Any:
    """``term`` (a contribution ``g * partial``) with exact zeros where ``g`` is zero: where
    ``np.where`` masked an entry out, its partial may be infinite (``n / d`` at ``d == 0``) and
    ``0 * inf`` would make the gradient NaN.

    >>> with np.errstate(divide="ignore", invalid="ignore"):
    ...     zero_where_zero(np.array([0.0, 2.0]) / np.array([0.0, 1.0]), np.array([0.0, 2.0]))
    array([0., 2.])
    """
    if _is_zero(g):
        return 0.0
    if np.ndim(g) == 0 and np.ndim(term) == 0:
        return term if g != 0 else 0.0 * g
    return np.where(np.asarray(g) == 0, 0.0, term)


def zero_item(adj: Any, value: Any, index: Any) -> Any:
    """``adj`` with the part at ``index`` set to zero: what an in-place write overwrote
    gets no adjoint from what follows it.  Never changes ``adj`` itself (it may be shared)."""
    if _is_zero(adj):
        return adj
    out: Any
    if isinstance(value, (list, tuple)):
        out = SeqAdjoint(seq_items(adj, value))
        if isinstance(index, slice):
            for i in range(*index.indices(len(out))):
                out[i] = 0.0
        else:
            out[index] = 0.0
        return out
    out = np.array(np.broadcast_to(adj, np.shape(value)), dtype=_grad_dtype(value))
    out[index] = 0.0
    return out


def set_item(tangent: Any, value: Any, index: Any, item: Any) -> Any:
    """Forward mode of ``value[index] = v``: a copy of ``tangent`` with ``item`` at ``index``."""
    if isinstance(value, list):
        out = list(tangent) if isinstance(tangent, list) else [0.0] * len(value)
    else:
        out = np.array(np.broadcast_to(tangent, np.shape(value)), dtype=_grad_dtype(value))  # type: ignore[assignment]
    out[index] = item
    return out


def pick_tangent(seq: Any, out: Any, tangent: Any) -> Any:
    """Forward mode of ``min(seq)`` / ``max(seq)``: the tangent of the element that was picked."""
    if _is_zero(tangent):
        return 0.0
    index = list(seq).index(out) if isinstance(seq, (list, tuple)) else int(np.argmax(np.asarray(seq) == out))
    return tangent[index]


def cotangent_or_zero(value: Any) -> Any:
    """A registered rule's ``None`` means no gradient: zero."""
    return 0.0 if value is None else value


def push_adjoint(adj: Any, element: Any, value: Any) -> Any:
    """Backwards through ``x = xs.pop()``: ``xs``'s adjoint gets ``x``'s back as its last entry
    (``value`` is ``xs`` without it)."""
    if _is_zero(element) and _is_zero(adj):
        return adj
    return SeqAdjoint(seq_items(adj, value) + [element])


def last_adjoint(adj: Any) -> Any:
    """The adjoint of the element ``xs.append(v)`` added (the last one)."""
    if _is_zero(adj):
        return 0.0
    return adj[-1] if len(adj) else 0.0


def drop_last(adj: Any) -> Any:
    """The adjoint of ``xs`` before ``xs.append(v)``."""
    return adj if _is_zero(adj) else SeqAdjoint(list(adj)[:-1])


def unpack_adjoint(g: Any, n: int) -> list[Any]:
    """The ``n`` element adjoints of a tuple's adjoint ``g`` (zeros if nothing reached it)."""
    if isinstance(g, (list, tuple, np.ndarray)):
        return list(g)
    return [0.0] * n


def fill_like(seq: Any, g: Any) -> Any:
    """The adjoint of ``sum(seq)``: every element receives ``g``."""
    if isinstance(seq, (list, tuple)):
        return SeqAdjoint(g for _ in seq)
    return np.broadcast_to(g, np.shape(seq)).copy() if np.ndim(seq) else g


def one_hot_like(seq: Any, out: Any, g: Any) -> Any:
    """The adjoint of ``min(seq)`` / ``max(seq)``: ``g`` at the first element equal to ``out``."""
    if isinstance(seq, (list, tuple)):
        return add_at(0.0, seq, list(seq).index(out), g)
    seq = np.asarray(seq)
    flat = int(np.argmax(seq == out))
    return add_at(0.0, seq, np.unravel_index(flat, seq.shape)[0] if seq.ndim > 1 else flat, g)


def log_or_zero(x: Any) -> Any:
    """``log(x)`` where ``x > 0``, else 0: the exponent's partial of ``x ** y`` (0 ** y has 0 there)."""
    if isinstance(x, _SCALARS):
        return math.log(x) if x > 0 else 0.0
    x = np.asarray(x)
    return np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), 0.0)


def power_base_adjoint(g: Any, a: Any, b: Any) -> Any:
    """``g * d(a ** b)/da`` for a variable exponent ``b``: zero where ``b == 0`` (even at ``a == 0``)."""
    return power_term(g, b, a, b - 1)


def power_term(g: Any, c: Any, a: Any, e: Any) -> Any:
    """``g * c * a ** e``, the terms derivatives of powers are made of, exact at ``a == 0``: zero
    where ``c == 0`` (``d(a ** 1)/da`` at 0 is 1, and its derivative ``1 * 0 * a ** -1`` is 0, not
    an error), and ``inf`` where ``a == 0`` and ``e < 0`` (the derivative of ``a ** 0.5`` at 0 is
    infinite: Python's ``0.0 ** -0.5`` would raise)."""
    if all(isinstance(v, _SCALARS) for v in (g, c, a, e)):
        if c == 0 or g == 0:  # (no 0 * inf)
            return 0.0 * g
        if a == 0 and e < 0:
            return g * c * math.inf
        return g * c * a**e
    c = np.asarray(c)
    with np.errstate(divide="ignore", invalid="ignore"):
        # floats: numpy refuses integers to negative integer powers
        return np.where((c == 0) | (np.asarray(g) == 0), 0.0, g * c * np.power(np.asarray(a, dtype=float), e))


def reciprocal_or_zero(x: Any) -> Any:
    """``1 / x`` where ``x > 0``, else 0: the derivative of :func:`log_or_zero`."""
    if isinstance(x, _SCALARS):
        return 1.0 / x if x > 0 else 0.0
    x = np.asarray(x)
    return np.where(x > 0, 1.0 / np.where(x > 0, x, 1.0), 0.0)


def _grad_dtype(value: Any) -> Any:
    dtype = np.asarray(value).dtype
    return dtype if np.issubdtype(dtype, np.floating) or np.issubdtype(dtype, np.complexfloating) else np.float64


def grad_like(adj: Any, value: Any, fresh: bool = False) -> Any:
    """Shape a final adjoint like the argument it belongs to: float for numbers, an array of
    the argument's shape for arrays, the same container type for lists and tuples.  An array is
    copied unless ``fresh``: an array of the right shape and type that owns its memory is then
    returned as it is (generated code passes the result through :func:`owned_results`)."""
    complex_adjoint = isinstance(adj, (complex, np.complexfloating)) or (
        isinstance(adj, np.ndarray) and adj.dtype.kind == "c"
    )
    complex_value = isinstance(value, (complex, np.complexfloating)) or (
        isinstance(value, np.ndarray) and value.dtype.kind == "c"
    )
    if complex_adjoint and not complex_value:
        from .errors import UnsupportedSyntaxError

        raise UnsupportedSyntaxError(
            None,
            None,
            None,
            "complex intermediate values are not supported yet",
            "keep the computation real (e.g. use abs() or .real explicitly before differentiating)",
        )
    if isinstance(value, bool):
        return float(adj) if _is_zero(adj) or isinstance(adj, _SCALARS) else adj
    if isinstance(value, (int, float)):
        return float(adj) if isinstance(adj, _SCALARS) else adj
    if isinstance(value, (list, tuple)):
        return type(value)(grad_like(a, v, fresh) for a, v in zip(seq_items(adj, value), value))
    if isinstance(value, dict):
        entries: dict[Any, Any] = adj if isinstance(adj, dict) else {}
        return type(value)((k, grad_like(entries.get(k, 0.0), v, fresh)) for k, v in value.items())
    if isinstance(value, np.ndarray):
        dtype = _grad_dtype(value)
        if fresh and type(adj) is np.ndarray and adj.base is None and adj.shape == value.shape and adj.dtype == dtype:
            return adj
        return np.array(np.broadcast_to(np.asarray(adj, dtype=dtype), value.shape))
    if isinstance(value, np.number):
        return np.asarray(adj, dtype=_grad_dtype(value))[()]
    return adj


def owned_results(grads: Any, inputs: tuple[Any, ...]) -> Any:
    """``grads`` with a copy in place of any array that is also an input, or that appears in
    ``grads`` twice: every array a gradient function returns is the caller's own.

    >>> x = np.ones(2)
    >>> a, b = owned_results((x, x), (x,))
    >>> a is x, b is x, a is b
    (False, False, False)
    """
    taken = {id(a) for a in _arrays_in(inputs)}

    def own(g: Any) -> Any:
        if type(g) is np.ndarray:
            if id(g) in taken:
                return g.copy()
            taken.add(id(g))
            return g
        if isinstance(g, dict):
            return type(g)((k, own(v)) for k, v in g.items())
        if isinstance(g, (list, tuple)):
            return type(g)(own(v) for v in g)
        return g

    return own(grads)


def _arrays_in(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _arrays_in(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _arrays_in(v)


def check_unpack(value: Any, n: int) -> None:
    """Raise what ``a, b = value`` raises when ``value`` does not have exactly ``n`` items."""
    size = len(value)
    if size != n:
        many = "too many" if size > n else "not enough"
        raise ValueError(f"{many} values to unpack (expected {n}, got {size})")


def index_concat(maker: Any, items: tuple[Any, ...]) -> Any:
    """``np.r_[a, b]`` / ``np.c_[a, b]`` as a call (srcdiff differentiates calls).

    >>> index_concat(np.r_, (np.array([1.0]), 2.0))
    array([1., 2.])
    """
    return maker[items]


def loop_items(value: Any) -> Any:
    """What a ``for`` loop over ``value`` visits, indexable: lists, tuples, ranges and arrays as
    they are; anything else (a dict, a set) as the list of its items."""
    if isinstance(value, (list, tuple, range, np.ndarray)):
        return value
    return list(value)


def sequence_adjoint(g: Any, seq: Any) -> Any:
    """The adjoint of ``list(seq)`` / ``tuple(seq)``, shaped like ``seq``."""
    if _is_zero(g):
        return 0.0
    if isinstance(g, np.ndarray) and isinstance(seq, np.ndarray):
        return g
    if isinstance(seq, np.ndarray):
        out = zeros_for(seq)
        for i, gi in enumerate(g):
            out[i] += gi
        return out
    return SeqAdjoint(g)


class OutputNotScalar(Exception):
    """Raised by :func:`check_scalar` and turned into an ``OutputError`` by the API."""


def check_scalar(value: Any) -> None:
    """Refuse outputs ``grad`` cannot seed: non-numbers and arrays with more than one element."""
    if isinstance(value, _SCALARS) and not isinstance(value, (bool, np.bool_)):
        return
    if isinstance(value, np.ndarray) and value.size == 1 and np.issubdtype(value.dtype, np.number):
        return
    raise OutputNotScalar(value)


def checkpointed(iterable: Any, snapshots: int = 20) -> Any:
    """Mark a ``for`` loop for binomial checkpointing; returns ``iterable`` unchanged.

    Reverse mode normally saves what every iteration overwrites, so memory grows with
    the trip count.  In ``for t in srcdiff.checkpointed(range(n), snapshots=k):`` the
    gradient keeps at most ``k`` snapshots of the loop's state and runs iterations
    again from the nearest one (Griewank's binomial schedule, "revolve", recording
    :data:`TAPE` iterations at a time at its leaves): memory stays flat as ``n`` grows,
    at the cost of about ``r`` extra forward sweeps, ``r`` the smallest number with
    ``comb(k + r, k) >= n / 8``.  Outside srcdiff it does nothing:

    >>> list(checkpointed(range(3), snapshots=2))
    [0, 1, 2]
    """
    snapshot_count(snapshots)
    return iterable


def snapshot_count(snapshots: Any) -> int:
    """``snapshots`` as an int, or a :class:`~srcdiff.errors.CheckpointError` (a ``ValueError``)
    if it is not an int ``>= 0``: checked when the loop runs and again when the gradient's
    schedule is made, since a negative count would otherwise reverse no iteration at all."""
    if isinstance(snapshots, (bool, np.bool_)) or not isinstance(snapshots, (int, np.integer)) or snapshots < 0:
        raise CheckpointError(
            problem=f"`snapshots` of `srcdiff.checkpointed` must be an int >= 0, not {snapshots!r}",
            hint="pass how many snapshots the gradient may keep, e.g. `snapshots=10`",
        )
    return int(snapshots)


def repetitions(steps: int, snapshots: int) -> int:
    """The fewest forward sweeps ``r`` with which ``snapshots`` snapshots reverse ``steps``
    steps: the smallest ``r`` with ``comb(snapshots + r, snapshots) >= steps``.

    >>> repetitions(10, 3), repetitions(20, 3), repetitions(21, 3)   # comb(6, 3) = 20
    (2, 3, 4)
    """
    r = 0
    while math.comb(snapshots + r, snapshots) < steps:
        r += 1
    return r


#: Iterations recorded at once at the leaves of a checkpointing schedule (memory: this many
#: iterations' saved values, besides the snapshots).
TAPE = 8


def checkpoint_schedule(steps: int, snapshots: int) -> Any:
    """The actions that reverse a loop of ``steps`` iterations from at most ``snapshots``
    snapshots besides the loop's entry state, as ``(action, a, b)``:

    * ``("advance", a, b)``: from the last snapshot (the state before iteration ``a``),
      run iterations ``a .. b-1`` and push a snapshot of the state before ``b``;
    * ``("tape", a, b)``: from the last snapshot, run iterations ``a .. b-1`` recording them
      (at most :data:`TAPE` of them), then their adjoints, last first;
    * ``("step", a, b)``: from the last snapshot, run iterations ``a .. b-1``, then
      iteration ``b`` recording it, and its adjoint (when no snapshot is left);
    * ``("drop", a, a)``: pop the last snapshot (the one before iteration ``a``).

    Adjoints come in reverse order, each exactly once:

    >>> for action in checkpoint_schedule(20, 1):
    ...     print(action)
    ('advance', 0, 16)
    ('tape', 16, 20)
    ('drop', 16, 16)
    ('advance', 0, 8)
    ('tape', 8, 16)
    ('drop', 8, 8)
    ('tape', 0, 8)
    >>> list(checkpoint_schedule(10, 0))
    [('step', 0, 9), ('step', 0, 8), ('tape', 0, 8)]
    """
    snapshots = snapshot_count(snapshots)
    # One generator with an explicit stack of pending work (a recursion of generators would pass
    # every action up through each level).  A segment (start, end, free): the last snapshot holds
    # the state before `start`.  Split so that the right part fits `free - 1` snapshots and the
    # left part, whose iterations have run once more, fits `free` with one repetition less
    # (counted in tapes: a leaf records up to TAPE iterations at once).
    pending: list[tuple[int, int, int]] = [(0, steps, snapshots)]  # free == -1: a drop
    while pending:
        start, end, free = pending.pop()
        if free < 0:
            yield ("drop", start, start)
        elif end - start <= TAPE:
            if end > start:
                yield ("tape", start, end)
        elif free > 0:
            tapes = -(-(end - start) // TAPE)
            r = repetitions(tapes, free)
            middle = start + TAPE * min(tapes - 1, math.comb(free + r - 1, free))
            yield ("advance", start, middle)
            pending += [(start, middle, free), (middle, middle, -1), (middle, end, free - 1)]
        else:
            last = start + (end - start - 1) // TAPE * TAPE  # no snapshot left: the last tape from a
            for i in range(end - 1, last - 1, -1):  # replay of the segment, then earlier ones
                yield ("step", start, i)
            pending.append((start, last, 0))


#: Helpers templates may call by name.
TEMPLATE_HELPERS: dict[str, Any] = {
    "unbroadcast": unbroadcast,
    "Shaped": Shaped,
    "add_at": add_at,
    "accumulate_at": accumulate_at,
    "unpack_adjoint": unpack_adjoint,
    "fill_like": fill_like,
    "one_hot_like": one_hot_like,
    "log_or_zero": log_or_zero,
    "power_base_adjoint": power_base_adjoint,
    "power_term": power_term,
    "reciprocal_or_zero": reciprocal_or_zero,
    "grad_like": grad_like,
    "owned_results": owned_results,
    "check_scalar": check_scalar,
    "zeros_for": zeros_for,
    "broadcast_tangent": broadcast_tangent,
    "check_unpack": check_unpack,
    "copy_of": copy_of,
    "item_adjoint": item_adjoint,
    "zero_item": zero_item,
    "last_adjoint": last_adjoint,
    "push_adjoint": push_adjoint,
    "cotangent_or_zero": cotangent_or_zero,
    "set_item": set_item,
    "pick_tangent": pick_tangent,
    "drop_last": drop_last,
    "sequence_adjoint": sequence_adjoint,
    "loop_items": loop_items,
    "keep_last": keep_last,
    "sequence_tangent": sequence_tangent,
    "zero_where_zero": zero_where_zero,
    "index_concat": index_concat,
    "checkpoint_schedule": checkpoint_schedule,
    "checkpointed": checkpointed,
}
