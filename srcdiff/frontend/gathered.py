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

from ..syntax import assign, clone, load, loaded_names, stored_names


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


def item_name(gathered: str, i: int) -> str:
    """The parameter standing for the ``i``-th argument ``*gathered`` gathers, when one is
    differentiated (:func:`split_gathered`): ``args_0``, ``args_1``..."""
    return f"{gathered}_{i}"


def item_index(gathered: str, name: str) -> int | None:
    """``i`` for ``name`` the parameter of ``gathered``'s ``i``-th item (else ``None``)."""
    prefix = f"{gathered}_"
    rest = name[len(prefix) :]
    return int(rest) if name.startswith(prefix) and rest.isdigit() and str(int(rest)) == rest else None


def split_gathered(tree: gast.FunctionDef, count: int) -> gast.FunctionDef:
    """``tree`` (a copy) with its ``*args`` parameter made ``count`` parameters of their own,
    ``args_0, args_1...``, so that each can be differentiated like a named parameter; the body
    reads ``args[i]`` as ``args_i`` and any other use of ``args`` from ``args = (args_0, ...)``.

    >>> from srcdiff.backend.emit import to_source
    >>> tree = gast.parse('''
    ... def f(w, *args):
    ...     return g(w, *args) + args[1] * len(args)
    ... ''').body[0]
    >>> print(to_source(split_gathered(tree, 2)), end="")
    def f(w, args_0, args_1):
        args = args_0, args_1
        return g(w, args_0, args_1) + args_1 * len(args)
    """
    assert tree.args.vararg is not None
    gathered = tree.args.vararg.id
    names = [item_name(gathered, i) for i in range(count)]
    taken = {n.id for n in gast.walk(tree) if isinstance(n, gast.Name)} | {
        a.id for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs
    }
    clash = sorted(taken & set(names))
    if clash:
        raise ValueError(clash[0])  # (the pipeline refuses it, naming the function)
    tree = clone(spread_gathered(tree, {gathered: count}, {}))
    tree = spread_known_lengths(tree, {gathered: count})
    if gathered not in stored_names(tree.body):
        tree = _Items(gathered, names).visit(tree)
    tree.args.args = [*tree.args.args, *(_param(n, tree.args.vararg) for n in names)]
    tree.args.vararg = None
    first = tree.body[0]
    if (  # ``args = list(args)``: a list of them, ``args = [args_0, args_1]``
        isinstance(first, gast.Assign)
        and isinstance(first.value, gast.Call)
        and _named(first.value.func, {"list": 0, "tuple": 0})
        and len(first.value.args) == 1
        and not first.value.keywords
        and _named(first.value.args[0], {gathered: 0})
    ):
        literal = gast.List if first.value.func.id == "list" else gast.Tuple  # type: ignore[attr-defined]
        first.value = gast.copy_location(literal(elts=[load(n) for n in names], ctx=gast.Load()), first.value)
    rebound_first = gathered in stored_names([first]) and gathered not in loaded_names(first)
    if not rebound_first and gathered in loaded_names(gast.Module(body=tree.body, type_ignores=[])):
        items = gast.Tuple(elts=[load(n) for n in names], ctx=gast.Load())
        tree.body = [gast.copy_location(assign(gathered, items), first), *tree.body]
    return tree


def _param(name: str, like: gast.Name) -> gast.Name:
    return gast.copy_location(gast.Name(id=name, ctx=gast.Param(), annotation=None, type_comment=None), like)


class _Items(gast.NodeTransformer):
    """``args[i]`` (a constant ``i`` in range) as ``args_i``."""

    def __init__(self, gathered: str, names: list[str]) -> None:
        self.gathered = gathered
        self.names = names

    def visit_Subscript(self, node: gast.Subscript) -> gast.expr:
        self.generic_visit(node)
        at = node.slice
        if (
            _named(node.value, {self.gathered: None})
            and isinstance(node.ctx, gast.Load)
            and isinstance(at, gast.Constant)
            and type(at.value) is int
            and -len(self.names) <= at.value < len(self.names)
        ):
            return gast.copy_location(load(self.names[at.value]), node)
        return node


