"""The rules the user registered (``srcdiff.register_vjp`` and ``register_jvp``, in
:mod:`srcdiff.api.registry`), looked up by call resolution and the transforms.

``generation`` counts the registrations.  Code generated before a registration resolved
calls to the function without its rule, so every cache of generated code remembers the
generation it was filled at and drops itself when it changed (checked at lookup): this
table never calls up into the layers that cache.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_lock = threading.Lock()
generation = 0  # bumped by every registration (read it as ``registered.generation``)


@dataclass
class Registered:
    """The rules the user gave for one function (each wrapped by :func:`srcdiff.api.registry._checked`)."""

    fn: Any
    vjp: Callable[..., Any] | None = None
    jvp: Callable[..., Any] | None = None


_RULES: dict[Any, Registered] = {}


def lookup(fn: Any) -> Registered | None:
    """The registered rules of ``fn``, if any."""
    try:
        return _RULES.get(fn)
    except TypeError:  # unhashable
        return None


def add(fn: Any, kind: str, rule: Callable[..., Any]) -> None:
    """Record ``rule`` as the ``kind`` ("vjp" or "jvp") rule of ``fn``; caches filled before are stale."""
    global generation
    with _lock:
        entry = _RULES.setdefault(fn, Registered(fn))
        setattr(entry, kind, rule)
        generation += 1


def add_entry(entry: Registered) -> None:
    """Record all the rules of ``entry.fn`` at once; caches filled before are stale."""
    global generation
    with _lock:
        _RULES[entry.fn] = entry
        generation += 1


def changed() -> None:
    """Something code is generated from changed (a container class was registered): caches filled
    before are stale."""
    global generation
    with _lock:
        generation += 1
