"""Records of parameters -- dataclass instances, NamedTuples and objects of the user's own
classes (a model written as a class), read by field (``p.W``, ``self.W``): the adjoint of a
field read, the tangent of a field, and the record-shaped results.

>>> import dataclasses, numpy as np
>>> @dataclasses.dataclass
... class P:
...     W: np.ndarray
...     b: float
>>> field_adjoint(0.0, P(np.ones(2), 0.5), "b", 2.0)
{'b': 2.0}
>>> field_tangent(P(np.ones(2), 3.0), "b"), field_tangent(0.0, "b")
(3.0, 0.0)
"""

from __future__ import annotations

import copy
import dataclasses
import types
from collections.abc import Callable
from typing import Any

from .adjoints import DictAdjoint, is_zero
from .items import add_at

#: Libraries whose objects are values, not records (their Python code wraps compiled code).
OPAQUE_LIBRARIES = ("numpy", "scipy", "jax", "torch", "pandas", "cupy", "dask")


#: Container classes registered with :func:`register_node`: their ``(flatten, unflatten)``.
NODES: dict[type, tuple[Callable[[Any], tuple[Any, Any]], Callable[[Any, Any], Any]]] = {}


def register_node(cls: type, flatten: Callable[[Any], tuple[Any, Any]], unflatten: Callable[[Any, Any], Any]) -> None:
    """Read objects of ``cls`` as records: ``flatten(obj)`` gives ``(children, aux)``, the
    children being attributes of ``obj`` (by identity: their names are the fields the code
    reads), and ``unflatten(aux, children)`` builds an object of ``cls`` again."""
    NODES[cls] = (flatten, unflatten)


def node_fields(value: Any) -> list[str]:
    """The attribute names of a registered object's children, in their order; raises
    TypeError if a child is not one of the object's attributes (``flatten`` made it)."""
    children, _ = NODES[type(value)][0](value)
    candidates = list(getattr(value, "__dict__", {}))
    for cls in type(value).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        candidates += [slots] if isinstance(slots, str) else list(slots)
    names: list[str] = []
    for i, child in enumerate(children):
        found = [n for n in candidates if n not in names and getattr(value, n, None) is child]
        if not found:
            raise TypeError(
                f"child {i} that flatten gives for a {type(value).__name__} is none of its attributes "
                "(srcdiff reads the children as the attributes the code uses)"
            )
        names.append(found[0])
    return names


def is_record(value: Any) -> bool:
    """A dataclass instance, a NamedTuple, an object of a registered container class, or an
    object of a class the user defined (its instance attributes are its fields)."""
    return (
        type(value) in NODES
        or (dataclasses.is_dataclass(value) and not isinstance(value, type))
        or (isinstance(value, tuple) and hasattr(type(value), "_fields"))
        or is_user_object(value)
    )


def is_user_object(value: Any) -> bool:
    """An instance of a class defined in Python by the user (not a module, function or class,
    nor an object of numpy or another array library)."""
    module = (getattr(type(value), "__module__", None) or "").split(".")[0]
    return (
        hasattr(value, "__dict__")
        and not isinstance(value, (type, types.ModuleType, types.FunctionType, types.MethodType))
        and not callable(getattr(type(value), "__array__", None))
        and module not in ("builtins", "srcdiff", "functools", *OPAQUE_LIBRARIES)
    )


def field_names(value: Any) -> list[str]:
    if type(value) in NODES:
        return node_fields(value)
    if isinstance(value, tuple):
        return list(type(value)._fields)  # type: ignore[attr-defined]
    if dataclasses.is_dataclass(value):
        return [f.name for f in dataclasses.fields(value)]
    return list(vars(value))


def field_adjoint(adj: Any, value: Any, name: str, g: Any) -> Any:
    """``adj`` plus ``g`` at field ``name`` of the record ``value`` (a NamedTuple's adjoint is a
    list, as when it is unpacked or indexed; a dataclass's a dict by field name)."""
    if isinstance(value, tuple):
        return add_at(adj, value, field_names(value).index(name), g)
    if is_zero(g):
        return adj
    out = DictAdjoint(adj) if isinstance(adj, dict) else DictAdjoint()
    out[name] = out[name] + g if name in out else g
    return out


def field_tangent(t: Any, name: str) -> Any:
    """The tangent of a record's field: of the record's tangent (a record, or a dict by field
    name), zero if the record's tangent is zero."""
    if is_zero(t):
        return 0.0
    if isinstance(t, dict):
        return t.get(name, 0.0)
    return getattr(t, name)


def record_like(value: Any, parts: dict[str, Any]) -> Any:
    """A record of ``value``'s type with ``parts`` in place of its fields (the others kept)."""
    if type(value) in NODES:
        flatten, unflatten = NODES[type(value)]
        children, aux = flatten(value)
        names = node_fields(value)
        return unflatten(aux, type(children)(parts.get(n, c) for n, c in zip(names, children)))
    if isinstance(value, tuple):
        return type(value)(**{n: parts.get(n, getattr(value, n)) for n in field_names(value)})
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **parts)
    new = copy.copy(value)  # (a user's object: its other attributes kept, its __init__ not run)
    for name, part in parts.items():
        setattr(new, name, part)
    return new


def with_field(record: Any, name: str, value: Any) -> Any:
    """``record`` with field ``name`` replaced by ``value`` (``p._replace(W=v)``,
    ``dataclasses.replace(p, W=v)``): a record of the same type; for a tangent or adjoint of
    a record (a dict by field name, or zero), one holding ``value`` at ``name``.

    >>> from typing import NamedTuple
    >>> class P(NamedTuple):
    ...     W: float
    ...     b: float
    >>> with_field(P(1.0, 2.0), "b", 5.0), with_field(0.0, "b", 5.0)
    (P(W=1.0, b=5.0), {'b': 5.0})
    """
    if is_record(record):
        return record_like(record, {name: value})
    out = DictAdjoint(record) if isinstance(record, dict) else DictAdjoint()
    out[name] = value
    return out


def field_of(adj: Any, record: Any, name: str) -> Any:
    """Field ``name`` of a record's adjoint or tangent (a dict by field name, a list by the
    NamedTuple's field order, a record, or zero)."""
    if is_zero(adj):
        return 0.0
    if isinstance(adj, dict):
        return adj.get(name, 0.0)
    if isinstance(adj, (list, tuple)) and not hasattr(type(adj), "_fields"):
        return adj[field_names(record).index(name)]
    return getattr(adj, name)


def without_field(adj: Any, record: Any, name: str) -> Any:
    """A record's adjoint or tangent with field ``name`` zero (what ``with_field`` replaced)."""
    if is_zero(adj):
        return adj
    if isinstance(adj, dict):
        out = DictAdjoint(adj)
        out.pop(name, None)
        return out
    if isinstance(adj, (list, tuple)) and not hasattr(type(adj), "_fields"):
        items = list(adj)
        items[field_names(record).index(name)] = 0.0
        return type(adj)(items)
    return record_like(adj, {name: 0.0})
