"""Argument kinds: what generated code is specialized on, and which arguments srcdiff accepts.

Every entry point (``grad``, ``value_and_grad``, ``jvp``, ``vjp``, ``jacobian``, ``hessian``)
classifies its arguments here, so they all accept and refuse the same things:

>>> import numpy as np
>>> kind(1.5), kind([1.0, 2.0]), kind(np.zeros((2, 3))), kind({'b': 0.0})
(SCALAR, SCALAR_SEQ, (2, 3), DictOf(entries=(('b', SCALAR),)))
>>> unsupported(np.matrix([[1.0]]))[0]
'np.matrix is not supported (its `*` is a matrix product, not elementwise)'
>>> differentiable("ab"), differentiable(3), differentiable(np.ones(2))
(False, True, True)
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import rules
from ..analysis.value_kinds import SCALAR, SCALAR_SEQ, Complex, DictOf, FunctionOf, Kind, SeqOf, object_kind
from ..frontend.gathered import item_name
from ..runtime.outputs import numeric
from ..runtime.records import NODES, field_names, is_record, node_fields

SCALAR_TYPES = frozenset({float, int, bool, np.float64, np.float32, np.float16, np.int64, np.int32})
# the dtypes of arrays srcdiff differentiates or passes through as constants without a check
_PLAIN_DTYPES = frozenset("fiub")


def kind(value: Any) -> Kind:
    """What generated code is specialized on: number, sequence of numbers, array shape, container."""
    cls = type(value)
    if cls in SCALAR_TYPES:
        return SCALAR
    if (cls is list or cls is tuple) and all(type(v) in SCALAR_TYPES for v in value):
        return SCALAR_SEQ
    if cls is np.ndarray:
        # code is specialized to array shapes (like a JIT), and to complex numbers or not
        return Complex(value.shape) if value.dtype.kind == "c" else value.shape
    if cls is complex or cls is np.complex128 or cls is np.complex64:
        return Complex()
    if cls is dict and all(type(k) is str for k in value):
        return DictOf.of({k: kind(v) for k, v in value.items()})
    if cls is list or cls is tuple:
        return SeqOf(tuple(kind(v) for v in value))
    found = object_kind(value)
    if found is None and callable(value) and rules.lookup(value) is not None:
        return FunctionOf(value)  # a library function with a rule (``np.sum`` passed in), called by its rule
    return found


def differentiable(value: Any) -> bool:
    """Does ``value`` live in a vector space srcdiff differentiates in (numbers, number arrays,
    containers holding some)?  Strings, ``None``, bools and other objects do not."""
    if isinstance(value, (bool, np.bool_, str, bytes)) or value is None:
        return False
    if isinstance(value, (int, float, complex, np.number)):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "fiuc"
    if isinstance(value, (list, tuple)):  # (an empty one too: its gradient is empty)
        return not value or any(differentiable(v) for v in value)
    if isinstance(value, dict):
        return not value or any(differentiable(v) for v in value.values())
    if is_record(value):  # a dataclass of parameters
        return any(differentiable(getattr(value, n)) for n in field_names(value))
    return False


def describe(value: Any) -> str:
    """A short name of ``value``'s type for messages: ``a str``, ``None``, ``an ndarray of shape (3,)``."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    name = type(value).__name__
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


def unsupported(value: Any) -> tuple[str, str] | None:
    """Why ``value`` cannot be an argument (problem, hint), or ``None`` if it can.

    Refused: ndarray subclasses (``np.matrix``
    redefines ``*``, masked arrays carry a mask the rules ignore) and array objects of other
    libraries (torch, cupy, jax...: numpy's rules would silently apply to them, or not at all).
    """
    cls = type(value)
    if cls is float or cls is int:  # the common cases, first and fast: this runs on every call
        return None
    if cls is np.ndarray or isinstance(value, (complex, np.complexfloating)):
        return None
    if isinstance(value, np.generic) or cls in SCALAR_TYPES:
        return None
    if isinstance(value, np.ndarray):
        return _subclass(value)
    if isinstance(value, (list, tuple)):
        return next((p for p in map(unsupported, value) if p is not None), None)
    if isinstance(value, dict):
        return next((p for p in map(unsupported, value.values()) if p is not None), None)
    if cls in NODES:
        try:
            node_fields(value)
        except TypeError as err:
            return (str(err), "let flatten return the object's own attributes (as they are, not copies)")
        return None
    if any(hasattr(cls, a) for a in ("__array__", "__array_namespace__", "__array_interface__")):
        where = f"{cls.__module__}.{cls.__qualname__}"
        return (
            f"arguments of type {where} are not supported: srcdiff differentiates NumPy arrays only",
            "convert it to a NumPy array first (np.asarray(x); for a torch tensor x.detach().cpu().numpy())",
        )
    return None


def _subclass(value: np.ndarray) -> tuple[str, str]:
    if isinstance(value, np.matrix):
        problem = "np.matrix is not supported (its `*` is a matrix product, not elementwise)"
    elif isinstance(value, np.ma.MaskedArray):
        problem = "masked arrays are not supported (the derivative rules ignore the mask)"
    else:
        problem = f"ndarray subclasses such as {type(value).__name__} are not supported"
    return problem, "pass a plain array: np.asarray(x) (for a masked array, x.filled(value) or x.compressed())"


def _shape(value: Any) -> tuple[int, ...] | None:
    """``np.shape`` of a number, an array or a rectangular nest of lists (else ``None``)."""
    try:
        return tuple(np.shape(value))
    except ValueError:  # ragged
        return None


