"""What the pipeline keeps between calls: the generated functions and where they are cached.

A :class:`Generated` is a compiled gradient with its source; a :class:`SplitEntry` is a
helper's recording and adjoint versions (or its forward version), reached from a gradient
through closure cells that are filled once the helper is compiled (so recursion works).
:class:`PerFunction` keeps such entries on the function object they were made from, so they
go away with it.

>>> entry = SplitEntry(source="def f_fwd(): ...")
>>> Generated(fn=len, source="def grad_f(): ...", deps=[entry]).full_source().splitlines()
['def grad_f(): ...', '', 'def f_fwd(): ...']
"""

from __future__ import annotations

import types
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..frontend.capture import Guard


@dataclass
class Generated:
    """A compiled derivative function, its source, and the helper derivatives it calls."""

    fn: Callable[..., Any]
    source: str
    deps: list[SplitEntry] = field(default_factory=list)
    guards: list[Guard] = field(default_factory=list)
    epoch: int = 0  # the caches' epoch when it was made: older code may call stale helpers
    stats: dict[str, Any] = field(default_factory=dict)  # what the optimizations did (dump --stats)

    def full_source(self) -> str:
        """This function's source followed by every helper derivative it reaches."""
        return "\n\n".join([self.source] + [e.source for e in reachable(self.deps) if e.source])


@dataclass(eq=False)
class SplitEntry:
    """A helper's recording and adjoint versions (cells filled once they are compiled)."""

    fwd: types.CellType = field(default_factory=types.CellType)
    bwd: types.CellType = field(default_factory=types.CellType)
    source: str = ""
    result_kind: Any = None
    deps: list[SplitEntry] = field(default_factory=list)
    guards: list[Guard] = field(default_factory=list)
    tangent_params: dict[str, str] = field(default_factory=dict)  # forward versions: param -> tangent param


def reachable(deps: list[SplitEntry]) -> list[SplitEntry]:
    """Every helper derivative reached from ``deps``, directly or not."""
    seen: list[SplitEntry] = []
    todo = list(deps)
    while todo:
        entry = todo.pop(0)
        if entry not in seen:
            seen.append(entry)
            todo += entry.deps
    return seen


def all_guards(guards: list[Guard], deps: list[SplitEntry]) -> list[Guard]:
    """``guards`` plus those of every helper derivative reached from ``deps``."""
    out = list(guards)
    for entry in reachable(deps):
        out += [g for g in entry.guards if g not in out]
    return out


class PerFunction:
    """A cache keyed by function and kept on the function object itself, so that it goes away
    with the function (functions made in a loop do not pile up)."""

    def __init__(self, attribute: str) -> None:
        self.attribute = attribute
        self.owners: weakref.WeakSet[Any] = weakref.WeakSet()

    def _table(self, fn: Any, create: bool = False) -> dict[Any, Any] | None:
        store = getattr(fn, "__dict__", None)
        if store is None:
            return None
        if create and self.attribute not in store:
            try:
                self.owners.add(fn)
            except TypeError:  # no weak references (a ufunc): not cached, nothing would clear it
                return None
            store[self.attribute] = {}
        return store.get(self.attribute)

    def get(self, key: tuple[Any, ...], default: Any = None) -> Any:
        table = self._table(key[0])
        return default if table is None else table.get(key[1:], default)

    def __contains__(self, key: tuple[Any, ...]) -> bool:
        table = self._table(key[0])
        return table is not None and key[1:] in table

    def __getitem__(self, key: tuple[Any, ...]) -> Any:
        table = self._table(key[0])
        if table is None:
            raise KeyError(key)
        return table[key[1:]]

    def __setitem__(self, key: tuple[Any, ...], value: Any) -> None:
        table = self._table(key[0], create=True)
        if table is not None:
            table[key[1:]] = value

    def __delitem__(self, key: tuple[Any, ...]) -> None:
        table = self._table(key[0])
        if table is not None:
            table.pop(key[1:], None)

    def items(self) -> list[tuple[tuple[Any, ...], Any]]:
        return [((fn,) + key, value) for fn in list(self.owners) for key, value in (self._table(fn) or {}).items()]

    def clear(self) -> None:
        for fn in list(self.owners):
            fn.__dict__.pop(self.attribute, None)
        self.owners = weakref.WeakSet()

    def __len__(self) -> int:
        return sum(len(self._table(fn) or {}) for fn in list(self.owners))
