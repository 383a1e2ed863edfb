"""A counter kept as an attribute of the function itself (``f.pos = 0``, then ``f.pos += k``),
read as the local variable it is used as.

Code written for tracers that refuse in-place writes keeps index bookkeeping this way (GradBench's
gmm, as ADBench wrote it: ``constructL.Lparamidx``).  When the function sets the attribute before
anything reads it, and uses its own name for nothing else (no recursive call, not passed on),
the attribute is scratch state of one call: the same as a variable of the function, shared with
its local functions through ``nonlocal``.  (The generated code leaves the attribute as it was.)

>>> import gast
>>> from srcdiff.backend.emit import to_source
>>> tree = gast.parse('''
... def build(v):
...     build.pos = 0
...     def take(k):
...         out = v[build.pos:build.pos + k]
...         build.pos += k
...         return out
...     return take(1) + take(2)
... ''').body[0]
>>> print(to_source(attributes_as_variables(tree)), end="")
def build(v):
    build_pos = 0
<BLANKLINE>
    def take(k):
        nonlocal build_pos
        out = v[build_pos:build_pos + k]
        build_pos += k
        return out
    return take(1) + take(2)
"""

from __future__ import annotations

import gast

from ..syntax import clone
from .naming import names_in


def attributes_as_variables(tree: gast.FunctionDef) -> gast.FunctionDef:
    """``tree`` (a copy, if anything changes) with its own attributes used as variables."""
    own = tree.name
    uses = [n for n in gast.walk(tree) if isinstance(n, gast.Name) and n.id == own]
    on_attributes = [
        n
        for n in gast.walk(tree)
        if isinstance(n, gast.Attribute) and isinstance(n.value, gast.Name) and n.value.id == own
    ]
    if not on_attributes or len(on_attributes) != len(uses):
        return tree  # (the name stands for something else too: a call, or the function passed on)
    attrs = sorted({n.attr for n in on_attributes if _set_before_read(tree.body, own, n.attr)})
    if not attrs:
        return tree
    taken = names_in(tree)
    variables: dict[str, str] = {}
    for attr in attrs:
        name = f"{own}_{attr}"
        while name in taken:
            name += "_"
        variables[attr] = name
        taken.add(name)
    tree = _AsVariables(own, variables).visit(clone(tree))
    for node in gast.walk(tree):
        if isinstance(node, gast.FunctionDef) and node is not tree:
            stored = sorted(
                {n.id for n in gast.walk(node) if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load)}
            )
            shared = [v for v in variables.values() if v in stored]
            if shared:
                node.body.insert(0, gast.copy_location(gast.Nonlocal(names=shared), node.body[0]))
    return tree


def _set_before_read(body: list[gast.stmt], own: str, attr: str) -> bool:
    """Is the first statement of ``body`` that uses ``own.attr`` a plain assignment to it?"""

    def is_it(n: gast.AST) -> bool:
        return isinstance(n, gast.Attribute) and n.attr == attr and isinstance(n.value, gast.Name) and n.value.id == own

    for s in body:
        if not any(is_it(n) for n in gast.walk(s)):
            continue
        return (
            isinstance(s, gast.Assign)
            and len(s.targets) == 1
            and is_it(s.targets[0])
            and not any(is_it(n) for n in gast.walk(s.value))
        )
    return False


class _AsVariables(gast.NodeTransformer):
    def __init__(self, own: str, variables: dict[str, str]) -> None:
        self.own = own
        self.variables = variables

    def visit_Attribute(self, node: gast.Attribute) -> gast.AST:
        if isinstance(node.value, gast.Name) and node.value.id == self.own and node.attr in self.variables:
            name = gast.Name(id=self.variables[node.attr], ctx=node.ctx, annotation=None, type_comment=None)
            return gast.copy_location(name, node)
        return self.generic_visit(node)
