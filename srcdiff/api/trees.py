"""Containers of numbers and arrays (lists, tuples, NamedTuples, dicts, nested), flattened to
their leaves and built again: how ``jacobian`` and ``hessian`` with respect to a container
return containers of the same structure.

>>> leaves, rebuild = flatten({"W": [1.0, 2.0], "b": 0.5})
>>> leaves
[1.0, 2.0, 0.5]
>>> rebuild([10.0, 20.0, 5.0])
{'W': [10.0, 20.0], 'b': 5.0}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..runtime.outputs import numeric, rebuilt
from ..runtime.records import field_names, is_record, record_like

Rebuild = Callable[[list[Any]], Any]


def is_container(value: Any) -> bool:
    """A list, tuple or dict that is not one array to numpy: it holds arrays or containers, is
    a NamedTuple or a dict (a list of numbers is differentiated as the array it stands for)."""
    if isinstance(value, dict) or is_record(value):
        return True
    return isinstance(value, (list, tuple)) and any(isinstance(v, (list, tuple, dict, np.ndarray)) for v in value)


def flatten(value: Any) -> tuple[list[Any], Rebuild]:
    """The leaves of ``value`` (numbers and arrays, in order: dicts by their keys' order) and a
    function building a container of the same structure from as many new leaves."""
    if isinstance(value, dict):
        keys = list(value)
        parts = [flatten(value[k]) for k in keys]
        return _joined(parts, lambda built: type(value)(zip(keys, built)))
    if is_record(value) and not isinstance(value, tuple):  # a dataclass: its numeric fields
        names = [n for n in field_names(value) if numeric(getattr(value, n))]
        parts = [flatten(getattr(value, n)) for n in names]
        return _joined(parts, lambda built: record_like(value, dict(zip(names, built))))
    if isinstance(value, (list, tuple)):
        return _joined([flatten(v) for v in value], lambda built: rebuilt(value, built))
    return [value], lambda new: new[0]


def _joined(parts: list[tuple[list[Any], Rebuild]], make: Callable[[list[Any]], Any]) -> tuple[list[Any], Rebuild]:
    leaves = [leaf for part_leaves, _ in parts for leaf in part_leaves]
    counts = [len(part_leaves) for part_leaves, _ in parts]

    def rebuild(new: list[Any]) -> Any:
        built, start = [], 0
        for (_, rebuild_part), n in zip(parts, counts):
            built.append(rebuild_part(new[start : start + n]))
            start += n
        return make(built)

    return leaves, rebuild


def sizes(leaves: list[Any]) -> list[int]:
    return [int(np.size(leaf)) for leaf in leaves]


def flat_vector(value: Any) -> np.ndarray:
    """All the numbers of ``value`` in one float vector, leaf after leaf."""
    leaves, _ = flatten(value)
    return np.concatenate([np.ravel(np.asarray(leaf, dtype=float)) for leaf in leaves]) if leaves else np.zeros(0)


def unit(value: Any, i: int) -> Any:
    """``value``'s structure with every number 0.0 but the ``i``-th (counting leaf after leaf)
    1.0: numbers stay floats, arrays arrays."""
    leaves, rebuild = flatten(value)
    new: list[Any] = []
    for leaf in leaves:
        n = int(np.size(leaf))
        if isinstance(leaf, np.ndarray):
            e = np.zeros(leaf.shape)
            if 0 <= i < n:
                e.flat[i] = 1.0
            new.append(e)
        else:
            new.append(1.0 if i == 0 else 0.0)
        i -= n
    return rebuild(new)


def shaped_like(vector: Any, like: Any) -> Any:
    """The numbers of array ``vector`` in ``like``'s structure, leaf after leaf (numbers as
    floats): a list argument's tangent given as one array, as the list's own structure."""
    flat = np.ravel(np.asarray(vector, dtype=float))
    leaves, rebuild = flatten(like)
    new: list[Any] = []
    start = 0
    for leaf in leaves:
        n = int(np.size(leaf))
        part = flat[start : start + n]
        new.append(part.reshape(np.shape(leaf)) if isinstance(leaf, np.ndarray) else float(part[0]))
        start += n
    return rebuild(new)


def blocks(matrix: np.ndarray, out: Any, of: Any) -> Any:
    """The rows x columns ``matrix`` (derivatives of ``out``'s numbers by ``of``'s) as
    ``out``'s structure holding, for each leaf, ``of``'s structure holding each leaf's block,
    of shape ``out_leaf.shape + of_leaf.shape``."""
    out_leaves, out_rebuild = flatten(out)
    of_leaves, of_rebuild = flatten(of)
    rows = np.cumsum([0, *sizes(out_leaves)])
    columns = np.cumsum([0, *sizes(of_leaves)])
    per_out = []
    for o, o_leaf in enumerate(out_leaves):
        per_of = [
            matrix[rows[o] : rows[o + 1], columns[k] : columns[k + 1]].reshape(np.shape(o_leaf) + np.shape(k_leaf))
            for k, k_leaf in enumerate(of_leaves)
        ]
        per_out.append(of_rebuild(per_of))
    return out_rebuild(per_out)
