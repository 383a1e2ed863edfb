"""The public API: ``grad``, ``value_and_grad``, ``source``, and the cache controls.

>>> import math, srcdiff
>>> @srcdiff.grad
... def f(x):
...     return math.sin(x) * x
>>> round(f(1.0), 6) == round(math.cos(1.0) + math.sin(1.0), 6)
True
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import pipeline
from .capture import guard_holds
from .emit import user_location
from .errors import OutputError, SrcDiffError, WrtError
from .kinds import SCALAR, SCALAR_SEQ, UNKNOWN
from .runtime import OutputNotScalar

Wrt = int | str | Sequence[int | str]

_SCALAR_TYPES = frozenset({float, int, bool, np.float64, np.float32, np.float16, np.int64, np.int32})
_cache = pipeline.PerFunction("__srcdiff_grads__")  # kept on each function: gone with it
_cache_lock = threading.Lock()


def _kind(value: Any) -> Any:
    """What generated code is specialized on: number, sequence of numbers, array shape, container."""
    kind = type(value)
    if kind in _SCALAR_TYPES:
        return SCALAR
    if (kind is list or kind is tuple) and all(type(v) in _SCALAR_TYPES for v in value):
        return SCALAR_SEQ
    if kind is np.ndarray:
        return value.shape  # code is specialized to array shapes (like a JIT)
    if kind is dict and all(type(k) is str for k in value):
        return ("dict", tuple(sorted((k, _kind(v)) for k, v in value.items())))
    if kind is list or kind is tuple:
        return ("seq", tuple(_kind(v) for v in value))
    return UNKNOWN


class GradFunction:
    """A derivative of a Python function, compiled on first call and cached per argument kinds.

    Call it like the original function.  ``srcdiff.source(df)`` shows its code.
    """

    def __init__(
        self, fn: Callable[..., Any], wrt: list[str], as_tuple: bool, with_value: bool, optimize: bool = True
    ) -> None:
        self.optimize = optimize
        self.fn = fn
        self.wrt = wrt
        self.as_tuple = as_tuple
        self.with_value = with_value
        self._params = _positional_params(_original(fn))
        self._compiled: dict[Any, pipeline.Generated] = {}
        self._last: pipeline.Generated | None = None
        self._last_args: tuple[Any, ...] = ()
        self._lock = threading.Lock()
        functools.update_wrapper(self, fn, updated=())  # (not __dict__: fn may be a GradFunction too)
        prefix = "value_and_grad" if with_value else "grad"
        self.__name__ = f"{prefix}_{fn.__name__}"
        self.__qualname__ = self.__name__
        what = ", ".join(wrt)
        self.__doc__ = f"{'Value and gradient' if with_value else 'Gradient'} of {fn.__name__} with respect to {what}."

    def compiled_for(self, args: Sequence[Any], kwargs: dict[str, Any] | None = None) -> pipeline.Generated:
        """The generated code for arguments of these kinds (transformed on first use)."""
        key = tuple(_kind(a) for a in args)
        if kwargs:
            key += tuple(sorted((k, _kind(v)) for k, v in kwargs.items()))
        generated = self._compiled.get(key)
        if generated is None or generated.epoch != pipeline.epoch[0] or not all(map(guard_holds, generated.guards)):
            generated = self._build(key, tuple(args), kwargs or {})
        self._last = generated
        return generated

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        generated = self.compiled_for(args, kwargs)
        try:
            return generated.fn(*args, **kwargs)
        except OutputNotScalar as err:
            raise self._output_error(err.args[0]) from None
        except SrcDiffError as err:
            if err.lineno is None:  # raised by a helper at run time: point at the user's line
                raise self._located(err) from None
            raise
        except Exception as err:  # the user's own error, or a math error: say where it comes from
            where = user_location(err.__traceback__)
            if where is not None and hasattr(err, "add_note"):
                err.add_note(f"(raised in the derivative srcdiff generated, for {where[0]}:{where[1]})")
            raise

    def _build(self, key: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> pipeline.Generated:
        self._last_args = args
        for value in list(args) + list(kwargs.values()):
            if (
                isinstance(value, (complex, np.complexfloating))
                or isinstance(value, np.ndarray)
                and np.iscomplexobj(value)
            ):
                code = _original(self.fn).__code__
                raise SrcDiffError(
                    self.fn.__name__,
                    code.co_filename,
                    code.co_firstlineno,
                    "complex inputs are not supported yet",
                    "pass the real and imaginary parts as separate real arguments",
                )
        kinds = {p: _kind(a) for p, a in zip(self._params, args)}
        kinds.update({k: _kind(v) for k, v in kwargs.items()})
        return self._generate(key, kinds)

    def _generate(self, key: Any, kinds: dict[str, Any]) -> pipeline.Generated:
        with self._lock:
            generated = self._compiled.get(key)
            if generated is not None and generated.epoch != pipeline.epoch[0]:
                self._compiled.clear()  # srcdiff's caches were cleared (a rule was registered...)
                generated = None
            if generated is not None and not all(map(guard_holds, generated.guards)):
                pipeline.drop_stale()  # a callee was rebound since: transform again
                self._compiled.clear()
                generated = None
            if generated is None:
                # grad(grad(f)): differentiate the code generated for the inner gradient
                fn = self.fn
                if isinstance(fn, GradFunction):
                    inner = fn.compiled_for(self._last_args)
                    if inner.deps:
                        code = _original(fn).__code__
                        raise SrcDiffError(
                            self.__name__,
                            code.co_filename,
                            code.co_firstlineno,
                            "the gradient of a gradient that calls helper functions is not supported yet",
                            "use srcdiff.hessian or srcdiff.hvp (forward mode over the gradient) instead",
                        )
                    fn = inner.fn
                generated = pipeline.build_gradient(
                    fn, self.wrt, kinds, self.with_value, self.as_tuple, optimize=self.optimize
                )
                self._compiled[key] = generated
            return generated

    def _located(self, err: SrcDiffError) -> SrcDiffError:
        where = user_location(err.__traceback__)
        code = _original(self.fn).__code__
        filename, lineno = where if where else (code.co_filename, code.co_firstlineno)
        return type(err)(self.fn.__name__, filename, lineno, err.problem, err.hint)

    def _output_error(self, value: Any) -> OutputError:
        code = _original(self.fn).__code__
        shape = f" of shape {np.shape(value)}" if isinstance(value, np.ndarray) else ""
        return OutputError(
            self.fn.__name__,
            code.co_filename,
            code.co_firstlineno,
            f"grad needs a scalar numeric output, but {self.fn.__name__} returned a {type(value).__name__}{shape}",
            "return a single number (for example the sum or mean of an array)",
        )

    def current(self) -> pipeline.Generated:
        """The generated code of the last call, or else the version built from the annotations."""
        if self._last is not None:
            return self._last
        hints = getattr(_original(self.fn), "__annotations__", {})
        kinds = {p: SCALAR if hints.get(p) in (float, int, "float", "int") else UNKNOWN for p in self._params}
        return self._generate(("annotations",), kinds)

    @property
    def source(self) -> str:
        """The generated source: of the last call's version, or one built from the annotations."""
        return self.current().full_source()

    def __repr__(self) -> str:
        return f"<srcdiff {self.__name__}>"


