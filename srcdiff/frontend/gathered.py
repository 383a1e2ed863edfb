"""``g(x, *args)`` and ``g(x, **kwargs)`` of the function's own ``*args`` / ``**kwargs``: the
arguments they stand for, written out.

Generated code is specialized on how many arguments ``*args`` gathers and which keywords
``**kwargs`` does (their kinds say), so passing them on spreads a known tuple and a known dict.

>>> import gast
>>> from srcdiff.backend.emit import to_source
>>> tree = gast.parse('''
... def loss(w, *data, **options):
...     return resid(w, *data, **options)
... ''').body[0]
>>> print(to_source(spread_gathered(tree, {"data": 2}, {"options": ("scale",)})), end="")
def loss(w, *data, **options):
    return resid(w, data[0], data[1], scale=options['scale'])
"""

from __future__ import annotations

from collections.abc import Mapping

import gast

from ..syntax import clone, stored_names


def spread_gathered(
    tree: gast.FunctionDef, counts: dict[str, int], keys: dict[str, tuple[str, ...]]
) -> gast.FunctionDef:
    """``tree`` (a copy, if anything changes) with ``*name`` / ``**name`` of the gathered
    parameters in ``counts`` (how many arguments) and ``keys`` (which keywords) written out."""
    rebound = stored_names(tree.body)
    counts = {n: c for n, c in counts.items() if n not in rebound}
    keys = {n: k for n, k in keys.items() if n not in rebound}
    spread = any(
        isinstance(node, gast.Call)
        and (
            any(isinstance(a, gast.Starred) and _named(a.value, counts) for a in node.args)
            or any(k.arg is None and _named(k.value, keys) for k in node.keywords)
        )
        for node in gast.walk(tree)
    )
    return _Spread(counts, keys).visit(clone(tree)) if spread else tree


def _named(node: gast.expr, names: Mapping[str, object]) -> bool:
    return isinstance(node, gast.Name) and node.id in names


def _item(name: str, key: object, at: gast.AST) -> gast.expr:
    value = gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)
    item = gast.Subscript(value=value, slice=gast.Constant(value=key, kind=None), ctx=gast.Load())
    return gast.copy_location(item, at)


class _Spread(gast.NodeTransformer):
    def __init__(self, counts: dict[str, int], keys: dict[str, tuple[str, ...]]) -> None:
        self.counts = counts
        self.keys = keys

    def visit_Call(self, node: gast.Call) -> gast.Call:
        self.generic_visit(node)
        args: list[gast.expr] = []
        for a in node.args:
            if isinstance(a, gast.Starred) and _named(a.value, self.counts):
                args += [_item(a.value.id, i, a) for i in range(self.counts[a.value.id])]  # type: ignore[attr-defined]
            else:
                args.append(a)
        keywords: list[gast.keyword] = []
        for k in node.keywords:
            if k.arg is None and _named(k.value, self.keys):
                name = k.value.id  # type: ignore[attr-defined]
                keywords += [gast.keyword(arg=key, value=_item(name, key, k.value)) for key in self.keys[name]]
            else:
                keywords.append(k)
        node.args, node.keywords = args, keywords
        return node
