"""The values adjoints and tangents take: ``0.0`` as a zero of any shape, adjoints of lists
(:class:`SeqAdjoint`) and dicts (:class:`DictAdjoint`), and an operand's share of a broadcast
adjoint (:func:`unbroadcast`).

>>> unbroadcast(np.ones((3, 2)), np.zeros(2))
array([3., 3.])
>>> SeqAdjoint([1.0, 2.0]) + [0.5, 0.5]
[1.5, 2.5]
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

NUMBER_TYPES = (float, int, bool, np.number, np.bool_)


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
    """Sum ``g`` over the axes along which ``like`` was broadcast to ``g``'s shape (its real
    part for a real ``like``: see srcdiff.rules.complex_module)."""
    if type(g) is np.ndarray and g.dtype.kind == "c" and type(like) is np.ndarray and like.dtype.kind != "c":
        g = g.real
    if type(g) is np.ndarray and type(like) is Shaped and not like.shape and g.dtype.kind != "c":
        return g.sum()  # (a number broadcast against an array)
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
        return g if type(g) is float else np.sum(g)  # (a Python float stays one)
    if isinstance(like, (list, tuple)) and isinstance(g, np.ndarray) and _numpy_operand(g, like):
        return unbroadcast(g, Shaped(np.shape(like)))
    if isinstance(like, (list, tuple)) or isinstance(g, list):
        from ..errors import UnsupportedSyntaxError

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
        if is_zero(other):
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
        if is_zero(other):
            return DictAdjoint(self)
        return NotImplemented

    def __radd__(self, other: Any) -> DictAdjoint:
        return self.__add__(other)


def is_zero(x: Any) -> bool:
    return isinstance(x, NUMBER_TYPES) and x == 0


def seq_items(adj: Any, value: Any) -> list[Any]:
    """The per-element adjoints of the list or tuple ``value``, whatever form ``adj`` took: a
    :class:`SeqAdjoint`, zero, or an array (numpy treats a list as an array, so a numpy
    function's adjoint of a list argument is an array of its shape).

    >>> seq_items(np.array([1.0, 2.0]), [5.0, 6.0])
    [np.float64(1.0), np.float64(2.0)]
    """
    if isinstance(adj, (list, tuple)):
        return list(adj)
    if is_zero(adj):
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
    if isinstance(out, (list, tuple)) and isinstance(t, (list, tuple)):
        return t  # a sequence's tangent is a sequence, item by item (its items may differ in shape)
    shape = np.shape(out)
    if np.shape(t) == shape:
        return t
    return t + np.zeros(shape, dtype=np.result_type(t, 0.0))


def zeros_for(value: Any) -> Any:
    """A zero adjoint with ``value``'s structure."""
    if isinstance(value, dict):
        return DictAdjoint((k, zeros_for(v)) for k, v in value.items())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # a record: by field name
        return DictAdjoint((f.name, zeros_for(getattr(value, f.name))) for f in dataclasses.fields(value))
    if isinstance(value, (list, tuple)):
        return SeqAdjoint(zeros_for(v) for v in value)
    if isinstance(value, np.ndarray):
        return np.zeros(value.shape, dtype=grad_dtype(value))
    return 0.0


def copy_of(value: Any) -> Any:
    """A copy of what an in-place write is about to overwrite (arrays and lists are mutable)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return list(value)
    return value


def grad_dtype(value: Any) -> Any:
    dtype = np.asarray(value).dtype
    return dtype if np.issubdtype(dtype, np.floating) or np.issubdtype(dtype, np.complexfloating) else np.float64
