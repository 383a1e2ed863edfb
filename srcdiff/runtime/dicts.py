"""Dicts the function makes (``{name: value, ...}`` with computed keys, dict comprehensions),
their ``.values()``/``.items()``, and the distinct values of a set handed to ``sum``/``len``...:
what generated code calls, and their adjoints and tangents.

>>> d = make_dict(["W", "b"], [1.0, 2.0])
>>> d, values_adjoint({"b": 3.0}, ["W", "b"]), dict_adjoint([4.0, 5.0], d)
({'W': 1.0, 'b': 2.0}, [0.0, 3.0], {'W': 4.0, 'b': 5.0})
"""

from __future__ import annotations

from typing import Any

from ..errors import UnsupportedSyntaxError
from .adjoints import DictAdjoint, SeqAdjoint, is_zero


def make_dict(keys: Any, values: Any) -> dict[Any, Any]:
    """``{k: v for k, v in zip(keys, values)}``: a later key wins, as in a dict display.  (A dict
    comprehension runs its loops once for the keys, once for the values: over an iterator that
    the first pass used up, the second finds nothing, and that is refused.)"""
    keys, values = list(keys), list(values)
    if len(keys) != len(values):
        raise UnsupportedSyntaxError(
            None,
            None,
            None,
            "a dict comprehension over an iterator is not supported (its values were read once already)",
            "iterate over a list, or build the dict in a for loop",
        )
    return dict(zip(keys, values))


def values_adjoint(g: Any, keys: Any) -> SeqAdjoint:
    """The adjoint of the values a dict was made of, from the dict's adjoint ``g``; a key given
    twice gets its part only where it was last given (the earlier value was overwritten)."""
    keys = list(keys)
    last = {k: i for i, k in enumerate(keys)}
    if is_zero(g):
        return SeqAdjoint(0.0 for _ in keys)
    return SeqAdjoint(g.get(k, 0.0) if last[k] == i else 0.0 for i, k in enumerate(keys))


def dict_values(d: Any) -> list[Any]:
    """``list(d.values())``."""
    return list(d.values())


def values_tangent(t: Any, d: Any) -> list[Any]:
    """The tangent of ``d.values()``: the tangent dict's values, key by key of ``d``."""
    if is_zero(t):
        return [0.0 for _ in d]
    return [t.get(k, 0.0) for k in d]


def dict_adjoint(g: Any, d: Any) -> Any:
    """The adjoint of a dict from the adjoint of its ``.values()`` (a list, in key order)."""
    if is_zero(g):
        return 0.0
    return DictAdjoint(zip(d, g))


def dict_items(d: Any) -> list[tuple[Any, Any]]:
    """``list(d.items())``."""
    return list(d.items())


def items_adjoint(g: Any, d: Any) -> Any:
    """The adjoint of a dict from the adjoint of its ``.items()`` (pairs: the keys' parts are zero)."""
    if is_zero(g):
        return 0.0
    return DictAdjoint((k, 0.0 if is_zero(pair) else list(pair)[1]) for k, pair in zip(d, g))


def items_tangent(t: Any, d: Any) -> list[tuple[Any, Any]]:
    """The tangent of ``d.items()``: pairs of a zero (the key's) and the value's tangent."""
    return [(0.0, v) for v in values_tangent(t, d)]


def dict_keys(d: Any) -> list[Any]:
    """``list(d.keys())``: no derivative flows through keys."""
    return list(d)


def with_item(d: Any, key: Any, value: Any) -> Any:
    """A new dict: ``d`` with ``key`` set to ``value`` (``d[key] = value`` into a dict the function
    made); for a tangent that is zero, a dict holding ``value`` alone."""
    out = DictAdjoint() if is_zero(d) else DictAdjoint(d) if isinstance(d, DictAdjoint) else dict(d)
    out[key] = value
    return out


def distinct_items(items: Any) -> list[Any]:
    """The items of ``{e for ...}`` as a list: each distinct value once, where it first came
    (a set's order is its own; sums, lengths, extremes and membership do not see it)."""
    firsts = _first_places(items)
    return [items[i] for i in firsts]


def distinct_adjoint(g: Any, items: Any) -> Any:
    """The adjoint of the items a set was made of: each distinct value's part goes to its first
    place (equal values are one element of the set; a tie gives it to the first)."""
    items = list(items)
    out = SeqAdjoint(0.0 for _ in items)
    if is_zero(g):
        return out
    for part, i in zip(g, _first_places(items)):
        out[i] = part
    return out


def distinct_tangent(t: Any, items: Any) -> list[Any]:
    """The tangent of :func:`distinct_items`: the tangents at the first places."""
    if is_zero(t):
        return [0.0 for _ in _first_places(items)]
    return [list(t)[i] for i in _first_places(items)]


def _first_places(items: Any) -> list[int]:
    seen: set[Any] = set()
    firsts = []
    for i, value in enumerate(items):
        if value not in seen:  # (unhashable values raise TypeError, as in a set)
            seen.add(value)
            firsts.append(i)
    return firsts
