"""Adjoints and tangents of list and tuple operations: appends and pops, unpacking, ``sum`` and
``min``/``max`` of a sequence, ``list(x)``, loops over a value, ``np.r_[...]``.

>>> fill_like([1.0, 2.0, 3.0], 2.0)
[2.0, 2.0, 2.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .adjoints import SeqAdjoint, is_zero, seq_items, zeros_for
from .items import add_at


def sequence_tangent(t: Any) -> Any:
    """Forward mode: the tangent of a list or tuple handed to a numpy function, as the array
    numpy reads the list as (a tangent list would repeat under ``*``, not scale).

    >>> sequence_tangent([1.0, 2.0]) * 2.0
    array([2., 4.])
    """
    return np.asarray(t) if isinstance(t, (list, tuple)) else t


def pick_tangent(seq: Any, out: Any, tangent: Any) -> Any:
    """Forward mode of ``min(seq)`` / ``max(seq)``: the tangent of the element that was picked."""
    if is_zero(tangent):
        return 0.0
    index = list(seq).index(out) if isinstance(seq, (list, tuple)) else int(np.argmax(np.asarray(seq) == out))
    return tangent[index]


def cotangent_or_zero(value: Any) -> Any:
    """A registered rule's ``None`` means no gradient: zero."""
    return 0.0 if value is None else value


def push_adjoint(adj: Any, element: Any, value: Any) -> Any:
    """Backwards through ``x = xs.pop()``: ``xs``'s adjoint gets ``x``'s back as its last entry
    (``value`` is ``xs`` without it)."""
    if is_zero(element) and is_zero(adj):
        return adj
    return SeqAdjoint(seq_items(adj, value) + [element])


def last_adjoint(adj: Any) -> Any:
    """The adjoint of the element ``xs.append(v)`` added (the last one)."""
    if is_zero(adj):
        return 0.0
    return adj[-1] if len(adj) else 0.0


def drop_last(adj: Any) -> Any:
    """The adjoint of ``xs`` before ``xs.append(v)``."""
    return adj if is_zero(adj) else SeqAdjoint(list(adj)[:-1])


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
    if is_zero(g):
        return 0.0
    if isinstance(g, np.ndarray) and isinstance(seq, np.ndarray):
        return g
    if isinstance(seq, np.ndarray):
        out = zeros_for(seq)
        for i, gi in enumerate(g):
            out[i] += gi
        return out
    return SeqAdjoint(g)
