"""Fresh, readable names that never collide with the user's.

>>> namer = Namer({"x", "dx"})
>>> namer.fresh("t"), namer.fresh("t"), namer.adjoint("x"), namer.adjoint("y")
('_t1', '_t2', 'd_x', 'dy')
"""

from __future__ import annotations

from collections.abc import Iterable

import gast

from ..syntax import clone


def names_in(node: gast.AST) -> set[str]:
    """Every identifier that appears in ``node`` (variables, parameters, functions)."""
    found: set[str] = set()
    for sub in gast.walk(node):
        if isinstance(sub, gast.Name):
            found.add(sub.id)
        elif isinstance(sub, gast.FunctionDef):
            found.add(sub.name)
    return found


class Namer:
    """Hands out names: temporaries ``_t1``, adjoints ``dx``, helpers by preference."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken: set[str] = set(taken)
        self._adjoints: dict[str, str] = {}
        self._counters: dict[str, int] = {}

    def reserve(self, name: str) -> str:
        self.taken.add(name)
        return name

    def prefer(self, name: str) -> str:
        """``name`` itself if free, else ``name_1``, ``name_2``..."""
        if name not in self.taken:
            return self.reserve(name)
        i = 1
        while f"{name}_{i}" in self.taken:
            i += 1
        return self.reserve(f"{name}_{i}")

    def fresh(self, stem: str) -> str:
        """A numbered temporary: ``_t1``, ``_t2``, ... (stem ``t``)."""
        i = self._counters.get(stem, 0)
        while True:
            i += 1
            name = f"_{stem}{i}"
            if name not in self.taken:
                self._counters[stem] = i
                return self.reserve(name)

    def adjoint(self, name: str) -> str:
        """The name holding the adjoint (or tangent) of variable ``name``: ``dx`` for ``x``."""
        if name not in self._adjoints:
            base = f"d{name}"
            if base in self.taken:
                base = f"d_{name.lstrip('_')}"
            self._adjoints[name] = self.prefer(base)
        return self._adjoints[name]


def renamed(node: gast.AST, names: dict[str, str]) -> gast.AST:
    """A copy of ``node`` with the variables in ``names`` renamed (a comprehension's or a local
    function's own variables, written into the enclosing function)."""
    node = clone(node)
    for n in gast.walk(node):
        if isinstance(n, gast.Name) and n.id in names:
            n.id = names[n.id]
    return node
