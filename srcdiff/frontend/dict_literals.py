"""Dicts used as bags of named values -- ``cache = {"z": z}``, ``cache["h"] = h``, read back
by constant keys -- as one variable per key, before normalization.

A dict qualifies when it is bound once, at the top level of the function, to a literal (or
``{}``/``dict()``) whose keys are constants, and is otherwise only read and written by
constant keys (``d["k"]``, ``d["k"] = v``, ``d["k"] += v``): nothing else sees it, so its
entries are plain variables.  Any other use (passed on, returned, iterated, a computed key)
leaves it a dict, which normalization refuses.

>>> from srcdiff.backend.emit import to_source
>>> tree = gast.parse('''
... def f(x):
...     cache = {"z": x * 2.0}
...     cache["h"] = cache["z"] ** 2
...     return cache["h"]
... ''').body[0]
>>> new = entries_as_variables(tree, Namer({"f", "x", "cache"}))
>>> print(to_source(gast.Module(body=new.body, type_ignores=[])), end="")
cache_z = x * 2.0
cache_h = cache_z ** 2
return cache_h
"""

from __future__ import annotations

import gast

from ..syntax import clone, located, store
from .naming import Namer


def entries_as_variables(tree: gast.FunctionDef, namer: Namer) -> gast.FunctionDef:
    """``tree`` (a copy, if anything changes) with each qualifying dict's entries as variables."""
    found = _qualifying(tree)
    if not found:
        return tree
    tree = clone(tree)
    for name in found:
        _replace(tree, name, namer)
    return tree


def _literal_keys(value: gast.expr) -> list[object] | None:
    if isinstance(value, gast.Dict) and all(isinstance(k, gast.Constant) for k in value.keys):
        return [k.value for k in value.keys]  # type: ignore[union-attr]
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Name) and value.func.id == "dict":
        if not value.args and not value.keywords:
            return []
    return None


def _qualifying(tree: gast.FunctionDef) -> list[str]:
    bound: dict[str, list[gast.Assign]] = {}
    for s in tree.body:
        if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
            keys = _literal_keys(s.value)
            if keys is not None and all(isinstance(k, (str, int)) and not isinstance(k, bool) for k in keys):
                bound.setdefault(s.targets[0].id, []).append(s)
    if not bound:
        return []
    keyed: set[int] = set()  # the Name nodes that stand as d[constant]
    for n in gast.walk(tree):
        if isinstance(n, gast.Subscript) and isinstance(n.value, gast.Name) and isinstance(n.slice, gast.Constant):
            if isinstance(n.slice.value, (str, int)) and not isinstance(n.slice.value, bool):
                keyed.add(id(n.value))
    found = []
    for name, assignments in bound.items():
        targets = {id(a.targets[0]) for a in assignments}
        uses = [n for n in gast.walk(tree) if isinstance(n, gast.Name) and n.id == name]
        if len(assignments) == 1 and all(id(n) in keyed or id(n) in targets for n in uses):
            if name not in {a.id for a in tree.args.args + tree.args.posonlyargs + tree.args.kwonlyargs}:
                found.append(name)
    return found


def _replace(tree: gast.FunctionDef, name: str, namer: Namer) -> None:
    variables: dict[object, str] = {}

    def variable(key: object) -> str:
        if key not in variables:
            text = "".join(c if c.isalnum() else "_" for c in str(key))
            variables[key] = namer.prefer(f"{name}_{text}")
        return variables[key]

    class Rewrite(gast.NodeTransformer):
        def visit_Assign(self, node: gast.Assign) -> object:
            if len(node.targets) == 1 and isinstance(node.targets[0], gast.Name) and node.targets[0].id == name:
                value = node.value
                if isinstance(value, gast.Dict):
                    return [
                        located(
                            gast.Assign(targets=[store(variable(k.value))], value=self.visit(v), type_comment=None),
                            node,
                        )
                        for k, v in zip(value.keys, value.values)  # type: ignore[union-attr]
                    ] or [located(gast.Pass(), node)]
                return located(gast.Pass(), node)  # (dict(): no entries yet)
            return self.generic_visit(node)

        def visit_Subscript(self, node: gast.Subscript) -> object:
            if isinstance(node.value, gast.Name) and node.value.id == name and isinstance(node.slice, gast.Constant):
                return gast.copy_location(
                    gast.Name(id=variable(node.slice.value), ctx=node.ctx, annotation=None, type_comment=None), node
                )
            return self.generic_visit(node)

    Rewrite().visit(tree)


def dicts_made(tree: gast.FunctionDef) -> tuple[set[str], set[str]]:
    """The names only ever bound to dicts the function makes (``{k: v}``, ``{k: v for ...}``,
    ``dict()``): those whose writes ``d[k] = v`` can be read as a new dict bound to ``d`` (no
    other name can see the dict: it is only read by key, iterated, measured, passed to a call or
    returned), and the others (a write into those would show through another name)."""
    params = {a.id for a in tree.args.args + tree.args.posonlyargs + tree.args.kwonlyargs}
    bound: dict[str, bool] = {}  # name -> every binding makes a dict
    for n in gast.walk(tree):
        for target, value in _bindings(n):
            if isinstance(target, gast.Name):
                made = isinstance(value, (gast.Dict, gast.DictComp)) or _literal_keys(value) == []
                bound[target.id] = bound.get(target.id, True) and made
    names = {name for name, made in bound.items() if made and name not in params}
    if not names:
        return set(), set()
    safe: set[int] = set()  # the Name nodes that stand where no other name gets hold of the dict
    for n in gast.walk(tree):
        if isinstance(n, gast.Subscript) or isinstance(n, gast.Attribute) and n.attr in _VIEWS:
            safe.add(id(n.value))
        elif isinstance(n, gast.Call):
            safe.update(id(a) for a in n.args if not _stores(n))
            safe.update(id(k.value) for k in n.keywords)
        elif isinstance(n, (gast.For, gast.comprehension)):
            safe.add(id(n.iter))
        elif isinstance(n, gast.Compare):
            safe.update(id(c) for c in n.comparators)
        elif isinstance(n, gast.Return) and n.value is not None:
            safe.add(id(n.value))
        for target, _ in _bindings(n):
            safe.add(id(target))
    shared = {
        name
        for name in names
        if any(isinstance(n, gast.Name) and n.id == name and id(n) not in safe for n in gast.walk(tree))
    }
    return names - shared, shared


_VIEWS = frozenset({"values", "items", "keys", "get"})


def _stores(call: gast.Call) -> bool:
    """A call that keeps what it is given (``xs.append(d)``)."""
    return isinstance(call.func, gast.Attribute) and call.func.attr in ("append", "insert", "extend", "add")


def _bindings(n: gast.AST) -> list[tuple[gast.expr, gast.expr]]:
    if isinstance(n, gast.Assign):
        return [(t, n.value) for t in n.targets]
    if isinstance(n, (gast.AnnAssign, gast.AugAssign)) and n.value is not None:
        return [(n.target, n.value if isinstance(n, gast.AnnAssign) else n)]  # (x += v: not a dict made)
    if isinstance(n, (gast.For, gast.comprehension)):
        return [(n.target, n)]
    return []
