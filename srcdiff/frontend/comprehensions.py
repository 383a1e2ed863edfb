"""Comprehensions written as the loops they stand for, before normalization reads them.

``[f(x) for x in xs if x > 0]`` (or the generator expression ``(f(x) for x in xs if x > 0)``, read
at once: what ``sum``, ``max``, ``np.array`` and ``for`` do with it) becomes::

    _t1 = []
    for _x1 in xs:
        if _x1 > 0:
            _t1.append(f(_x1))

and the expression ``_t1``.  The targets are renamed (``_x1``): a comprehension's variables are
its own, and must not overwrite the function's.  Several ``for`` clauses nest, left outermost.

>>> import gast
>>> from srcdiff.backend.emit import to_source
>>> from srcdiff.frontend.naming import Namer
>>> e = gast.parse("[x * y for x in xs if x > 0 for y in ys]").body[0].value
>>> name, loop = as_loop(e, Namer(set()))
>>> print(name + " = []\\n" + to_source(loop), end="")
_t1 = []
for _x1 in xs:
    if _x1 > 0:
        for _y1 in ys:
            _t1.append(_x1 * _y1)
"""

from __future__ import annotations

import gast

from ..syntax import call, load
from .naming import Namer, renamed

COMPREHENSIONS = (gast.ListComp, gast.GeneratorExp)


def as_loop(e: gast.ListComp | gast.GeneratorExp, namer: Namer) -> tuple[str, gast.For]:
    """The name of the list the loop builds, and the loop (its first iterable as written: it is
    evaluated in the enclosing scope)."""
    result = namer.fresh("t")
    fresh_names: dict[str, str] = {}
    clauses = []
    for clause in e.generators:
        iterable = renamed(clause.iter, fresh_names)
        for name in sorted({n.id for n in gast.walk(clause.target) if isinstance(n, gast.Name)}):
            fresh_names[name] = namer.fresh(name.lstrip("_") or "v")
        clauses.append((renamed(clause.target, fresh_names), iterable, [renamed(c, fresh_names) for c in clause.ifs]))
    append = gast.Attribute(value=load(result), attr="append", ctx=gast.Load())
    body: list[gast.stmt] = [_at(gast.Expr(value=call(append, renamed(e.elt, fresh_names))), e)]
    loop: gast.stmt | None = None
    for target, iterable, conditions in reversed(clauses):
        for condition in reversed(conditions):
            body = [_at(gast.If(test=condition, body=body, orelse=[]), e)]
        loop = _at(gast.For(target=target, iter=iterable, body=body, orelse=[], type_comment=None), e)
        body = [loop]
    assert isinstance(loop, gast.For)  # (a comprehension has at least one clause)
    return result, loop


def is_async(e: gast.ListComp | gast.GeneratorExp) -> bool:
    return any(clause.is_async for clause in e.generators)


def _at(node: gast.stmt, e: gast.AST) -> gast.stmt:
    for n in gast.walk(node):  # every node the line of the comprehension, where it has none
        if "lineno" in n._attributes and getattr(n, "lineno", None) is None:
            n.lineno, n.col_offset = getattr(e, "lineno", 1), getattr(e, "col_offset", 0)
            n.end_lineno, n.end_col_offset = getattr(e, "end_lineno", None), getattr(e, "end_col_offset", None)
    return node
