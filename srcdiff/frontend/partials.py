"""``g = functools.partial(h, a, k=v)`` inside the function, then ``g(x)``: the calls of ``h``
they stand for, written out before normalization.

A partial bound once at the top level of the function to a module-level function, and only
called afterwards, is the call ``h(a, x, k=v)``; its arguments are evaluated where the partial
is made (into variables of their own, as ``partial`` keeps their values then).

>>> from srcdiff.backend.emit import to_source
>>> tree = gast.parse('''
... def f(x, s):
...     g = functools.partial(power, s, k=2)
...     return g(x) + g(x + 1.0)
... ''').body[0]
>>> new = calls_of_partials(tree, Namer({"f", "x", "s", "g"}), lambda name: (True, functools))
>>> print(to_source(gast.Module(body=new.body, type_ignores=[])), end="")
_g_arg0 = s
_g_k = 2
return power(_g_arg0, x, k=_g_k) + power(_g_arg0, x + 1.0, k=_g_k)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import gast

from ..syntax import assign, clone, dotted_path, load, located
from .naming import Namer


def calls_of_partials(
    tree: gast.FunctionDef, namer: Namer, resolve: Callable[[str], tuple[bool, Any]]
) -> gast.FunctionDef:
    """``tree`` (a copy, if anything changes) with each local partial's calls written out."""
    found = _partials(tree, resolve)
    if not found:
        return tree
    tree = clone(tree)
    made: dict[str, tuple[gast.expr, list[gast.expr], list[gast.keyword]]] = {}
    body: list[gast.stmt] = []
    for s in tree.body:
        name = _bound_partial(s, resolve)
        if name is None or name not in found:
            body.append(s)
            continue
        call = s.value  # type: ignore[attr-defined]
        args, keywords = [], []
        for i, a in enumerate(call.args[1:]):
            args.append(load(namer.prefer(f"_{name}_arg{i}")))
            body.append(located(assign(args[-1].id, a), s))
        for kw in call.keywords:
            keywords.append(gast.keyword(arg=kw.arg, value=load(namer.prefer(f"_{name}_{kw.arg}"))))
            body.append(located(assign(keywords[-1].value.id, kw.value), s))
        made[name] = (call.args[0], args, keywords)
    tree.body = body

    class Rewrite(gast.NodeTransformer):
        def visit_Call(self, node: gast.Call) -> gast.AST:
            self.generic_visit(node)
            if isinstance(node.func, gast.Name) and node.func.id in made:
                func, args, keywords = made[node.func.id]
                given = {kw.arg for kw in node.keywords}
                kept = [clone(kw) for kw in keywords if kw.arg not in given]  # (a call's keyword wins)
                return gast.copy_location(
                    gast.Call(
                        func=clone(func), args=[clone(a) for a in args] + node.args, keywords=kept + node.keywords
                    ),
                    node,
                )
            return node

    Rewrite().visit(tree)
    return tree


def _bound_partial(s: gast.stmt, resolve: Callable[[str], tuple[bool, Any]]) -> str | None:
    """The name ``s`` binds to ``functools.partial(h, ...)`` of a module-level ``h``, if it does."""
    if not (isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name)):
        return None
    call = s.value
    if not (isinstance(call, gast.Call) and call.args and not any(isinstance(a, gast.Starred) for a in call.args)):
        return None
    if any(kw.arg is None for kw in call.keywords) or dotted_path(call.args[0]) is None:
        return None
    path = dotted_path(call.func)
    if path is None:
        return None
    head, *attrs = path.split(".")
    found, value = resolve(head)
    for attr in attrs:
        value = getattr(value, attr, None)
    return s.targets[0].id if found and value is functools.partial else None


def _partials(tree: gast.FunctionDef, resolve: Callable[[str], tuple[bool, Any]]) -> set[str]:
    """The partials bound once at the top level and only called afterwards."""
    bound = [name for name in map(lambda s: _bound_partial(s, resolve), tree.body) if name is not None]
    called = {id(n.func) for n in gast.walk(tree) if isinstance(n, gast.Call) and isinstance(n.func, gast.Name)}
    keep = set()
    for name in set(bound):
        uses = [n for n in gast.walk(tree) if isinstance(n, gast.Name) and n.id == name]
        loads = [n for n in uses if isinstance(n.ctx, gast.Load)]
        if bound.count(name) == 1 and len(uses) == len(loads) + 1 and all(id(n) in called for n in loads):
            keep.add(name)
    return keep