def mismatch(value: Any, like: Any) -> str | None:
    """How a tangent or cotangent ``value`` differs in structure or shape from ``like`` (the
    primal or output it belongs to), or ``None`` if it fits.  A number fits any array (it is
    broadcast, as a zero or a constant direction)."""
    if isinstance(like, dict):
        if not isinstance(value, dict) or set(value) != set(like):
            return f"is {describe(value)}, but it should be a dict with keys {sorted(like, key=str)}"
        return next((f"[{k!r}] {m}" for k in like if (m := mismatch(value[k], like[k])) is not None), None)
    if is_record(like) and not isinstance(like, tuple):
        if type(value) is not type(like):
            return f"is {describe(value)}, but it should be a {type(like).__name__} like its value"
        fields = [n for n in field_names(like) if numeric(getattr(like, n))]
        return next((f".{n} {m}" for n in fields if (m := mismatch(getattr(value, n), getattr(like, n)))), None)
    if isinstance(like, (list, tuple)):
        if isinstance(value, np.ndarray) and _shape(value) == _shape(like):
            return None  # an array standing for a list of numbers (a Jacobian's basis vector)
        if not isinstance(value, (list, tuple)) or len(value) != len(like):
            return f"is {describe(value)}, but it should be a {type(like).__name__} of {len(like)} entries"
        return next((f"[{i}] {m}" for i, (v, w) in enumerate(zip(value, like)) if (m := mismatch(v, w))), None)
    if value is None:
        return None
    if isinstance(value, (list, tuple, dict)) and not isinstance(like, np.ndarray):
        return f"is {describe(value)}, but it should be a number like its value"
    if not isinstance(value, (int, float, complex, np.number, np.ndarray, list, tuple)):
        return f"is {describe(value)}, not a number or an array"
    if np.iscomplexobj(value) and not np.iscomplexobj(like):
        return "is complex, but the value it belongs to is real"
    shape, want = np.shape(value), np.shape(like)
    if shape != want and shape != ():
        return f"has shape {shape}, but the value it belongs to has shape {want}"
    return None


def parameter_kinds(fn: Any, args: Sequence[Any], kwargs: dict[str, Any] | None = None) -> dict[str, Kind]:
    """The kind of each parameter of Python function ``fn`` in a call with ``args`` and ``kwargs``:
    named parameters one by one; what ``*args`` gathers as one tuple, what ``**kwargs`` gathers
    as one dict (code is specialized on how many there are, and their kinds).

    >>> def loss(w, *data, scale=1.0, **options):
    ...     return w
    >>> kinds = parameter_kinds(loss, (1.0, [1.0, 2.0], np.zeros(2)), {"scale": 2.0, "tol": 0.1})
    >>> kinds["data"], kinds["options"]
    (SeqOf(items=(SCALAR_SEQ, (2,))), DictOf(entries=(('tol', SCALAR),)))
    """
    kwargs = kwargs or {}
    code = fn.__code__
    positional = list(code.co_varnames[: code.co_posonlyargcount + code.co_argcount])
    kinds: dict[str, Kind] = {p: kind(a) for p, a in zip(positional, args)}
    gathered, keywords = gathered_parameters(fn)
    if gathered is not None:
        # (one kind per item, even for numbers: a call spreading them, ``g(*data)``, needs how many)
        kinds[gathered] = SeqOf(tuple(kind(a) for a in args[len(positional) :]))
    named = set(code.co_varnames[: code.co_posonlyargcount + code.co_argcount + code.co_kwonlyargcount])
    kinds.update((k, kind(v)) for k, v in kwargs.items() if k in named)
    if keywords is not None:
        kinds[keywords] = kind({k: v for k, v in kwargs.items() if k not in named})
    for p, default in _defaults(fn).items():  # a function left at its default (``_r=np.sum``) is called by kind
        if p not in kinds and isinstance(found := kind(default), FunctionOf):
            kinds[p] = found
    return kinds


def _defaults(fn: Any) -> dict[str, Any]:
    """``fn``'s parameters that have defaults, with them."""
    code = fn.__code__
    positional = code.co_varnames[: code.co_posonlyargcount + code.co_argcount]
    defaults = fn.__defaults__ or ()
    found = dict(zip(positional[len(positional) - len(defaults) :], defaults))
    found.update(fn.__kwdefaults__ or {})
    return found


def gathered_parameters(fn: Any) -> tuple[str | None, str | None]:
    """The names of ``fn``'s ``*args`` and ``**kwargs`` parameters (None where it has none)."""
    code = fn.__code__
    at = code.co_posonlyargcount + code.co_argcount + code.co_kwonlyargcount
    gathered = code.co_varnames[at] if code.co_flags & inspect.CO_VARARGS else None
    at += gathered is not None
    keywords = code.co_varnames[at] if code.co_flags & inspect.CO_VARKEYWORDS else None
    return gathered, keywords


def positional_names(fn: Any, count: int) -> list[str]:
    """The parameters ``count`` positional arguments of ``fn`` bind to: its named positional
    parameters, then ``args_0``, ``args_1``... for those its ``*args`` gathers (differentiated
    as parameters of their own: :func:`~srcdiff.frontend.gathered.split_gathered`).

    >>> def f(w, *args):
    ...     return w
    >>> positional_names(f, 3)
    ['w', 'args_0', 'args_1']
    """
    code = fn.__code__
    named = list(code.co_varnames[: code.co_posonlyargcount + code.co_argcount])
    gathered = gathered_parameters(fn)[0]
    if gathered is None:
        return named
    return named + [item_name(gathered, i) for i in range(count - len(named))]