def _original(fn: Any) -> Any:
    """The user's function behind (possibly nested) gradients."""
    while isinstance(fn, GradFunction):
        fn = fn.fn
    return fn


def _positional_params(fn: Callable[..., Any]) -> list[str]:
    code = getattr(fn, "__code__", None)
    if code is None:
        return []
    return list(code.co_varnames[: code.co_posonlyargcount + code.co_argcount + code.co_kwonlyargcount])


def _resolve_wrt(fn: Callable[..., Any], wrt: Wrt) -> tuple[list[str], bool]:
    params = _positional_params(fn)
    code = fn.__code__
    n_positional = code.co_posonlyargcount + code.co_argcount
    as_tuple = isinstance(wrt, (tuple, list))
    items = list(wrt) if as_tuple else [wrt]  # type: ignore[arg-type]
    names = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise WrtError(
                fn.__name__,
                code.co_filename,
                code.co_firstlineno,
                f"wrt must be a parameter position or name, not {item!r}",
                "pass e.g. wrt=0 or wrt='x'",
            )
        if isinstance(item, int):
            if not -n_positional <= item < n_positional:
                raise WrtError(
                    fn.__name__,
                    code.co_filename,
                    code.co_firstlineno,
                    f"wrt={item} is out of range: {fn.__name__} has {n_positional} positional parameter(s)",
                    f"use a position from 0 to {n_positional - 1} or a parameter name",
                )
            names.append(params[item])
        else:
            if item not in params:
                raise WrtError(
                    fn.__name__,
                    code.co_filename,
                    code.co_firstlineno,
                    f"wrt={item!r} names no parameter of {fn.__name__}{inspect.signature(fn)}",
                    "use one of its parameter names or positions",
                )
            names.append(item)
    if not names:
        raise WrtError(
            fn.__name__, code.co_filename, code.co_firstlineno, "wrt is empty", "name at least one parameter"
        )
    return names, as_tuple


def _make(fn: Callable[..., Any], wrt: Wrt, with_value: bool, optimize: bool = True) -> GradFunction:
    from .capture import capture

    if not inspect.isfunction(fn) and not isinstance(fn, GradFunction):
        capture(fn)  # raises the right SrcDiffError for builtins and other callables
    names, as_tuple = _resolve_wrt(_original(fn), wrt)
    key = (fn, tuple(names), as_tuple, with_value, optimize)
    with _cache_lock:
        found = _cache.get(key)
        if found is None:
            found = GradFunction(fn, names, as_tuple, with_value, optimize)
            _cache[key] = found
        return found


