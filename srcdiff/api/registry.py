"""User-registered derivative rules: ``register_vjp`` and ``register_jvp``.

A registered rule is used wherever the function is called inside differentiated
code (helpers and loops too), before any source is read, so it also works for
functions with no Python source (C extensions, scipy).

>>> import math, srcdiff
>>> def softplus(x):  # pretend this has no source srcdiff can read
...     return math.log1p(math.exp(x))
>>> @srcdiff.register_vjp(softplus)
... def softplus_vjp(g, ans, x):
...     return (g / (1.0 + math.exp(-x)),)
>>> def f(x):
...     return softplus(x) * 2.0
>>> round(srcdiff.grad(f)(0.0), 12)
1.0
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable
from typing import Any

from ..errors import SrcDiffError
from ..rules import registered
from ..rules.registered import Registered
from ..runtime.records import register_node
from .arguments import describe, mismatch
from .jacobians import jvp, vjp


def _identifier(text: str) -> str:
    name = re.sub(r"\W", "_", text).strip("_") or "rule"
    return f"_{name}" if name[0].isdigit() or keyword.iskeyword(name) else name


def _rule_name(fn: Any, kind: str, rule: Callable[..., Any]) -> str:
    """A name generated code can call the rule by: its own, or ``f_vjp`` for a lambda."""
    own = getattr(rule, "__name__", "")
    if own.isidentifier() and not keyword.iskeyword(own):
        return str(own)
    return _identifier(f"{getattr(fn, '__name__', 'fn')}_{kind}")


def _refuse(rule: Callable[..., Any], name: str, fn: Any, problem: str, hint: str) -> Exception:
    code = getattr(rule, "__code__", None)
    return SrcDiffError(
        name,
        code.co_filename if code else None,
        code.co_firstlineno if code else None,
        f"the {problem} (a rule registered for `{getattr(fn, '__name__', fn)}`)",
        hint,
    )


def _check_vjp_result(rule: Callable[..., Any], name: str, fn: Any, out: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    if not isinstance(out, (tuple, list)) or len(out) != len(args):
        got = f"{len(out)} entries" if isinstance(out, (tuple, list)) else describe(out)
        raise _refuse(
            rule,
            name,
            fn,
            f"vjp rule `{name}` returned {got}, not a tuple of one cotangent per positional argument "
            f"({len(args)} in this call)",
            "return a tuple, e.g. `return (g * dfdx,)`, with None for an argument without a gradient",
        )
    for i, (cotangent, arg) in enumerate(zip(out, args)):
        problem = mismatch(cotangent, arg)
        if problem is not None:
            raise _refuse(
                rule,
                name,
                fn,
                f"vjp rule `{name}` returned a cotangent for argument {i} that {problem}",
                "return cotangents shaped like the arguments they belong to",
            )
    return tuple(out)


def _check_jvp_result(rule: Callable[..., Any], name: str, fn: Any, out: Any, ans: Any) -> Any:
    problem = "returned None" if out is None else None
    if out is not None and isinstance(out, (tuple, list)) and not isinstance(ans, (tuple, list)):
        problem = f"returned a {type(out).__name__}, but the output of `{getattr(fn, '__name__', fn)}` is not one"
    if problem is None:
        found = mismatch(out, ans)
        problem = None if found is None else f"returned a tangent that {found}"
    if problem is not None:
        raise _refuse(
            rule,
            name,
            fn,
            f"jvp rule `{name}` {problem}",
            "return the tangent of the output itself (shaped like it), e.g. `return dfdx * tangents[0]`",
        )
    return out


def _checked(fn: Any, kind: str, rule: Callable[..., Any]) -> Callable[..., Any]:
    """The rule as generated code calls it: under a valid name (a lambda's is ``<lambda>``),
    with its result checked (a bare value for a tuple would fail later, or broadcast silently).

    The wrapper has rules of its own -- those of the user's rule, by srcdiff -- so that second
    derivatives (a Hessian: forward mode over a gradient that calls it) still see through it."""
    name = _rule_name(fn, kind, rule)

    def checked_vjp(g: Any, ans: Any, *args: Any, **kwargs: Any) -> Any:
        return _check_vjp_result(rule, name, fn, rule(g, ans, *args, **kwargs), args)

    def checked_jvp(tangents: Any, ans: Any, *args: Any, **kwargs: Any) -> Any:
        return _check_jvp_result(rule, name, fn, rule(tangents, ans, *args, **kwargs), ans)

    checked: Callable[..., Any] = checked_vjp if kind == "vjp" else checked_jvp
    checked.__name__ = checked.__qualname__ = name
    checked.__wrapped__ = rule  # type: ignore[attr-defined]
    registered.add_entry(Registered(checked, _vjp_of(rule, name), _jvp_of(rule, name)))
    return checked


def _no_keywords(rule: Callable[..., Any], name: str, kwargs: dict[str, Any]) -> None:
    if kwargs:
        raise _refuse(
            rule,
            name,
            rule,
            f"derivative of rule `{name}` called with keyword arguments is not supported yet "
            "(second derivatives through it)",
            "pass the arguments of the registered function positionally",
        )


def _jvp_of(rule: Callable[..., Any], name: str) -> Callable[..., Any]:
    """Forward mode through the user's rule (itself differentiated from its source)."""

    def rule_jvp(tangents: Any, out: Any, *args: Any, **kwargs: Any) -> Any:
        _no_keywords(rule, name, kwargs)
        return jvp(rule, args, tangents)[1]

    return rule_jvp


def _vjp_of(rule: Callable[..., Any], name: str) -> Callable[..., Any]:
    """Reverse mode through the user's rule (itself differentiated from its source)."""

    def rule_vjp(g: Any, out: Any, *args: Any, **kwargs: Any) -> Any:
        _no_keywords(rule, name, kwargs)
        return vjp(rule, *args)[1](g)

    return rule_vjp


def _register(fn: Any, kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(rule_fn: Callable[..., Any]) -> Callable[..., Any]:
        # bumps registered.generation: generated code resolved calls to fn before, and the caches
        # (pipeline's, api's) drop themselves at their next lookup, so it is transformed again
        registered.add(fn, kind, _checked(fn, kind, rule_fn))
        return rule_fn

    return decorator


def register_vjp(fn: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering the reverse-mode rule of ``fn``:
    ``rule(g, ans, *args, **kwargs) -> tuple`` of one cotangent per positional argument
    (``None`` where no gradient flows); ``g`` is the cotangent of ``ans = fn(*args, **kwargs)``.

        >>> import numpy as np, srcdiff
        >>> def clip_grad_identity(x):  # a straight-through estimator
        ...     return np.round(x)
        >>> @srcdiff.register_vjp(clip_grad_identity)
        ... def _(g, ans, x):
        ...     return (g,)
        >>> def f(x):
        ...     return np.sum(clip_grad_identity(x) * x)
        >>> srcdiff.grad(f)(np.array([0.4, 1.6]))
        array([0.4, 3.6])
    """
    return _register(fn, "vjp")


def register_jvp(fn: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering the forward-mode rule of ``fn``:
    ``rule(tangents, ans, *args, **kwargs) -> tangent`` of ``ans``, where ``tangents`` has one
    entry per positional argument (``None`` for arguments that are not varied).

        >>> import math, srcdiff
        >>> def cube(x):
        ...     return x ** 3
        >>> @srcdiff.register_jvp(cube)
        ... def _(tangents, ans, x):
        ...     return 3.0 * x * x * tangents[0]
        >>> srcdiff.jvp(cube, (2.0,), (1.0,))[1]
        12.0
    """
    return _register(fn, "jvp")


def register_pytree_node(
    cls: type, flatten: Callable[[Any], tuple[Any, Any]], unflatten: Callable[[Any, Any], Any]
) -> type:
    """Differentiate with respect to objects of your own container class ``cls``, as with JAX's
    ``jax.tree_util.register_pytree_node``: ``flatten(obj)`` returns ``(children, aux_data)``
    and ``unflatten(aux_data, children)`` builds an object again.  The children are attributes
    of the object, as they are (the fields the code reads: ``p.W``); the gradient is an object
    of ``cls`` made by ``unflatten`` with each child's gradient, and ``jacobian``/``hessian``
    give containers of that structure (so, as in JAX, ``unflatten`` must accept any children:
    a Hessian's blocks are objects of ``cls`` holding objects of ``cls``).  Returns ``cls``.

    Objects of plain classes, dataclasses and NamedTuples need no registration; register a
    class whose objects cannot be copied attribute by attribute (``__slots__``, or an
    ``__init__`` that must run).

        >>> import numpy as np, srcdiff
        >>> class Affine:
        ...     __slots__ = ("W", "b")
        ...     def __init__(self, W, b):
        ...         self.W, self.b = W, b
        >>> _ = srcdiff.register_pytree_node(Affine, lambda p: ((p.W, p.b), None), lambda aux, c: Affine(*c))
        >>> def loss(p, x):  # doctest: +SKIP
        ...     return np.sum((p.W @ x + p.b) ** 2)
    """
    if not isinstance(cls, type):
        raise TypeError(f"register_pytree_node takes a class, not {cls!r}")
    register_node(cls, flatten, unflatten)
    registered.changed()
    return cls