def spread_known_lengths(tree: gast.FunctionDef, counts: dict[str, int]) -> gast.FunctionDef:
    """``g(*xs)`` of a local ``xs`` whose length the statements before tell -- ``xs = (a, b)``,
    ``xs = list(ys)`` of a known ``ys``, then only item writes ``xs[k] = v`` -- with its items
    written out: ``g(xs[0], xs[1])`` (as ``symmetrized(*args)`` wrappers pass their arguments
    on after changing one).  Only straight-line statements of the body are followed; a name
    used any other way (passed to a call, a method called on it, written inside a branch or a
    loop) has no known length from there on.  ``counts``: the lengths of the ``*args``
    parameters.  Changes ``tree`` in place."""
    lengths = dict(counts)
    for s in tree.body:
        if isinstance(s, (gast.If, gast.For, gast.While, gast.With, gast.Try, gast.FunctionDef)):
            _follow_lengths(s, lengths)  # (what runs inside may change a length before a call)
            continue
        for node in gast.walk(s):
            if isinstance(node, gast.Call) and any(_spread_items(a, lengths) is not None for a in node.args):
                args: list[gast.expr] = []
                for a in node.args:
                    items = _spread_items(a, lengths)
                    args += [a] if items is None else items
                node.args = args
        _follow_lengths(s, lengths)
    return tree


def _spread_items(arg: gast.expr, lengths: dict[str, int]) -> list[gast.expr] | None:
    """The items ``*xs`` or ``*xs[i:j]`` (constant bounds) stands for, if ``xs``'s length is known."""
    if not isinstance(arg, gast.Starred):
        return None
    value = arg.value
    if _named(value, lengths):
        return [_item(value.id, i, arg) for i in range(lengths[value.id])]  # type: ignore[attr-defined]
    if not (isinstance(value, gast.Subscript) and _named(value.value, lengths) and isinstance(value.slice, gast.Slice)):
        return None
    bounds = [value.slice.lower, value.slice.upper, value.slice.step]
    if not all(b is None or (isinstance(b, gast.Constant) and type(b.value) is int) for b in bounds):
        return None
    name = value.value.id  # type: ignore[attr-defined]
    picked = range(lengths[name])[slice(*(b.value if b is not None else None for b in bounds))]  # type: ignore[attr-defined]
    return [_item(name, i, arg) for i in picked]


def _follow_lengths(s: gast.stmt, lengths: dict[str, int]) -> None:
    """Update ``lengths`` (local name -> its known length) past statement ``s``."""
    known = {}
    if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
        length = _length_of(s.value, lengths)
        if length is not None:
            known[s.targets[0].id] = length
    fine: set[int] = set()  # reads of a name that keep its length: xs[k] (k not a slice), *xs, list(xs), len(xs)
    for node in gast.walk(s):
        if isinstance(node, gast.Subscript) and _named(node.value, lengths):
            if not isinstance(node.slice, gast.Slice) and not isinstance(node.ctx, gast.Del):  # (del xs[k])
                fine.add(id(node.value))
        elif isinstance(node, gast.Starred) and _named(node.value, lengths):
            fine.add(id(node.value))
        elif isinstance(node, gast.Call) and _named(node.func, {"list": 0, "tuple": 0, "len": 0}):
            fine.update(id(a) for a in node.args if _named(a, lengths) and len(node.args) == 1)
    for node in gast.walk(s):
        if isinstance(node, gast.Name) and node.id in lengths and id(node) not in fine:
            del lengths[node.id]  # (rebound, or handed on: its length may change)
    if not isinstance(s, gast.Assign):
        for name in stored_names([s]):
            lengths.pop(name, None)
    lengths.update(known)


def _length_of(value: gast.expr, lengths: dict[str, int]) -> int | None:
    if isinstance(value, (gast.Tuple, gast.List)) and not any(isinstance(e, gast.Starred) for e in value.elts):
        return len(value.elts)
    if (
        isinstance(value, gast.Call)
        and _named(value.func, {"list": 0, "tuple": 0})
        and len(value.args) == 1
        and not value.keywords
        and _named(value.args[0], lengths)
    ):
        return lengths[value.args[0].id]  # type: ignore[attr-defined]
    return None


def gathered_form(
    tree: gast.FunctionDef, counts: dict[str, int], keys: dict[str, tuple[str, ...]], split: int | None = None
) -> gast.FunctionDef:
    """``tree`` (a copy, if anything changes) with its ``*args`` made ``split`` parameters of
    their own (:func:`split_gathered`, if ``split`` is given), and ``g(*args)``, ``g(**kwargs)``
    and ``g(*xs)`` of local sequences of known length spread."""
    if split is not None and tree.args.vararg is not None:
        counts = {n: c for n, c in counts.items() if n != tree.args.vararg.id}
        tree = split_gathered(tree, split)
    tree = spread_gathered(tree, counts, keys)
    starred = any(
        isinstance(node, gast.Call) and any(isinstance(a, gast.Starred) for a in node.args) for node in gast.walk(tree)
    )
    return spread_known_lengths(clone(tree), counts) if starred else tree
