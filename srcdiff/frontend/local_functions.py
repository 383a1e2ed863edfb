"""Functions defined inside the function (``def`` or ``name = lambda ...``), written into each
place that calls them.

A local function that is only ever called (never passed on, returned or stored) and returns
only at its end is the same as its body at the call: its parameters bound to the arguments, its
variables renamed (they are its own), the enclosing function's variables read (and the objects
they hold changed) there when it is called, as a closure does; its ``nonlocal`` variables are
the enclosing function's, rebound there.  Other local functions stay refused.

>>> import gast
>>> from srcdiff.backend.emit import to_source
>>> from srcdiff.frontend.naming import Namer
>>> tree = gast.parse('''
... def f(x, s):
...     def scaled(v, k=2.0):
...         w = v * s
...         return k * w
...     return scaled(x) + scaled(x, 3.0)
... ''').body[0]
>>> found = local_functions(tree)
>>> body, value = found["scaled"].at_call([gast.Name("x", gast.Load(), None, None)], [], Namer({"x", "s"}))
>>> print(to_source(gast.Module(body=body, type_ignores=[])) + to_source(value), end="")
_v1 = x
_k1 = 2.0
_w1 = _v1 * s
(_k1 * _w1)
"""

from __future__ import annotations

from dataclasses import dataclass

import gast

from ..syntax import clone, stored_names
from .naming import Namer, renamed


@dataclass
class LocalFunction:
    """A function defined in the function, as its calls use it."""

    name: str
    params: list[str]
    defaults: dict[str, gast.expr]  # constants
    body: list[gast.stmt]  # before its return
    result: gast.expr | None  # what it returns (None: None)
    node: gast.stmt  # the def (or the assignment of the lambda)
    shared: frozenset[str] = frozenset()  # its ``nonlocal`` names: the enclosing function's variables

    def at_call(
        self, args: list[gast.expr], keywords: list[gast.keyword], namer: Namer
    ) -> tuple[list[gast.stmt], gast.expr]:
        """The statements a call runs (parameters bound, variables renamed) and its value.
        ``args`` and ``keywords`` are atoms already (evaluated once, in order)."""
        own = (set(self.params) | stored_names(self.body)) - self.shared
        fresh_names = {name: namer.fresh(name.lstrip("_") or "v") for name in sorted(own)}
        bound = dict(zip(self.params, args)) | {kw.arg: kw.value for kw in keywords if kw.arg is not None}
        out: list[gast.stmt] = []
        for p in self.params:
            value = bound.get(p, self.defaults.get(p))
            target = gast.Name(id=fresh_names[p], ctx=gast.Store(), annotation=None, type_comment=None)
            out.append(
                gast.copy_location(gast.Assign(targets=[target], value=clone(value), type_comment=None), self.node)
            )
        out += [renamed(s, fresh_names) for s in self.body]
        result = renamed(self.result, fresh_names) if self.result is not None else gast.Constant(value=None, kind=None)
        return out, result

    def accepts(self, args: list[gast.expr], keywords: list[gast.keyword]) -> bool:
        """Do these arguments bind to the parameters (each once, none missing, no others)?"""
        names = [kw.arg for kw in keywords]
        if len(args) > len(self.params) or None in names or len(set(names)) != len(names):
            return False
        given = set(self.params[: len(args)]) | set(names)  # type: ignore[arg-type]
        if len(given) != len(args) + len(names) or not given <= set(self.params):
            return False
        return all(p in given or p in self.defaults for p in self.params)


def local_functions(tree: gast.FunctionDef) -> dict[str, LocalFunction]:
    """The local functions of ``tree`` (at the top of its body) that can be written into their calls."""
    found: dict[str, LocalFunction] = {}
    for s in tree.body:
        made = as_local(s)
        if made is not None:
            found[made.name] = made
    if not found:
        return {}
    # each used only as `name(...)`, bound once, and not calling itself
    calls = {id(n.func) for n in gast.walk(tree) if isinstance(n, gast.Call) and isinstance(n.func, gast.Name)}
    calls -= _in_tests(tree)  # (normalization keeps tests as written: a call there would stay a call)
    names = [n for n in gast.walk(tree) if isinstance(n, gast.Name)]
    for name in list(found):
        stores = [n for n in names if n.id == name and not isinstance(n.ctx, gast.Load)]
        loads = [n for n in names if n.id == name and isinstance(n.ctx, gast.Load)]
        inside = {id(n) for n in gast.walk(found[name].node) if isinstance(n, gast.Name)}
        if (
            len(stores) > (1 if isinstance(found[name].node, gast.Assign) else 0)
            or any(id(n) not in calls for n in loads)
            or any(id(n) in inside for n in loads)
        ):
            del found[name]
    return found  # (one calling another is fine: that call is written out when its body is normalized)


def _in_tests(tree: gast.AST) -> set[int]:
    """The called names inside what normalization keeps as written: comparisons, ``and``/``or``
    tests, f-strings, ``while`` tests, ``assert`` and ``raise``."""
    kept: list[gast.AST] = []
    for n in gast.walk(tree):
        if isinstance(n, (gast.Compare, gast.BoolOp, gast.JoinedStr, gast.Assert, gast.Raise)):
            kept.append(n)
        elif isinstance(n, gast.While):
            kept.append(n.test)
    return {id(c.func) for k in kept for c in gast.walk(k) if isinstance(c, gast.Call)}


def as_local(s: gast.stmt) -> LocalFunction | None:
    """``s`` as a local function (a ``def``, or ``name = lambda``), if it can be written into its calls."""
    if isinstance(s, gast.FunctionDef):
        if s.decorator_list:
            return None
        args, body, name = s.args, list(s.body), s.name
    elif (
        isinstance(s, gast.Assign)
        and len(s.targets) == 1
        and isinstance(s.targets[0], gast.Name)
        and isinstance(s.value, gast.Lambda)
    ):
        args, name = s.value.args, s.targets[0].id
        body = [gast.Return(value=s.value.body)]
    else:
        return None
    if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
        return None
    params = [a.id for a in args.args]
    defaults: dict[str, gast.expr] = {}
    for p, d in zip(params[len(params) - len(args.defaults) :], args.defaults):
        if not isinstance(d, gast.Constant):
            return None  # (evaluated where the function is defined: only constants are the same later)
        defaults[p] = d
    result: gast.expr | None = None
    if body and isinstance(body[-1], gast.Return):
        result = body[-1].value
        body = body[:-1]
    # (``nonlocal`` at its top level; written into the enclosing function, the names it
    # declares are that function's variables already)
    shared = frozenset(name for n in body if isinstance(n, gast.Nonlocal) for name in n.names)
    body = [n for n in body if not isinstance(n, gast.Nonlocal)]
    nodes = list(gast.walk(gast.Module(body=body, type_ignores=[])))
    forbidden = (
        gast.Return,
        gast.Yield,
        gast.YieldFrom,
        gast.Global,
        gast.Nonlocal,
        gast.FunctionDef,
        gast.Lambda,
        gast.ClassDef,
        gast.AsyncFunctionDef,
        gast.Await,
    )
    if any(isinstance(n, forbidden) for n in nodes):
        return None
    if result is not None and any(isinstance(n, (gast.Lambda, gast.Yield, gast.NamedExpr)) for n in gast.walk(result)):
        return None
    if set(params) & shared:
        return None
    return LocalFunction(name, params, defaults, body, result, s, shared)
