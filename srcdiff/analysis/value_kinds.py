"""The kinds of values generated code is specialized on, one type each.

A kind is what srcdiff knows of an argument (or of a helper's result) when it generates code,
and part of every cache key, as a JIT specializes on types:

* :data:`SCALAR`: a number (Python or numpy scalar);
* :data:`SCALAR_SEQ`: a list or tuple of numbers;
* a ``tuple`` of ints: an array of that shape (``()``: a 0-d result, a number to arithmetic);
* :class:`DictOf` / :class:`SeqOf`: a dict with string keys / a list or tuple of other values,
  with the kind of each entry;
* :class:`ObjectOf`: an instance of a user-defined class (its methods are resolved by class);
* :class:`FunctionOf`: a Python function passed as an argument (its calls are resolved to it);
* :class:`Complex`: a complex number or array (its shape);
* :data:`UNKNOWN` (``None``): nothing known.

>>> DictOf.of({"W": (3, 2), "b": SCALAR}).entry("W")
(3, 2)
>>> SeqOf((SCALAR, (2,))).entry(-1), SeqOf((SCALAR,)).entry(3)
((2,), None)
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any

from ..runtime.records import NODES, OPAQUE_LIBRARIES, node_fields

#: Libraries whose Python functions wrap compiled code: they need rules, not their source read.


@dataclass(frozen=True)
class Scalar:
    """A number: a Python ``int``/``float``/``bool`` or a numpy scalar."""

    def __repr__(self) -> str:
        return "SCALAR"


@dataclass(frozen=True)
class ScalarSeq:
    """A list or tuple of numbers."""

    def __repr__(self) -> str:
        return "SCALAR_SEQ"


@dataclass(frozen=True)
class DictOf:
    """A dict with string keys: the kind of each entry, by key (sorted)."""

    entries: tuple[tuple[str, Kind], ...]

    @staticmethod
    def of(entries: dict[str, Kind]) -> DictOf:
        return DictOf(tuple(sorted(entries.items())))

    def entry(self, key: Any) -> Kind:
        return dict(self.entries).get(key)


@dataclass(frozen=True)
class SeqOf:
    """A list or tuple (of values that are not all numbers): the kind of each item."""

    items: tuple[Any, ...]  # kinds (shape inference keeps its own lattice values here too)

    def entry(self, index: Any) -> Any:
        if isinstance(index, int) and -len(self.items) <= index < len(self.items):
            return self.items[index]
        return None


@dataclass(frozen=True)
class ObjectOf:
    """An instance of a user-defined class (a model written as a class): ``self.W`` reads its
    attributes, ``self.predict(x)`` calls its class's methods, resolved when code is generated."""

    cls: type
    shadowed: frozenset[str] = frozenset()  # the object's own attributes that hide its class's
    members: tuple[tuple[str, ObjectOf], ...] = ()  # attributes holding objects of the user's (a layer)

    def member(self, name: str) -> ObjectOf | None:
        """The kind of attribute ``name``, if it holds an object of the user's classes."""
        return dict(self.members).get(name)


@dataclass(frozen=True)
class FunctionOf:
    """A Python function passed as an argument (``rk4(f, y, h)``): calls of it are calls of this
    function, and passing another one generates code again."""

    fn: Any


@dataclass(frozen=True)
class Complex:
    """A complex number (``shape == ()``) or an array of complex numbers.  Not a shape: code for
    complex values is generic (no shape-specialized shortcuts), and its rules are checked to hold
    for complex numbers (:mod:`srcdiff.analysis.complex_values`)."""

    shape: tuple[int, ...] | None = ()  # (None: not known)


Shape = tuple[int, ...]
Container = DictOf | SeqOf
Kind = Scalar | ScalarSeq | Shape | DictOf | SeqOf | ObjectOf | FunctionOf | Complex | None

SCALAR = Scalar()
SCALAR_SEQ = ScalarSeq()
UNKNOWN: Kind = None


def object_kind(value: Any, depth: int = 0) -> ObjectOf | FunctionOf | None:
    """:class:`ObjectOf` for an instance of a class defined in Python by the user (not a module,
    function or class, nor an object of numpy or another array library), else None."""
    cls = type(value)
    if isinstance(value, types.FunctionType):  # a function srcdiff reads (not a compiled library's)
        home = (getattr(value, "__module__", None) or "").split(".")[0]
        return FunctionOf(value) if home not in ("srcdiff", *OPAQUE_LIBRARIES) else None
    module = (getattr(cls, "__module__", None) or "").split(".")[0]
    if cls in NODES:  # a registered container: its children are its members
        try:
            names = node_fields(value)
        except TypeError:
            return None
        return ObjectOf(cls, frozenset(), _members({n: getattr(value, n) for n in names}, depth))
    if (isinstance(value, tuple) and hasattr(cls, "_fields")) or (
        hasattr(value, "__dict__")
        and not isinstance(value, (type, types.ModuleType, types.FunctionType, types.MethodType))
        and module not in ("builtins", "srcdiff", *OPAQUE_LIBRARIES)
    ):
        own = getattr(value, "__dict__", None) or {}
        return ObjectOf(cls, frozenset(name for name in own if hasattr(cls, name)), _members(own, depth))
    return None


def _members(own: dict[str, Any], depth: int) -> tuple[tuple[str, ObjectOf], ...]:
    """The attributes that are objects themselves, with their kinds."""
    members = []
    if depth < 4:  # (deeper nesting, or a cycle, is read as an object of unknown members)
        for name, member in own.items():
            kind = object_kind(member, depth + 1) if hasattr(member, "__dict__") or type(member) in NODES else None
            if isinstance(kind, ObjectOf):
                members.append((name, kind))
    return tuple(members)


def is_shape(kind: Any) -> bool:
    """Is ``kind`` an array's shape?"""
    return isinstance(kind, tuple)


def is_container(kind: Any) -> bool:
    """Is ``kind`` a dict's or a sequence's (with the kinds of its entries)?"""
    return isinstance(kind, (DictOf, SeqOf))


def has_complex(kind: Any) -> bool:
    """Does a value of this kind hold complex numbers (in a container too)?

    >>> has_complex(SeqOf(((2,), Complex((3,))))), has_complex(DictOf.of({"w": (2,)}))
    (True, False)
    """
    if isinstance(kind, Complex):
        return True
    if isinstance(kind, SeqOf):
        return any(has_complex(k) for k in kind.items)
    if isinstance(kind, DictOf):
        return any(has_complex(k) for _, k in kind.entries)
    return False
