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

from .. import pipeline
from ..analysis.value_kinds import SCALAR, UNKNOWN
from ..backend.cache import Generated, PerFunction
from ..backend.emit import user_location
from ..errors import NoDerivativeError, OutputError, SrcDiffError, UnsupportedSyntaxError, WrtError
from ..frontend.capture import guard_holds
from ..frontend.gathered import item_index, item_name
from ..frontend.partial_objects import unwrap_partial
from ..rules import registered
from ..runtime import OutputNotScalar, check_scalar, grad_like, zeros_for
from . import modes
from .arguments import SCALAR_TYPES, differentiable, gathered_parameters, kind, parameter_kinds, unsupported

Wrt = int | str | Sequence[int | str]

_SCALAR_TYPES = SCALAR_TYPES
_kind = kind  # (the name other modules import)
_cache = PerFunction("__srcdiff_grads__")  # kept on each function: gone with it
_cache_lock = threading.Lock()
_filled_at = [registered.generation]  # the registration generation _cache was filled at
_NOT_PASSED = object()


def _name(fn: Any) -> str:
    return str(getattr(fn, "__name__", None) or type(fn).__name__)


def where(fn: Any) -> tuple[str, str | None, int | None]:
    """The function's name, file and first line (no file for callables without Python code)."""
    code = getattr(_original(fn), "__code__", None)
    if code is None:
        return _name(fn), None, None
    return _name(fn), code.co_filename, code.co_firstlineno


def check_arguments(fn: Any, params: Sequence[str], args: Sequence[Any], kwargs: dict[str, Any]) -> None:
    """Refuse arguments no derivative of ``fn`` can take (complex numbers, ndarray subclasses,
    other libraries' arrays), naming the argument.  Runs on every call: cached code is
    specialized on shapes, not on dtypes or array types."""
    for i, value in enumerate(args):
        if type(value) is float or (type(value) is np.ndarray and value.dtype.kind in "fiub"):
            continue  # the common cases, without a call
        found = unsupported(value)
        if found is not None:
            _refuse_argument(fn, params[i] if i < len(params) else f"#{i}", found)
    for key, value in kwargs.items():
        found = unsupported(value)
        if found is not None:
            _refuse_argument(fn, key, found)


def _refuse_argument(fn: Any, param: str, found: tuple[str, str]) -> None:
    name, filename, line = where(fn)
    raise SrcDiffError(name, filename, line, f"argument `{param}`: {found[0]}", found[1])


def refuse_nondifferentiable(fn: Any, param: str, value: Any, what: str = "wrt names") -> None:
    """``wrt`` (or a tangent) for an argument that is no point of a vector space: a str, None..."""
    if not differentiable(value):
        name, filename, line = where(fn)
        raise WrtError(
            name,
            filename,
            line,
            f"{what} `{param}`, which is {_describe(value)}: it carries no derivative",
            "differentiate with respect to float, int or float-array arguments (or containers of them)",
        )


def _describe(value: Any) -> str:
    from .arguments import describe

    return describe(value)


def from_generated(err: Exception, fn: Any) -> SrcDiffError | None:
    """An error raised while generated code for ``fn`` ran: a SrcDiffError without a line gets the
    user's line it comes from (returned, to raise instead); any other error -- the user's own,
    or a math error -- gets a note naming that line (``None``: re-raise it as it is)."""
    location = user_location(err.__traceback__)
    if isinstance(err, SrcDiffError):
        if err.lineno is not None:
            return None
        name, filename, line = where(fn)
        filename, line = location if location else (filename, line)
        return type(err)(name, filename, line, err.problem, err.hint)
    if location is not None and hasattr(err, "add_note"):
        err.add_note(f"(raised in the derivative srcdiff generated, for {location[0]}:{location[1]})")
    return None


