"""The gradient function's output: checked to be a number, gradients shaped like the arguments
(a tuple for a tuple, an array of the argument's dtype), none returned twice or aliasing an input.

>>> grad_like([1.0, 2.0], (3.0, 4.0))
(1.0, 2.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import UnsupportedSyntaxError
from .adjoints import NUMBER_TYPES, grad_dtype, is_zero, seq_items
from .records import field_names, is_record, record_like


def grad_like(adj: Any, value: Any, fresh: bool = False, output: Any = 0.0) -> Any:
    """Shape a final adjoint like the argument it belongs to: float for numbers, an array of
    the argument's shape for arrays, the same container type for lists and tuples.  An array is
    copied unless ``fresh``: an array of the right shape and type that owns its memory is then
    returned as it is (generated code passes the result through :func:`owned_results`).

    A complex argument gets the conjugate of its adjoint (``dF/dx + i dF/dy``: see
    :mod:`srcdiff.rules.complex_module`), a real one the real part.  ``grad`` of a complex
    ``output`` gives the adjoint itself: ``f'(z)`` for a holomorphic ``f``.

    >>> grad_like(2.0 - 1.0j, 1.0j), grad_like(2.0 - 1.0j, 1.0)
    ((2+1j), 2.0)
    """
    if (  # (the common case first: a fresh real array for a real array argument, returned as it is)
        fresh
        and type(adj) is np.ndarray
        and type(value) is np.ndarray
        and adj.base is None
        and adj.dtype is value.dtype
        and adj.shape == value.shape
        and value.dtype.kind == "f"
    ):
        return adj
    return _shaped(adj, value, fresh, not _is_complex(output))


def tangent_like(tangent: Any, value: Any) -> Any:
    """Shape a final tangent like the value it belongs to, as :func:`grad_like` shapes adjoints
    (a tangent is not conjugated)."""
    return _shaped(tangent, value, False, False)


def conjugated(x: Any) -> Any:
    """``x`` with its complex numbers conjugated (in lists and tuples too); real values as they are.

    >>> conjugated([1.0, 2j])
    [1.0, -2j]
    """
    if type(x) is complex:
        return x.conjugate()
    if _is_complex(x):
        return np.conj(x)
    if type(x) in (list, tuple) and any(_is_complex(v) or isinstance(v, (list, tuple)) for v in x):
        return type(x)(conjugated(v) for v in x)
    return x


def _is_complex(x: Any) -> bool:
    return isinstance(x, (complex, np.complexfloating)) or (isinstance(x, np.ndarray) and x.dtype.kind == "c")


def _shaped(adj: Any, value: Any, fresh: bool, cotangent: bool) -> Any:
    if _is_complex(value):
        adj = np.conj(adj) if cotangent else adj
    elif _is_complex(adj):
        adj = np.real(adj)
    if isinstance(value, bool):
        return float(adj) if is_zero(adj) or isinstance(adj, NUMBER_TYPES) else adj
    if isinstance(value, (int, float)):
        return float(adj) if isinstance(adj, NUMBER_TYPES) else adj
    if type(value) is complex:  # (a Python complex gets one, as a float gets a float)
        return complex(adj) if isinstance(adj, (*NUMBER_TYPES, complex)) else adj
    if is_record(value) and (isinstance(adj, dict) or not isinstance(value, tuple)):
        by_name = adj if isinstance(adj, dict) else {}
        if type(adj) is type(value):  # a record of tangents (forward mode)
            by_name = {n: getattr(adj, n) for n in field_names(value)}
        fields = [n for n in field_names(value) if numeric(getattr(value, n))]
        return record_like(
            value, {n: _shaped(by_name.get(n, 0.0), getattr(value, n), fresh, cotangent) for n in fields}
        )
    if isinstance(value, (list, tuple)):
        return rebuilt(value, [_shaped(a, v, fresh, cotangent) for a, v in zip(seq_items(adj, value), value)])
    if isinstance(value, dict):
        entries: dict[Any, Any] = adj if isinstance(adj, dict) else {}
        return type(value)((k, _shaped(entries.get(k, 0.0), v, fresh, cotangent)) for k, v in value.items())
    if isinstance(value, np.ndarray):
        dtype = grad_dtype(value)
        if fresh and type(adj) is np.ndarray and adj.base is None and adj.shape == value.shape and adj.dtype == dtype:
            return adj
        return np.array(np.broadcast_to(np.asarray(adj, dtype=dtype), value.shape))
    if isinstance(value, np.number):
        return np.asarray(adj, dtype=grad_dtype(value))[()]
    return adj


def numeric(value: Any) -> bool:
    """A field that can carry a derivative (the others, a name or a flag, are kept as they are)."""
    if isinstance(value, (bool, str, bytes)) or value is None:
        return False
    return isinstance(value, (int, float, complex, np.number, np.ndarray, list, tuple, dict)) or is_record(value)


def rebuilt(seq: Any, items: list[Any]) -> Any:
    """A list or tuple of ``seq``'s own type holding ``items`` (a NamedTuple takes them as fields).

    >>> from collections import namedtuple
    >>> rebuilt(namedtuple("P", "w b")(1, 2), [0.5, 0.25])
    P(w=0.5, b=0.25)
    """
    if isinstance(seq, tuple) and hasattr(type(seq), "_fields"):
        return type(seq)(*items)
    return type(seq)(items)


def owned_results(grads: Any, inputs: tuple[Any, ...]) -> Any:
    """``grads`` with a copy in place of any array that is also an input, or that appears in
    ``grads`` twice: every array a gradient function returns is the caller's own.

    >>> x = np.ones(2)
    >>> a, b = owned_results((x, x), (x,))
    >>> a is x, b is x, a is b
    (False, False, False)
    """
    taken = set()
    for v in inputs:  # (flat inputs, the common case, without a generator per array)
        if type(v) is np.ndarray:
            taken.add(id(v))
        elif isinstance(v, (dict, list, tuple)):
            taken.update(id(a) for a in _arrays_in(v))
    if type(grads) is np.ndarray and id(grads) not in taken:
        return grads
    if type(grads) is tuple:  # (arrays and floats: none to copy unless one is an input or there twice)
        seen = set()
        for g in grads:
            kind = type(g)
            if kind is np.ndarray:
                if id(g) in taken or id(g) in seen:
                    break
                seen.add(id(g))
            elif kind is not float:
                break
        else:
            return grads

    def own(g: Any) -> Any:
        if type(g) is np.ndarray:
            if id(g) in taken:
                return g.copy()
            taken.add(id(g))
            return g
        if isinstance(g, dict):
            return type(g)((k, own(v)) for k, v in g.items())
        if isinstance(g, (list, tuple)):
            return rebuilt(g, [own(v) for v in g])
        return g

    return own(grads)


def _arrays_in(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _arrays_in(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _arrays_in(v)


class OutputNotScalar(Exception):
    """Raised by :func:`check_scalar` and turned into an ``OutputError`` by the API."""


def check_scalar(value: Any) -> None:
    """Refuse outputs ``grad`` cannot seed: non-numbers and arrays with more than one element."""
    if isinstance(value, (*NUMBER_TYPES, complex)) and not isinstance(value, (bool, np.bool_)):
        return  # (a complex output only when an input is complex: see backend.assemble)
    if isinstance(value, np.ndarray) and value.size == 1 and np.issubdtype(value.dtype, np.number):
        return
    raise OutputNotScalar(value)


def left_at_default(function: str, name: str, value: Any, default: Any) -> None:
    """A library function differentiated by its rule was called with argument ``name`` that its
    rule does not cover: refused unless it keeps its default."""
    same = value is default
    if not same:
        try:
            same = bool(value == default) and type(value) is type(default)
        except (TypeError, ValueError):  # (arrays compare elementwise)
            same = False
    if not same:
        raise UnsupportedSyntaxError(
            function,
            None,
            None,
            f"`{name}={value!r}` is not supported yet (the derivative rule of {function} has no `{name}`)",
            f"leave `{name}` at its default ({default!r})",
        )


def stop_gradient(x: Any) -> Any:
    """``x`` itself, as a constant: no derivative flows through it (JAX's ``lax.stop_gradient``,
    PyTorch's ``detach``), in every mode.  Use it for a target computed from the parameters, or a
    value to treat as data.

    >>> import srcdiff
    >>> def f(x):
    ...     return x * srcdiff.stop_gradient(x)
    >>> srcdiff.grad(f)(3.0)  # d/dx of x * c at c = x
    3.0
    """
    return x