def grad(fn: Callable[..., Any] | None = None, wrt: Wrt = 0, optimize: bool = True) -> Any:
    """The gradient of scalar-valued ``fn`` with respect to the parameter(s) ``wrt``.

    ``wrt`` is a position, a parameter name, or a tuple of them (then the
    gradient function returns a tuple, in that order).  Works as a decorator,
    with or without options::

        >>> import srcdiff
        >>> @srcdiff.grad(wrt=(0, 1))
        ... def f(x, y):
        ...     return x * x * y
        >>> f(3.0, 2.0)
        (12.0, 9.0)

    The gradient of a float or int argument is a float; of an argument the
    output does not depend on, zero.  ``optimize=False`` keeps the code without the
    to-be-recorded analysis and lazy adjoint initialization (same numbers, to compare).
    """
    if fn is None:
        return lambda f: _make(f, wrt, with_value=False, optimize=optimize)
    return _make(fn, wrt, with_value=False, optimize=optimize)


def value_and_grad(fn: Callable[..., Any] | None = None, wrt: Wrt = 0, optimize: bool = True) -> Any:
    """Like :func:`grad`, but the function returns ``(fn(...), gradient)``.

    >>> import srcdiff
    >>> def f(x):
    ...     return x ** 3
    >>> srcdiff.value_and_grad(f)(2.0)
    (8.0, 12.0)
    """
    if fn is None:
        return lambda f: _make(f, wrt, with_value=True, optimize=optimize)
    return _make(fn, wrt, with_value=True, optimize=optimize)


def source(fn: Any, table: bool = False) -> str:
    """The generated Python source of a function srcdiff returned.

    >>> import srcdiff
    >>> def f(x: float):
    ...     return 3.0 * x
    >>> print(srcdiff.source(srcdiff.grad(f)), end="")  # doctest: +ELLIPSIS
    def grad_f(x: float):
        d_t1 = 1.0  # <doctest ...>:1
        dx = d_t1 * 3.0  # <doctest ...>:2
        return dx  # <doctest ...>:1

    Each statement that starts the code for another line of yours ends with a comment naming
    that line.  With ``table=True``: every generated line with the user's file:line it came from.
    """
    if table:
        return _line_table(fn)
    if isinstance(fn, GradFunction) or type(fn).__name__ == "JacobianFunction":
        return str(fn.source)
    text = getattr(fn, "__srcdiff_source__", None)
    if text is None:
        raise SrcDiffError(
            getattr(fn, "__name__", None),
            None,
            None,
            f"{fn!r} was not made by srcdiff, so it has no generated source",
            "pass the function that srcdiff.grad returned",
        )
    return str(text)


def _generated_functions(fn: Any) -> list[Any]:
    functions: list[Any] = []
    if isinstance(fn, GradFunction):
        generated = fn.current()
        functions.append(generated.fn)
        for entry in pipeline.reachable(generated.deps):
            functions += [cell.cell_contents for cell in (entry.fwd, entry.bwd) if _filled(cell)]
    else:
        functions.append(fn)
    return functions


def _line_table(fn: Any) -> str:
    rows = ["generated function   line  user's file:line", "-" * 60]
    for f in _generated_functions(fn):
        for line, filename, user in getattr(f, "__srcdiff_lines__", []):
            rows.append(f"{f.__name__:<20} {line:>4}  {filename}:{user}")
    return "\n".join(rows) + "\n"


def annotated_source(fn: Any) -> str:
    """The generated source interleaved with the user's lines it comes from (``dump --annotate``).

    Before the code for each line of yours, that line is quoted as a comment::

        #| seed.py:22:     b = math.exp(a)
            b = math.exp(a)  # seed.py:22
    """
    import linecache
    import os

    out: list[str] = []
    for f in _generated_functions(fn):
        origin = {line: (filename, user) for line, filename, user in getattr(f, "__srcdiff_lines__", [])}
        previous = None
        for number, text in enumerate(str(f.__srcdiff_source__).splitlines(), start=1):
            if number in origin and origin[number] != previous:
                filename, user = origin[number]
                quoted = linecache.getline(filename, user).rstrip()
                indent = text[: len(text) - len(text.lstrip())]
                out.append(f"{indent}#| {os.path.basename(filename)}:{user}: {quoted.strip()}")
                previous = origin[number]
            out.append(text)
        out.append("")
    return "\n".join(out)


def _filled(cell: Any) -> bool:
    try:
        return cell.cell_contents is not None
    except ValueError:
        return False


def cache_info() -> dict[str, int]:
    """Counters of the caches: ``transforms`` done so far, cached ``functions``, ``helpers``.

    >>> import srcdiff
    >>> sorted(srcdiff.cache_info())
    ['functions', 'helpers', 'transforms']
    """
    return {"transforms": pipeline.stats["transforms"], "functions": len(_cache), "helpers": pipeline.cached_helpers()}


def clear_cache() -> None:
    """Forget every generated function, so the next call transforms again."""
    with _cache_lock:
        _cache.clear()
    pipeline.clear()