def check_signature(fn: Any) -> None:
    """Refuse a decorator's ``*args, **kwargs`` wrapper up front, where the parameter positions and
    names ``wrt`` refers to are decided: srcdiff cannot tell which parameter is which.  (A
    function of its own with ``*args`` / ``**kwargs`` is differentiated in its named parameters.)"""
    code = getattr(fn, "__code__", None)
    wrapped = getattr(fn, "__wrapped__", None)
    if code is None or wrapped is None or not code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        return
    name = _name(fn)
    inner = getattr(wrapped, "__code__", None)
    at = f" ({inner.co_filename}:{inner.co_firstlineno})" if inner is not None else ""
    raise UnsupportedSyntaxError(
        name,
        code.co_filename,
        code.co_firstlineno,
        f"`{name}` is a decorator's wrapper around the function `{_name(wrapped)}`{at}, and the "
        "wrapper takes *args / **kwargs, so srcdiff cannot tell which parameter is which "
        "(and the wrapper may do more than pass its arguments on)",
        f"apply srcdiff to the undecorated function, e.g. srcdiff.grad({name}.__wrapped__)",
    )


def own_rule(fn: Any) -> registered.Registered | None:
    """The rules the user registered for ``fn`` itself (differentiated directly), if any."""
    if isinstance(fn, GradFunction):
        return None
    return registered.lookup(fn)


def missing_rule(fn: Any, mode: str) -> NoDerivativeError:
    """``fn`` has a registered rule, but not for ``mode`` ("vjp": reverse, "jvp": forward)."""
    have, want = ("forward (jvp)", "reverse (vjp)") if mode == "vjp" else ("reverse (vjp)", "forward (jvp)")
    name, filename, line = where(fn)
    return NoDerivativeError(
        name,
        filename,
        line,
        f"`{name}` has a registered {have} rule but no {want} rule",
        f"register one with @srcdiff.register_{mode}",
    )


