"""Adjoints and tangents of item reads and writes: ``x[i]`` read (its adjoint added at ``i``),
``x[i] = v`` (the overwritten item's adjoint zeroed, the written value's read from ``i``).

>>> add_at(0.0, [1.0, 2.0, 3.0], 1, 5.0)
[0.0, 5.0, 0.0]
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from .adjoints import DictAdjoint, SeqAdjoint, grad_dtype, is_zero, seq_items, zeros_for


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
    if type(g) is complex or type(g) is np.complex128 or (type(g) is np.ndarray and g.dtype.kind == "c"):
        g = real_part_for(g, value)
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


def real_part_for(g: Any, value: Any) -> Any:
    """An adjoint contribution ``g`` to ``value``: its real part if ``value`` is real (the
    adjoint of a real value is the real part: see srcdiff.rules.complex_module).

    >>> real_part_for(1.0 + 2.0j, np.zeros(2)) == 1.0, real_part_for(1.0 + 2.0j, np.zeros(2, complex)) == 1.0 + 2.0j
    (True, True)
    """
    numbers = (int, float, complex, np.number, np.ndarray)
    if isinstance(g, numbers) and isinstance(value, numbers) and np.iscomplexobj(g) and not np.iscomplexobj(value):
        return np.real(g)
    return g


def _add_at(adj: Any, value: Any, index: Any, g: Any, in_place: bool) -> Any:
    if is_zero(g):
        return adj
    g = real_part_for(g, value)
    out: Any
    if isinstance(value, dict):
        out = (
            adj
            if in_place and type(adj) is DictAdjoint
            else DictAdjoint(adj)
            if isinstance(adj, dict)
            else DictAdjoint()
        )
        old = out.get(index, _ABSENT)
        if old is _ABSENT:
            out[index] = g
        elif in_place and _only_here(old, g):
            old += g  # (an array this adjoint alone holds, summed into in place: a loop's weight)
        else:
            out[index] = old + g
        return out
    if isinstance(value, (list, tuple, range)):
        if in_place and type(adj) is SeqAdjoint:
            out = adj
        else:
            out = SeqAdjoint(seq_items(adj, value)) if not is_zero(adj) else zeros_for(list(value))
        if isinstance(index, slice):
            for i, gi in zip(range(*index.indices(len(value))), g):
                out[i] = out[i] + gi
        else:
            out[index] = out[index] + g
        return out
    dtype = grad_dtype(value)
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
        out = np.array(np.real(adj) if dtype.kind != "c" else adj, dtype=dtype, copy=True)
    else:
        out = zeros_for(np.asarray(value))
    if _basic(index):
        out[index] += g
    else:
        np.add.at(out, index, g)
    return out


_ABSENT = object()


def _held_in_dict() -> int:
    held = {"k": np.zeros(1)}
    old = held["k"]
    return _passed_on(old)  # (as _add_at passes it to _only_here)


def _passed_on(old: Any) -> int:
    return _probe(old)


#: References to an array held by a dict and nowhere else, as counted in :func:`_only_here`
#: (measured like ``_UNSHARED``): the dict's, the caller's variable, the parameter, the count's own.
_ONLY_HERE = _held_in_dict()


def _only_here(old: Any, g: Any) -> bool:
    """May ``old += g`` replace ``old + g`` -- is ``old`` an array of its own (no view, no other
    reference) that the sum keeps the shape and type of?"""
    return (
        type(old) is np.ndarray
        and old.base is None
        and _probe(old) <= _ONLY_HERE
        and old.flags.writeable
        and (type(g) is float or type(g) is np.ndarray and g.shape == old.shape and g.dtype == old.dtype)
        and old.dtype.kind == "f"
    )


def item_adjoint(adj: Any, index: Any) -> Any:
    """The part of ``adj`` at ``index`` (zero if nothing reached ``adj`` yet)."""
    if is_zero(adj):
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
    if is_zero(g) or _basic(index) or isinstance(value, (list, tuple, dict)):
        return g
    targets = np.arange(np.size(value)).reshape(np.shape(value))[index].ravel()
    unique, first_from_end = np.unique(targets[::-1], return_index=True)
    if unique.size == targets.size:
        return g
    last = np.zeros(targets.size, dtype=bool)
    last[targets.size - 1 - first_from_end] = True
    return np.where(last.reshape(np.shape(g)), g, 0.0)


def zero_item(adj: Any, value: Any, index: Any) -> Any:
    """``adj`` with the part at ``index`` set to zero: what an in-place write overwrote
    gets no adjoint from what follows it.  Never changes ``adj`` itself (it may be shared)."""
    if is_zero(adj):
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
    out = np.array(np.broadcast_to(adj, np.shape(value)), dtype=grad_dtype(value))
    out[index] = 0.0
    return out


def set_item(tangent: Any, value: Any, index: Any, item: Any) -> Any:
    """Forward mode of ``value[index] = v``: a copy of ``tangent`` with ``item`` at ``index``."""
    if isinstance(value, list):
        out = list(tangent) if isinstance(tangent, list) or np.ndim(tangent) > 0 else [0.0] * len(value)
    else:
        out = np.array(np.broadcast_to(tangent, np.shape(value)), dtype=grad_dtype(value))  # type: ignore[assignment]
    out[index] = item
    return out
