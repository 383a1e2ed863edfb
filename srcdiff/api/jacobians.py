"""Forward mode and compositions: ``jvp``, ``vjp``, ``jacobian``, ``hessian``, ``hvp``.

>>> import srcdiff
>>> def f(x, y):
...     return x * x * y
>>> srcdiff.jvp(f, (3.0, 2.0), (1.0, 0.0))
(18.0, 12.0)
>>> value, pullback = srcdiff.vjp(f, 3.0, 2.0)
>>> pullback(1.0)
(12.0, 9.0)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import pipeline
from ..backend.cache import Generated, SplitEntry, all_guards
from ..errors import NoDerivativeError, SrcDiffError
from ..frontend.capture import guard_holds
from ..frontend.gathered import item_index
from ..frontend.partial_objects import unwrap_partial
from ..runtime import grad_like, zeros_for
from ..runtime.outputs import conjugated, tangent_like
from . import modes, trees
from .arguments import differentiable, gathered_parameters, mismatch, parameter_kinds, positional_names, unsupported
from .gradient import (
    GradFunction,
    Wrt,
    _kind,
    _method_wrt,
    _numbered,
    _positional_params,
    _resolve_wrt,
    check_arguments,
    from_generated,
    missing_rule,
    own_rule,
    refuse_nondifferentiable,
    transformable,
    where,
)


def _target(f: Callable[..., Any], args: Sequence[Any], reverse: bool = False) -> Callable[..., Any]:
    """The Python function to transform: ``f`` itself, or the generated code behind a gradient
    (for reverse mode, the version whose helpers' adjoints share no tape: see
    :func:`srcdiff.pipeline.differentiable_code`)."""
    if isinstance(f, GradFunction):
        f._check_call(tuple(args), {})  # what the gradient refuses, forward mode over it refuses too
        generated = f.compiled_for(args)
        if reverse and generated.deps or generated.stats.get("mode") == "forward":
            # (the kinds of the user's parameters, which the code is built for: what *args gathers too)
            user = f.fn if hasattr(f.fn, "__code__") else generated.fn
            return pipeline.differentiable_code(f, dict(_kinds(user, args)))
        return generated.fn
    return f


def _entry(
    builder: Callable[..., SplitEntry],
    fn: Callable[..., Any],
    active: tuple[str, ...],
    kinds: tuple[tuple[str, Any], ...],
) -> SplitEntry:
    entry = builder(fn, active, kinds)
    if not all(guard_holds(g) for g in all_guards(entry.guards, entry.deps)):
        pipeline.drop_stale()  # a callee was rebound since: transform again
        entry = builder(fn, active, kinds)
    return entry


def _kinds(fn: Callable[..., Any], args: Sequence[Any]) -> tuple[tuple[str, Any], ...]:
    if hasattr(fn, "__code__"):
        return tuple(parameter_kinds(fn, args).items())
    return tuple((p, _kind(a)) for p, a in zip(_positional_params(fn), args))


_differentiable = differentiable  # (the name other modules import)


def _params(f: Any, count: int) -> list[str]:
    """Names of ``f``'s first ``count`` positional parameters (``arg0``... without Python code;
    ``args_0``... for what its ``*args`` gathers)."""
    fn = f.fn if isinstance(f, GradFunction) else f
    if hasattr(fn, "__code__") and gathered_parameters(fn)[0] is not None:
        return positional_names(fn, count)
    params = _positional_params(fn)
    return params if params else _numbered([f"arg{count - 1}"])


def _run(f: Any, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call generated code for ``f``; errors name the user's line (see :func:`api.from_generated`)."""
    try:
        return call(*args, **kwargs)
    except Exception as err:
        located = from_generated(err, f)
        if located is None:
            raise
        raise located from None