class GradFunction:
    """A derivative of a Python function, compiled on first call and cached per argument kinds.

    Call it like the original function.  ``srcdiff.source(df)`` shows its code.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        wrt: list[str],
        as_tuple: bool,
        with_value: bool,
        optimize: bool = True,
        mode: str = "reverse",
    ) -> None:
        self.optimize = optimize
        self.mode = mode
        self.fn = fn
        self.wrt = wrt
        self.as_tuple = as_tuple
        self.with_value = with_value
        self._params = _positional_params(_original(fn)) or _numbered(wrt)
        self._compiled: dict[Any, Generated] = {}
        self._last: Generated | None = None
        self._last_args: tuple[Any, ...] = ()
        self._lock = threading.Lock()
        functools.update_wrapper(self, fn, updated=())  # (not __dict__: fn may be a GradFunction too)
        prefix = "value_and_grad" if with_value else "grad"
        self.__name__ = f"{prefix}_{_name(fn)}"
        self.__qualname__ = self.__name__
        what = ", ".join(wrt)
        self.__doc__ = f"{'Value and gradient' if with_value else 'Gradient'} of {_name(fn)} with respect to {what}."

    def compiled_for(self, args: Sequence[Any], kwargs: dict[str, Any] | None = None) -> Generated:
        """The generated code for arguments of these kinds (transformed on first use)."""
        key: tuple[Any, ...] = tuple(_kind(a) for a in args)
        if kwargs:
            key += tuple(sorted((k, _kind(v)) for k, v in kwargs.items()))
        generated = self._compiled.get(key)
        if (
            generated is None
            or generated.epoch != pipeline.current_epoch()
            or not all(map(guard_holds, generated.guards))
        ):
            generated = self._build(key, tuple(args), kwargs or {})
        self._last = generated
        return generated

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self._check_call(args, kwargs)
        rules = own_rule(self.fn)
        if rules is not None:
            return self._by_rule(rules, args, kwargs)
        generated = GradFunction.compiled_for(self, args, kwargs)  # (args complete: a BoundGradient passed its object)
        try:
            return generated.fn(*args, **kwargs)
        except OutputNotScalar as err:
            raise self._output_error(err.args[0]) from None
        except Exception as err:
            located = from_generated(err, self.fn)
            if located is None:
                raise
            raise located from None

    def _check_call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        check_arguments(self.fn, self._params, args, kwargs)
        for name in self.wrt:
            value = self._value_of(name, args, kwargs)
            if value is not _NOT_PASSED:
                refuse_nondifferentiable(self.fn, name, value)

    def _value_of(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """The value parameter ``name`` gets in this call (its default if not passed)."""
        position = self._position(name)
        if position < len(args):
            return args[position]
        if name in kwargs:
            return kwargs[name]
        fn = _original(self.fn)
        kwdefaults = getattr(fn, "__kwdefaults__", None) or {}
        if name in kwdefaults:
            return kwdefaults[name]
        defaults = getattr(fn, "__defaults__", None) or ()
        code = getattr(fn, "__code__", None)
        n_positional = code.co_posonlyargcount + code.co_argcount if code is not None else 0
        first_default = n_positional - len(defaults)
        if first_default <= position < n_positional:
            return defaults[position - first_default]
        return _NOT_PASSED  # a missing argument: the call itself raises the TypeError

    def _position(self, name: str) -> int:
        """The position of parameter ``name`` (of ``args_1``: the second argument ``*args`` gathers)."""
        if name in self._params:
            return self._params.index(name)
        fn = _original(self.fn)
        code = fn.__code__
        return code.co_posonlyargcount + code.co_argcount + (item_index(gathered_parameters(fn)[0] or "", name) or 0)

    def _by_rule(self, rules: registered.Registered, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """The gradient of a function the user registered a vjp rule for: the rule, seeded with 1."""
        if rules.vjp is None:
            raise missing_rule(self.fn, "vjp")
        positions = [self._position(p) for p in self.wrt]
        for p, i in zip(self.wrt, positions):
            if i >= len(args):
                name, filename, line = where(self.fn)
                raise WrtError(
                    name,
                    filename,
                    line,
                    f"`{p}` was not passed positionally, and the rule registered for {name} gives "
                    "cotangents of positional arguments only",
                    f"pass `{p}` by position",
                )
        value = self.fn(*args, **kwargs)
        try:
            check_scalar(value)
        except OutputNotScalar:
            raise self._output_error(value) from None
        cotangents = rules.vjp(1.0, value, *args, **kwargs)
        grads = [grad_like(zeros_for(args[i]) if cotangents[i] is None else cotangents[i], args[i]) for i in positions]
        out = tuple(grads) if self.as_tuple else grads[0]
        return (value, out) if self.with_value else out

    def _build(self, key: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Generated:
        self._last_args = args
        fn = _original(self.fn)
        if hasattr(fn, "__code__"):
            kinds = parameter_kinds(fn, args, kwargs)
        else:
            kinds = {p: _kind(a) for p, a in zip(self._params, args)}
            kinds.update({k: _kind(v) for k, v in kwargs.items()})
        return self._generate(key, kinds)

    def _generate(self, key: Any, kinds: dict[str, Any]) -> Generated:
        if own_rule(self.fn) is not None:  # asked for the code (forward over it, source()): there is none
            name, filename, line = where(self.fn)
            raise NoDerivativeError(
                name,
                filename,
                line,
                f"the gradient of `{name}` comes from its registered rule, so srcdiff generated no code "
                "for it: it has no source, and no second derivatives (hessian, hvp, grad of grad)",
                "differentiate a function without a registered rule for second derivatives",
            )
        with self._lock:
            generated = self._compiled.get(key)
            if generated is not None and generated.epoch != pipeline.current_epoch():
                self._compiled.clear()  # srcdiff's caches were cleared (a rule was registered...)
                generated = None
            if generated is not None and not all(map(guard_holds, generated.guards)):
                pipeline.drop_stale()  # a callee was rebound since: transform again
                self._compiled.clear()
                generated = None
            if generated is None:
                # grad(grad(f)): differentiate the code generated for the inner gradient
                fn = self.fn
                inner_guards: list[Any] = []
                if isinstance(fn, GradFunction):  # (its code calls each helper's vjp version: no tape)
                    code = pipeline.differentiable_code(fn, kinds)
                    inner_guards = pipeline.code_guards(fn, kinds)
                    fn = code
                generated = None
                forward = self.mode != "reverse" and modes.prefers_forward(fn, self.wrt, kinds)
                if self.mode == "forward" and not forward:
                    raise modes.forward_refused(where(self.fn), self.wrt, kinds)
                if forward:
                    try:
                        generated = modes.forward_gradient(
                            fn, self.wrt[0], kinds, self.with_value, self.as_tuple, self.optimize
                        )
                    except SrcDiffError:
                        if self.mode == "forward":
                            raise
                if generated is None:  # (reverse mode: what forward mode cannot do, it does)
                    generated = pipeline.build_gradient(
                        fn, self.wrt, kinds, self.with_value, self.as_tuple, pipeline.Options(optimize=self.optimize)
                    )
                generated.guards = generated.guards + [g for g in inner_guards if g not in generated.guards]
                self._compiled[key] = generated
            return generated

    def _output_error(self, value: Any) -> OutputError:
        name, filename, line = where(self.fn)
        shape = f" of shape {np.shape(value)}" if isinstance(value, np.ndarray) else ""
        return OutputError(
            name,
            filename,
            line,
            f"grad needs a scalar numeric output, but {name} returned a {type(value).__name__}{shape}",
            "return a single number (for example the sum or mean of an array)",
        )

    def current(self) -> Generated:
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


def _numbered(names: Sequence[str]) -> list[str]:
    """Parameter names for a callable without Python code (a C function with a registered rule):
    ``arg0``, ``arg1``... up to the highest one ``names`` refers to."""
    count = max((int(n[3:]) + 1 for n in names if n.startswith("arg") and n[3:].isdigit()), default=0)
    return [f"arg{i}" for i in range(count)]


def _resolve_wrt(fn: Callable[..., Any], wrt: Wrt) -> tuple[list[str], bool]:
    check_signature(fn)
    name, filename, line = where(fn)
    params = _positional_params(fn)
    code = getattr(fn, "__code__", None)
    # a callable without code (only reached with a registered rule): positions only
    n_positional = code.co_posonlyargcount + code.co_argcount if code is not None else None
    as_tuple = isinstance(wrt, (tuple, list))
    items = list(wrt) if as_tuple else [wrt]  # type: ignore[arg-type]
    names = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise WrtError(
                name,
                filename,
                line,
                f"wrt must be a parameter position or name, not {item!r}",
                "pass e.g. wrt=0 or wrt='x'",
            )
        if n_positional is None:
            if not isinstance(item, int) or item < 0:
                raise WrtError(
                    name,
                    filename,
                    line,
                    f"wrt={item!r}: {name} is not a Python function, so srcdiff does not know its parameters",
                    "give wrt as a position from 0",
                )
            names.append(f"arg{item}")
        elif isinstance(item, int):
            gathered = gathered_parameters(fn)[0]
            if item >= n_positional and gathered is not None:  # differentiated as a parameter of its own
                names.append(item_name(gathered, item - n_positional))
                continue
            if not -n_positional <= item < n_positional:
                raise WrtError(
                    name,
                    filename,
                    line,
                    f"wrt={item} is out of range: {name} has {n_positional} positional parameter(s)",
                    f"use a position from 0 to {n_positional - 1} or a parameter name",
                )
            names.append(params[item])
        else:
            if item in gathered_parameters(fn) and code is not None:
                raise WrtError(
                    name,
                    filename,
                    line,
                    f"wrt={item!r} names {name}'s `*args` / `**kwargs` parameter, not one argument it gathers",
                    "give the position of the argument to differentiate (wrt=1 for the second argument)",
                )
            gathered = gathered_parameters(fn)[0] if code is not None else None
            if gathered is not None and item not in params and item_index(gathered, item) is not None:
                names.append(item)  # (``args_1``: the second argument ``*args`` gathers)
                continue
            if item not in params:
                raise WrtError(
                    name,
                    filename,
                    line,
                    f"wrt={item!r} names no parameter of {name}{inspect.signature(fn)}",
                    "use one of its parameter names or positions",
                )
            names.append(item)
    if not names:
        raise WrtError(name, filename, line, "wrt is empty", "name at least one parameter")
    return names, as_tuple


def transformable(fn: Any) -> None:
    """Refuse, with the right SrcDiffError, what srcdiff cannot read: builtins, C functions and
    other callables (unless they have a registered rule), and ``*args`` signatures."""
    from ..frontend.capture import capture

    if isinstance(fn, GradFunction):
        return
    if not inspect.isfunction(fn) and registered.lookup(fn) is None:
        capture(fn)  # raises the right SrcDiffError for builtins and other callables
    check_signature(fn)


def _fresh() -> None:
    """Forget the gradient functions made before a rule was registered (call under _cache_lock)."""
    if _filled_at[0] != registered.generation:
        _cache.clear()
        _filled_at[0] = registered.generation


class BoundGradient(GradFunction):
    """The gradient of a bound method (``srcdiff.grad(model.loss)``): of the class's function,
    with the object passed first as a constant (its attributes carry no derivative), ``wrt``
    counting the parameters after ``self``."""

    def __init__(
        self, method: Any, wrt: list[str], as_tuple: bool, with_value: bool, optimize: bool, mode: str = "reverse"
    ) -> None:
        super().__init__(method.__func__, wrt, as_tuple, with_value, optimize, mode)
        self.obj = method.__self__

    def compiled_for(self, args: Sequence[Any], kwargs: dict[str, Any] | None = None) -> Generated:
        return super().compiled_for((self.obj, *args), kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return super().__call__(self.obj, *args, **kwargs)


def _method_wrt(method: Any, wrt: Wrt) -> Wrt:
    """``wrt`` of a bound method in terms of its function's parameters (``self`` is first)."""
    shift = lambda w: w + 1 if isinstance(w, int) and not isinstance(w, bool) and w >= 0 else w  # noqa: E731
    return [shift(w) for w in wrt] if isinstance(wrt, (tuple, list)) else shift(wrt)


