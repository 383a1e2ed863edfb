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

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_lock = threading.Lock()


@dataclass
class Registered:
    """The rules the user gave for one function."""

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


def _register(fn: Any, kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(rule_fn: Callable[..., Any]) -> Callable[..., Any]:
        with _lock:
            entry = _RULES.setdefault(fn, Registered(fn))
            setattr(entry, kind, rule_fn)
        from . import pipeline

        pipeline.clear()  # generated code resolved calls to fn before: transform again
        from .api import clear_cache

        clear_cache()
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