def _check_direction(f: Any, what: str, of: str, value: Any, like: Any) -> None:
    """A tangent (or cotangent) must be real and shaped like the value it belongs to (``of``)."""
    name, filename, line = where(f)
    found = unsupported(value)
    if found is not None:
        raise SrcDiffError(name, filename, line, f"the {what} of {of}: {found[0]}", found[1])
    problem = mismatch(value, like)
    if problem is not None:
        raise SrcDiffError(
            name, filename, line, f"the {what} of {of} {problem}", f"pass a {what} with the same structure and shape"
        )


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Forward mode: ``(f(*primals), J @ tangents)``.

    One tangent per argument (same structure); ``None`` means "not varied".  The
    code computing values and tangents side by side is generated once per kinds
    of arguments, like a gradient's (see :func:`srcdiff.source` of :func:`jacobian`).

        >>> import math, srcdiff
        >>> def f(x):
        ...     return math.sin(x) * x
        >>> value, tangent = srcdiff.jvp(f, (1.0,), (1.0,))
        >>> round(tangent, 12) == round(math.cos(1.0) + math.sin(1.0), 12)
        True
    """
    primals, tangents = tuple(primals), tuple(tangents)
    f = unwrap_partial(f)
    if _is_bound(f):  # a bound method: its function, the object first and not varied
        return jvp(f.__func__, (f.__self__, *primals), (None, *tangents))  # type: ignore[attr-defined]
    if len(primals) != len(tangents):
        name, filename, line = where(f)
        raise SrcDiffError(
            name,
            filename,
            line,
            f"jvp got {len(primals)} primals but {len(tangents)} tangents",
            "pass one tangent per argument (None for an argument that is not varied)",
        )
    names = _params(f, len(primals))
    check_arguments(f, names, primals, {})
    for p, t, x in zip(names, tangents, primals):
        if t is not None:
            refuse_nondifferentiable(f, p, x, "jvp got a tangent for")
            _check_direction(f, "tangent", f"`{p}`", t, x)
    tangents = tuple(  # a list argument's tangent as a list: its items are read and written as such
        trees.shaped_like(t, x) if isinstance(x, (list, tuple)) and isinstance(t, np.ndarray) else t
        for t, x in zip(tangents, primals)
    )
    own = own_rule(f)
    if own is not None:  # the user's rule for f itself
        if own.jvp is None:
            raise missing_rule(f, "jvp")
        value = f(*primals)
        return value, own.jvp(tangents, value, *primals)
    transformable(f)
    fn = _target(f, primals)
    params = positional_names(fn, len(primals))
    active = tuple(p for p, t in zip(params, tangents) if t is not None)
    entry = _entry(pipeline.forward_function, fn, active, _kinds(fn, primals))
    kwargs = {
        entry.tangent_params[p]: _tangent_like(t, x) for p, t, x in zip(params, tangents, primals) if t is not None
    }
    value, tangent = _run(f, entry.fwd.cell_contents, *primals, **kwargs)
    return value, tangent_like(tangent, value)


def _is_zero(tangent: Any) -> bool:
    """No variation at all: None, or zeros (in a container too)."""
    if tangent is None:
        return True
    if isinstance(tangent, (list, tuple)):
        return all(map(_is_zero, tangent))
    if isinstance(tangent, dict):
        return all(map(_is_zero, tangent.values()))
    try:
        return bool(np.all(np.asarray(tangent) == 0))
    except (TypeError, ValueError):
        return False


def _tangent_like(tangent: Any, primal: Any) -> Any:
    if isinstance(primal, np.ndarray) and not isinstance(tangent, np.ndarray):
        tangent = np.asarray(tangent)
        return np.broadcast_to(tangent if tangent.dtype.kind == "c" else tangent.astype(float), primal.shape).copy()
    return tangent


def vjp(f: Callable[..., Any], *args: Any) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
    """Reverse mode, split: ``(f(*args), pullback)`` with ``pullback(cotangent)`` giving one
    cotangent per argument of ``f`` (``None`` for arguments that carry no derivative).

        >>> import numpy as np, srcdiff
        >>> def f(x):
        ...     return x * 2.0
        >>> value, pullback = srcdiff.vjp(f, np.array([1.0, 2.0]))
        >>> pullback(np.array([1.0, 10.0]))
        (array([ 2., 20.]),)
    """
    f = unwrap_partial(f)
    if _is_bound(f):
        value, with_object = vjp(f.__func__, f.__self__, *args)  # type: ignore[attr-defined]
        return value, lambda cotangent: with_object(cotangent)[1:]
    check_arguments(f, _params(f, len(args)), args, {})
    own = own_rule(f)
    if own is not None:  # the user's rule for f itself
        rule = own.vjp
        if rule is None:
            raise missing_rule(f, "vjp")
        value = f(*args)

        def pullback_by_rule(cotangent: Any) -> tuple[Any, ...]:
            _check_direction(f, "cotangent", "the output", cotangent, value)
            return tuple(rule(cotangent, value, *args))

        return value, pullback_by_rule
    transformable(f)
    fn = _target(f, args, reverse=True)
    params = positional_names(fn, len(args))[: len(args)]
    active = tuple(p for p, a in zip(params, args) if _differentiable(a))
    try:
        entry = _entry(pipeline.split_function, fn, active, _kinds(fn, args))
    except SrcDiffError as err:
        # an integer argument (an order, a count, a dimension: polygamma's n) through which no
        # derivative flows is not differentiated (no cotangent), rather than refused; nor are
        # what *args gathers, if srcdiff cannot differentiate them (they were data before)
        named = len(positional_names(fn, 0))
        dropped = {p for i, (p, a) in enumerate(zip(params, args)) if i >= named or _integral(a)}
        dropped &= set(active) if isinstance(err, NoDerivativeError) else set(params[named:])
        if not dropped:
            raise
        active = tuple(p for p in active if p not in dropped)
        entry = _entry(pipeline.split_function, fn, active, _kinds(fn, args))
    stack: list[Any] = []
    value = _run(f, entry.fwd.cell_contents, stack, *args)
    first = [True]

    def pullback(cotangent: Any) -> tuple[Any, ...]:
        _check_direction(f, "cotangent", "the output", cotangent, value)
        tape = stack
        if not first[0]:  # the adjoint consumes its tape (and restores in-place writes): record again
            tape = []
            _run(f, entry.fwd.cell_contents, tape, *args)
        first[0] = False
        # (a complex output's cotangent enters as its conjugate: see srcdiff.rules.complex_module)
        grads = dict(zip(active, _run(f, entry.bwd.cell_contents, tape, conjugated(cotangent))))
        return tuple(grad_like(grads[p], a) if p in grads else None for p, a in zip(params, args))

    return value, pullback


def _integral(value: Any) -> bool:
    """An integer (not a bool), or an array of them."""
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "iu"
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _size(x: Any) -> int:
    return int(np.size(x))


def _or_zeros(g: Any, like: Any) -> Any:
    return g if g is not None else zeros_for(like)


def _basis(x: Any, i: int) -> Any:
    """The i-th unit vector shaped like ``x`` (a float for a number)."""
    if np.ndim(x) == 0:
        return 1.0
    e = np.zeros(np.shape(x))
    e.flat[i] = 1.0
    return e


class JacobianFunction:
    """The Jacobian of ``f`` with respect to one argument, by forward or reverse mode.

    ``jac(*args)`` has shape ``f(*args).shape + args[wrt].shape``.
    """

    def __init__(self, fn: Callable[..., Any], wrt: int, mode: str, bound: tuple[Any, ...] = ()) -> None:
        if mode not in ("auto", "forward", "reverse"):
            raise ValueError(f"mode must be 'auto', 'forward' or 'reverse', not {mode!r}")
        self.fn = fn
        self.wrt = wrt
        self.mode = mode
        self.__name__ = f"jacobian_{getattr(fn, '__name__', 'f')}"
        self.__doc__ = f"Jacobian of {getattr(fn, '__name__', 'f')} with respect to argument {wrt} ({mode} mode)."
        self._last_mode = "forward" if mode == "auto" else mode
        self._last_args: tuple[Any, ...] | None = None
        self.bound = bound  # a bound method's object: passed first, not differentiated

    def __call__(self, *args: Any) -> Any:
        args = (*self.bound, *args)
        names = _params(self.fn, len(args))
        check_arguments(self.fn, names, args, {})
        if self.wrt >= len(args):
            name, filename, line = where(self.fn)
            raise SrcDiffError(
                name,
                filename,
                line,
                f"the Jacobian is taken with respect to argument {self.wrt}, "
                f"but it was called with {len(args)} argument(s)",
                "pass every positional argument",
            )
        x = args[self.wrt]
        refuse_nondifferentiable(self.fn, names[self.wrt], x, "the Jacobian is taken with respect to")
        if any(map(np.iscomplexobj, trees.flatten(x)[0])):
            name, filename, line = where(self.fn)
            raise SrcDiffError(
                name,
                filename,
                line,
                f"the Jacobian with respect to a complex argument (`{names[self.wrt]}`) is not supported yet "
                "(as a complex matrix it exists only for holomorphic functions)",
                "use jvp or vjp, grad of a real function, or pass the real and imaginary parts as real arguments",
            )
        self._last_args = args
        mode = self.mode
        own = own_rule(self.fn)
        if mode == "auto" and own is not None and (own.vjp is None) != (own.jvp is None):
            mode = "forward" if own.jvp is not None else "reverse"  # the mode the user gave a rule for
        if mode == "auto":  # forward costs one pass per input, reverse one per output
            out = self.fn(*args)
            # (a complex output's rows are not cotangents of real ones: forward mode gives its columns)
            mode = "forward" if _size(x) <= _size(out) or np.iscomplexobj(out) else "reverse"
        self._last_mode = mode
        return self._forward(args) if mode == "forward" else self._reverse(args)

    def _forward(self, args: tuple[Any, ...]) -> Any:
        x = args[self.wrt]
        if trees.is_container(x):
            return self._forward_tree(args)
        columns = []
        value = None
        for i in range(max(_size(x), 1)):
            tangents = [None] * len(args)
            tangents[self.wrt] = _basis(x, i)
            value, column = jvp(self.fn, args, tangents)
            column = np.asarray(column)
            columns.append(column if column.dtype.kind in "fc" else column.astype(float))
        out_shape = np.shape(value)  # type: ignore[arg-type]
        jac = np.stack(columns, axis=-1) if columns else np.zeros(out_shape + (0,))
        return jac.reshape(out_shape + np.shape(x))

    def _forward_tree(self, args: tuple[Any, ...]) -> Any:
        """With respect to a container: one column per number in it, then blocks shaped as JAX's
        (the output's structure holding the input's)."""
        x = args[self.wrt]
        columns, value = [], None
        for i in range(sum(trees.sizes(trees.flatten(x)[0]))):
            tangents: list[Any] = [None] * len(args)
            tangents[self.wrt] = trees.unit(x, i)
            value, column = jvp(self.fn, args, tangents)
            columns.append(trees.flat_vector(column))
        if value is None:
            value = self.fn(*args)
        matrix = np.stack(columns, axis=-1) if columns else np.zeros((trees.flat_vector(value).size, 0))
        return trees.blocks(matrix, value, x)

    def _reverse(self, args: tuple[Any, ...]) -> Any:
        x = args[self.wrt]
        value, pullback = vjp(self.fn, *args)
        if any(map(np.iscomplexobj, trees.flatten(value)[0])):
            name, filename, line = where(self.fn)
            raise SrcDiffError(
                name,
                filename,
                line,
                "a reverse-mode Jacobian of a complex output is not supported (its rows are not cotangents)",
                "use mode='forward' (or 'auto'), which gives the complex Jacobian column by column",
            )
        if trees.is_container(x) or trees.is_container(value):
            rows = [
                trees.flat_vector(_or_zeros(pullback(trees.unit(value, j))[self.wrt], x))
                for j in range(trees.flat_vector(value).size)
            ]
            matrix = np.stack(rows, axis=0) if rows else np.zeros((0, trees.flat_vector(x).size))
            return trees.blocks(matrix, value, x)
        rows = []
        for j in range(max(_size(value), 1)):
            g = pullback(_basis(value, j))[self.wrt]
            rows.append(np.asarray(_or_zeros(g, x), dtype=float))
        jac = np.stack(rows, axis=0)
        return jac.reshape(np.shape(value) + np.shape(x))

    @property
    def source(self) -> str:
        """The generated code of the last mode used (forward: the jvp code; reverse: fwd/bwd)."""
        if self._last_args is None:
            raise SrcDiffError(
                self.__name__,
                None,
                None,
                "the Jacobian has not been evaluated yet",
                "call it once so srcdiff knows the kinds of the arguments",
            )
        fn = _target(self.fn, self._last_args)
        params = positional_names(fn, len(self._last_args))
        kinds = _kinds(fn, self._last_args)
        if self._last_mode == "forward":
            entry = pipeline.forward_function(fn, (params[self.wrt],), kinds)
        else:
            active = tuple(p for p, a in zip(params, self._last_args) if _differentiable(a))
            entry = pipeline.split_function(fn, active, kinds)
        return Generated(None, entry.source, entry.deps).full_source()  # type: ignore[arg-type]


def jacobian(f: Callable[..., Any], wrt: Wrt = 0, mode: str = "auto", argnums: Wrt | None = None) -> JacobianFunction:
    """A function computing the Jacobian of ``f`` with respect to argument ``wrt``, of shape
    ``out.shape + in.shape``; ``mode="auto"`` uses forward mode when the input is no larger
    than the output, reverse mode otherwise.

        >>> import numpy as np, srcdiff
        >>> def f(x):
        ...     return x ** 2
        >>> srcdiff.jacobian(f)(np.array([1.0, 3.0]))
        array([[2., 0.],
               [0., 6.]])
    """
    wrt = modes.argnums(wrt, argnums)
    f = unwrap_partial(f)
    if _is_bound(f):
        fn = f.__func__  # type: ignore[attr-defined]
        return JacobianFunction(fn, _position(fn, _method_wrt(f, wrt)), mode, (f.__self__,))  # type: ignore[attr-defined]
    transformable(f)
    return JacobianFunction(f, _position(f, wrt), mode)


def _is_bound(f: Any) -> bool:
    """A bound method of a Python function (``model.loss``)."""
    return inspect.ismethod(f) and inspect.isfunction(f.__func__)


def _position(f: Callable[..., Any], wrt: Wrt) -> int:
    fn = f.fn if isinstance(f, GradFunction) else f
    transformable(fn)
    names, as_tuple = _resolve_wrt(fn, wrt)
    if as_tuple:
        raise SrcDiffError(
            getattr(fn, "__name__", None),
            None,
            None,
            "jacobian takes one wrt argument",
            "build one Jacobian per argument",
        )
    params = _positional_params(fn)
    if names[0] not in params and hasattr(fn, "__code__"):  # ``args_1``: an argument ``*args`` gathers
        return len(positional_names(fn, 0)) + (item_index(gathered_parameters(fn)[0] or "", names[0]) or 0)
    return params.index(names[0]) if params else int(names[0][3:])  # (``arg<i>`` without code)


def hessian(f: Callable[..., Any], wrt: Wrt = 0, argnums: Wrt | None = None) -> JacobianFunction:
    """The Hessian of scalar ``f`` with respect to argument ``wrt``: forward mode over the
    generated gradient, shape ``in.shape + in.shape``.

        >>> import srcdiff
        >>> def f(x, y):
        ...     return x ** 3 * y
        >>> float(srcdiff.hessian(f)(2.0, 5.0))
        60.0
    """
    from .gradient import grad

    wrt = modes.argnums(wrt, argnums)
    f = unwrap_partial(f)
    if _is_bound(f):
        fn = f.__func__  # type: ignore[attr-defined]
        position = _position(fn, _method_wrt(f, wrt))
        return JacobianFunction(grad(fn, wrt=position), position, "forward", (f.__self__,))  # type: ignore[attr-defined]
    position = _position(f, wrt)
    return JacobianFunction(grad(f, wrt=position), position, "forward")


def hvp(f: Callable[..., Any], wrt: Wrt = 0, argnums: Wrt | None = None) -> Callable[..., Any]:
    """``hvp(f)(*args, v)``: the Hessian of scalar ``f`` (with respect to argument ``wrt``)
    times ``v``, as one forward pass over the gradient -- never forming the Hessian.

        >>> import numpy as np, srcdiff
        >>> def f(x):
        ...     return np.sum(x ** 3)
        >>> srcdiff.hvp(f)(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
        array([ 6., 12.])
    """
    from .gradient import grad

    bound: tuple[Any, ...] = ()
    wrt = modes.argnums(wrt, argnums)
    f = unwrap_partial(f)
    if _is_bound(f):
        bound, wrt, f = (f.__self__,), _method_wrt(f, wrt), f.__func__  # type: ignore[attr-defined]
    position = _position(f, wrt)
    gradient = grad(f, wrt=position)

    def hessian_vector_product(*args_and_v: Any) -> Any:
        *args, v = (*bound, *args_and_v)
        tangents: list[Any] = [None] * len(args)
        tangents[position] = v
        return jvp(gradient, tuple(args), tangents)[1]

    hessian_vector_product.__name__ = f"hvp_{getattr(f, '__name__', 'f')}"
    return hessian_vector_product


def forward_source(f: Callable[..., Any], wrt: Wrt = 0, args: Sequence[Any] | None = None) -> str:
    """The forward-mode code srcdiff generates for ``f`` (tangents of the ``wrt`` parameters),
    specialized to ``args`` if given, else to the parameters' annotations.

        >>> import srcdiff
        >>> def f(x: float, y: float):
        ...     return x * y + x
        >>> print(srcdiff.forward_source(f), end="")
        def f_jvp(x: float, y: float, *, dx):
            _t1 = x * y
            d_t1 = dx * y
            _t2 = _t1 + x
            d_t2 = d_t1 + dx
            return _t2, d_t2
    """
    from ..analysis.value_kinds import SCALAR, UNKNOWN

    f = unwrap_partial(f)
    transformable(f)
    names, _ = _resolve_wrt(f, wrt)
    params = _positional_params(f)
    if args is not None:
        kinds = _kinds(f, args)
    else:
        hints = getattr(f, "__annotations__", {})
        kinds = tuple((p, SCALAR if hints.get(p) in (float, int, "float", "int") else UNKNOWN) for p in params)
    entry = pipeline.forward_function(f, tuple(names), kinds)
    return Generated(None, entry.source, entry.deps).full_source()  # type: ignore[arg-type]


def jacfwd(f: Callable[..., Any], argnums: Wrt = 0) -> JacobianFunction:
    """JAX's name: :func:`jacobian` in forward mode (one pass per input entry).

    >>> import numpy as np, srcdiff
    >>> def f(x):
    ...     return np.sin(x) * 2.0
    >>> srcdiff.jacfwd(f)(np.zeros(2)).tolist()
    [[2.0, 0.0], [0.0, 2.0]]
    """
    return jacobian(f, wrt=argnums, mode="forward")


def jacrev(f: Callable[..., Any], argnums: Wrt = 0) -> JacobianFunction:
    """JAX's name: :func:`jacobian` in reverse mode (one pass per output entry).

    >>> import numpy as np, srcdiff
    >>> def f(x):
    ...     return np.sin(x) * 2.0
    >>> srcdiff.jacrev(f)(np.zeros(2)).tolist()
    [[2.0, 0.0], [0.0, 2.0]]
    """
    return jacobian(f, wrt=argnums, mode="reverse")