def _make(
    fn: Callable[..., Any], wrt: Wrt, with_value: bool, optimize: bool = True, mode: str = "reverse"
) -> GradFunction:
    if mode not in modes.MODES:
        raise ValueError(f"mode must be one of {', '.join(map(repr, modes.MODES))}, not {mode!r}")
    fn = unwrap_partial(fn)
    if inspect.ismethod(fn) and inspect.isfunction(fn.__func__):
        check_signature(fn.__func__)
        names, as_tuple = _resolve_wrt(fn.__func__, _method_wrt(fn, wrt))
        return BoundGradient(fn, names, as_tuple, with_value, optimize, mode)
    transformable(fn)
    names, as_tuple = _resolve_wrt(_original(fn), wrt)
    key = (fn, tuple(names), as_tuple, with_value, optimize, mode)
    with _cache_lock:
        _fresh()
        found = _cache.get(key)
        if found is None:
            found = GradFunction(fn, names, as_tuple, with_value, optimize, mode)
            _cache[key] = found
        return found


def _decorated(fn: Callable[..., Any] | None, wrt: Wrt, with_value: bool, optimize: bool, mode: str) -> Any:
    """The gradient function, or (``fn`` not given: ``@grad(wrt=...)``) a decorator making it."""
    if fn is None:
        return lambda f: _make(f, wrt, with_value=with_value, optimize=optimize, mode=mode)
    return _make(fn, wrt, with_value=with_value, optimize=optimize, mode=mode)


