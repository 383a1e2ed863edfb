"""A ``functools.partial`` object (``loss_on_data = partial(loss, X=X, y=y)``) read as the Python
function it stands for: one call of ``loss`` with the bound arguments.  Handed to a transform,
or called inside a function being differentiated, it is then differentiated like any function.

JAX's transforms take no keyword arguments of their own: binding them with ``partial`` is how
JAX users pass data.  The function made here has the partial's signature (a bound keyword is
a keyword-only parameter whose default is the bound value); its source is kept where srcdiff
reads source from.

>>> import functools, inspect
>>> def loss(w, X, scale=1.0):
...     return scale * w * X
>>> made = function_of_partial(functools.partial(loss, X=2.0))
>>> made(3.0), made(3.0, scale=10.0), str(inspect.signature(made))
(6.0, 60.0, '(w, *, X=2.0, scale=1.0)')
>>> print(made.__srcdiff_source__, end="")
def loss(w, *, X=None, scale=None):
    return __srcdiff_partial_of__(w, X=X, scale=scale)
"""

from __future__ import annotations

import functools
import inspect
import itertools
import linecache
import types
import weakref
from typing import Any

from ..runtime.outputs import left_at_default

_made: weakref.WeakKeyDictionary[Any, types.FunctionType] = weakref.WeakKeyDictionary()
_counter = itertools.count(1)
#: the file name of each function made here -> the file and first line of the function it calls
STANDS_FOR: dict[str, tuple[str, int]] = {}


def unwrap_partial(f: Any) -> Any:
    """``f`` itself; or the function a partial of a Python function stands for; or, for a
    library's Python function that has a derivative rule (``scipy.special.logsumexp``), a
    function calling it, so that the rule is used rather than the library's source."""
    if isinstance(f, functools.partial) and isinstance(f.func, types.FunctionType):
        return function_of_partial(f)
    rule = _rule_of_library_function(f)
    if rule is not None:
        made = _made.get(f)
        if made is None:  # (the rule's parameters passed on; any other must keep its default)
            # (a rule naming a parameter otherwise, odeint's ``t`` ``times``, takes it by position)
            real = list(inspect.signature(f).parameters)
            passed = set(rule.params) | {name for name, _ in zip(real, rule.params)}
            made = _made[f] = _compiled(functools.partial(f), passed)
        return made
    return f


def _rule_of_library_function(f: Any) -> Any:
    from ..rules import lookup
    from ..runtime.records import OPAQUE_LIBRARIES

    if not isinstance(f, types.FunctionType) or (f.__module__ or "").split(".")[0] not in OPAQUE_LIBRARIES:
        return None
    try:
        return lookup(f)
    except TypeError:
        return None


def function_of_partial(p: functools.partial[Any]) -> types.FunctionType:
    """A Python function with ``p``'s signature calling ``p.func`` as ``p`` would (one per partial)."""
    made = _made.get(p)
    if made is None:
        made = _made[p] = _compiled(p)
    return made


def _compiled(p: functools.partial[Any], passed: set[str] | None = None) -> types.FunctionType:
    """The function; with ``passed``, only those parameters go on to ``p.func`` (its rule's), and
    each other one is checked to keep its default."""
    fn = p.func
    namespace: dict[str, Any] = {"__srcdiff_partial_of__": fn, "__srcdiff_at_default__": left_at_default}
    checks: list[str] = []
    params: list[str] = []
    args: list[str] = []
    for i, value in enumerate(p.args):
        namespace[f"__srcdiff_bound{i}__"] = value
        args.append(f"__srcdiff_bound{i}__")
    defaults: list[Any] = []
    kwdefaults: dict[str, Any] = {}
    parameters = list(inspect.signature(p).parameters.values())
    in_order = not p.args and not p.keywords  # (the parameters so far all passed on, by position)
    for k, param in enumerate(parameters):
        name, kind = param.name, param.kind
        placeholder = "" if param.default is param.empty else "=None"  # (the values are the function's own)
        if kind is param.KEYWORD_ONLY and (k == 0 or parameters[k - 1].kind not in (kind, param.VAR_POSITIONAL)):
            params.append("*")
        if kind is param.VAR_POSITIONAL:
            params.append(f"*{name}")
            args.append(f"*{name}")
        elif kind is param.VAR_KEYWORD:
            params.append(f"**{name}")
            args.append(f"**{name}")
        else:
            params.append(name + placeholder)
            if passed is not None and name not in passed:
                namespace[f"__srcdiff_default_{name}__"] = param.default
                checks.append(
                    f"    __srcdiff_at_default__({fn.__name__!r}, {name!r}, {name}, __srcdiff_default_{name}__)\n"
                )
                in_order = False
            else:
                # (by position while none is left out: a rule may name a parameter otherwise, as
                # odeint's ``t``, which templates reserve)
                by_name = kind is param.KEYWORD_ONLY or (passed is not None and not in_order)
                args.append(f"{name}={name}" if by_name else name)
            if placeholder and kind is param.KEYWORD_ONLY:
                kwdefaults[name] = param.default
            elif placeholder:
                defaults.append(param.default)
        if kind is param.POSITIONAL_ONLY and (k + 1 == len(parameters) or parameters[k + 1].kind is not kind):
            params.append("/")
    call = f"    return __srcdiff_partial_of__({', '.join(args)})\n"
    source = f"def {fn.__name__}({', '.join(params)}):\n" + "".join(checks) + call
    filename = f"<srcdiff partial of {fn.__name__} #{next(_counter)}>"
    exec(compile(source, filename, "exec"), namespace)
    made: types.FunctionType = namespace[fn.__name__]
    made.__defaults__ = tuple(defaults) or None
    made.__kwdefaults__ = kwdefaults or None
    made.__doc__ = f"{fn.__name__} with arguments bound by functools.partial."
    made.__srcdiff_source__ = source  # type: ignore[attr-defined]
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    weakref.finalize(made, linecache.cache.pop, filename, None)
    code = getattr(fn, "__code__", None)
    if code is not None:  # (what is refused in it is told at the function it stands for)
        STANDS_FOR[filename] = (code.co_filename, code.co_firstlineno)
        weakref.finalize(made, STANDS_FOR.pop, filename, None)
    return made
