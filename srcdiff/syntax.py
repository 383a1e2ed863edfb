"""Small builders and predicates for gast nodes, shared by the passes.

>>> import astor
>>> astor.to_source(gast.gast_to_ast(gast.Module([assign("y", binop(load("x"), gast.Mult(), const(2.0)))], [])))
'y = x * 2.0\\n'
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import gast


def clone(node: Any) -> Any:
    """A deep copy of a gast node (or list or tuple of them) -- the fields and the marks the
    passes set -- four times faster than ``copy.deepcopy``, which transforms call all the time.

    >>> tree = gast.parse("y = x * 2.0").body[0]
    >>> copied = clone(tree)
    >>> copied is not tree and copied.value is not tree.value and copied.value.left.id == "x"
    True
    """
    kind = type(node)
    if kind is list:
        return [clone(n) for n in node]
    if kind is tuple:
        return tuple(clone(n) for n in node)
    if not isinstance(node, gast.AST):
        return node
    new = kind.__new__(kind)  # type: ignore[call-overload]
    fields = new.__dict__
    for key, value in node.__dict__.items():
        fields[key] = clone(value) if isinstance(value, (gast.AST, list, tuple)) else value
    return new


def load(name: str) -> gast.Name:
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def store(name: str) -> gast.Name:
    return gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)


def const(value: Any) -> gast.Constant:
    return gast.Constant(value=value, kind=None)


def assign(target: str, value: gast.expr, at: gast.AST | None = None) -> gast.Assign:
    node = gast.Assign(targets=[store(target)], value=value, type_comment=None)
    return located(node, at)


def binop(left: gast.expr, op: gast.operator, right: gast.expr) -> gast.BinOp:
    return gast.BinOp(left=left, op=op, right=right)


def call(func: gast.expr | str, *args: gast.expr, **keywords: gast.expr) -> gast.Call:
    if isinstance(func, str):
        func = dotted(func)
    kws = [gast.keyword(arg=k, value=v) for k, v in keywords.items()]
    return gast.Call(func=func, args=list(args), keywords=kws)


def dotted(path: str) -> gast.expr:
    """``"a.b.c"`` as a load of that attribute chain."""
    head, *rest = path.split(".")
    node: gast.expr = load(head)
    for attr in rest:
        node = gast.Attribute(value=node, attr=attr, ctx=gast.Load())
    return node


def if_(test: gast.expr, body: list[gast.stmt], orelse: list[gast.stmt], at: gast.AST | None = None) -> gast.If:
    return located(gast.If(test=test, body=body, orelse=orelse), at)


def expr_stmt(value: gast.expr, at: gast.AST | None = None) -> gast.Expr:
    return located(gast.Expr(value=value), at)


def located(node: Any, at: gast.AST | None) -> Any:
    """Give ``node`` the line of ``at`` so later passes can point at the user's line."""
    if at is not None and hasattr(at, "lineno"):
        node.lineno = at.lineno
        node.col_offset = getattr(at, "col_offset", 0)
    return node


def is_atom(node: gast.AST) -> bool:
    return isinstance(node, (gast.Name, gast.Constant))


def nodes_in(node: gast.AST) -> list[gast.AST]:
    """Every node under ``node``, itself included (a list: the passes walk trees many times,
    and this is several times faster than ``ast.walk``'s generator).

    >>> [type(n).__name__ for n in nodes_in(gast.parse("y = -x").body[0])]
    ['Assign', 'Name', 'UnaryOp', 'Store', 'USub', 'Name', 'Load']
    """
    out = [node]
    i = 0
    while i < len(out):
        current = out[i]
        for field in current._fields:
            value = getattr(current, field, None)
            if type(value) is list:
                out.extend(v for v in value if isinstance(v, gast.AST))
            elif isinstance(value, gast.AST):
                out.append(value)
        i += 1
    return out


def loaded_names(node: gast.AST) -> set[str]:
    """Names read anywhere inside ``node``."""
    return {n.id for n in nodes_in(node) if type(n) is gast.Name and type(n.ctx) is gast.Load}


def stored_names(nodes: Iterable[gast.AST]) -> set[str]:
    """Names written anywhere inside ``nodes`` (assignment and loop targets)."""
    out: set[str] = set()
    for node in nodes:
        for n in nodes_in(node):
            if type(n) is gast.Name and type(n.ctx) is gast.Store:
                out.add(n.id)
    return out


def reached_names(start: Iterable[str], edges: Mapping[str, Iterable[str]]) -> set[str]:
    """The names reached from ``start`` along ``edges`` (one step or more: a start name only if a
    path leads back to it), in time linear in the edges.

    >>> sorted(reached_names(["a"], {"a": ["b"], "b": ["c", "a"]}))
    ['a', 'b', 'c']
    """
    reached: set[str] = set()
    todo = list(start)
    while todo:
        for name in edges.get(todo.pop(), ()):
            if name not in reached:
                reached.add(name)
                todo.append(name)
    return reached


def dotted_path(node: gast.AST) -> str | None:
    """``"np.linalg.norm"`` for that attribute chain; None for anything else."""
    parts: list[str] = []
    while isinstance(node, gast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, gast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


#: Frames the passes may need.  Python's parser accepts expressions nested up to about 3,000
#: levels (a sum of 2,500 terms is a left-nested tree that deep), and gast's conversion and the
#: recursive passes take several frames per level: 1,000 frames run out at about 240 terms.
RECURSION_ROOM = 40_000


@contextlib.contextmanager
def room_for_deep_trees() -> Iterator[None]:
    """Raise the recursion limit while a transform runs, and put it back after.  The trees are
    bounded by what Python itself parsed, so the extra room is bounded too; Python frames do
    not use the C stack (3.11+), so deep walks of them cannot overflow it."""
    previous = sys.getrecursionlimit()
    if previous >= RECURSION_ROOM:
        yield
        return
    sys.setrecursionlimit(RECURSION_ROOM)
    try:
        yield
    finally:
        if sys.getrecursionlimit() == RECURSION_ROOM:  # unless someone else changed it meanwhile
            sys.setrecursionlimit(previous)


# -- node marks ---------------------------------------------------------------------------
# Attributes passes set on gast nodes for later passes to read (clone copies them).  Every mark
# is named here, with who sets it and who reads it.

#: An assignment ``x = x + v`` written by the user as ``x += v``: it may change an array or list
#: in place (set by normalization; read by aliasing, the transforms and the optimizations).
IN_PLACE = "srcdiff_inplace"
#: A normalized ``for`` over :func:`srcdiff.checkpointed`: the atom holding its number of
#: snapshots (set by normalization, read by reverse mode).
CHECKPOINT = "srcdiff_checkpoint"
#: An assignment that makes an adjoint zero (``0.0`` or ``np.zeros(shape)``): set by the
#: transforms, read by the lazy-adjoints pass.
ZERO = "srcdiff_zero"
#: An adjoint contribution ``dx = dx + e`` with ``e`` linear in the adjoint this names (a rule
#: template's ``g``): nothing when that adjoint is still zero (set by reverse mode's rules,
#: read by :func:`srcdiff.optimize.passes.drop_zero_contributions`).
LINEAR_IN = "srcdiff_linear_in"
#: Save and restore markers of the reverse sweep: the name (and item) to push or pop, turned
#: into stack operations, or dropped, by the to-be-recorded analysis (transform/record.py).
SAVE, RESTORE = "srcdiff_save", "srcdiff_restore"


def is_in_place(node: Any) -> bool:
    """Was ``node`` written as ``x += v`` (see :data:`IN_PLACE`)?"""
    return getattr(node, IN_PLACE, False)