def grad(
    fn: Callable[..., Any] | None = None,
    wrt: Wrt = 0,
    optimize: bool = True,
    mode: str = "reverse",
    argnums: Wrt | None = None,
) -> Any:
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
    ``mode``: ``"reverse"`` (the default: the adjoint code people read), ``"auto"`` (forward
    mode for a loop in one number, where carrying its tangent along costs less than a tape: see
    :mod:`srcdiff.api.modes`) or ``"forward"`` (one number differentiated); the numbers are the same.
    ``argnums`` is JAX's name for ``wrt``.
    """
    return _decorated(fn, modes.argnums(wrt, argnums), False, optimize, mode)


def value_and_grad(
    fn: Callable[..., Any] | None = None,
    wrt: Wrt = 0,
    optimize: bool = True,
    mode: str = "reverse",
    argnums: Wrt | None = None,
) -> Any:
    """Like :func:`grad`, but the function returns ``(fn(...), gradient)``.

    >>> import srcdiff
    >>> def f(x):
    ...     return x ** 3
    >>> srcdiff.value_and_grad(f)(2.0)
    (8.0, 12.0)
    """
    return _decorated(fn, modes.argnums(wrt, argnums), True, optimize, mode)


def cache_info() -> dict[str, int]:
    """Counters of the caches: ``transforms`` done so far, cached ``functions``, ``helpers``.

    >>> import srcdiff
    >>> sorted(srcdiff.cache_info())
    ['functions', 'helpers', 'transforms']
    """
    with _cache_lock:
        _fresh()
        functions = len(_cache)
    return {"transforms": pipeline.stats["transforms"], "functions": functions, "helpers": pipeline.cached_helpers()}


def clear_cache() -> None:
    """Forget every generated function, so the next call transforms again."""
    with _cache_lock:
        _cache.clear()
    pipeline.clear()
