"""Emission and compilation: gast -> Python source (astor) -> a live function.

Generated functions see the user's module globals (the live dict, so later
changes are seen) and reach everything srcdiff adds -- rule helpers, the
array library, other generated functions -- through closure cells, so nothing
is ever written into the user's namespace.  The source is registered in
``linecache`` under a unique pseudo-filename, so tracebacks, ``pdb`` and
``inspect.getsource`` show the generated code.

>>> import gast, types
>>> tree = gast.parse("def twice(x):\\n    return scale * x\\n").body[0]
>>> fn = compile_function(tree, {}, {"scale": types.CellType(2.0)}, "demo")
>>> fn(3.0), "def twice" in inspect.getsource(fn)
(6.0, True)
"""

from __future__ import annotations

import inspect
import itertools
import linecache
import textwrap
import types
from typing import Any

import astor
import gast

_counter = itertools.count(1)


class _Tidy(gast.NodeTransformer):
    """``if c: pass else: B`` reads better as ``if not c: B``."""

    def visit_If(self, node: gast.If) -> gast.AST:
        self.generic_visit(node)
        if not node.body and node.orelse:
            test = node.test
            if isinstance(test, gast.UnaryOp) and isinstance(test.op, gast.Not):
                node.test = test.operand
            else:
                node.test = gast.UnaryOp(op=gast.Not(), operand=test)
            node.body, node.orelse = node.orelse, []
        if not node.body:
            node.body = [gast.Pass()]
        return node


def to_source(node: gast.AST) -> str:
    """Readable Python source for a gast tree."""
    import copy

    tree = _Tidy().visit(copy.deepcopy(node))
    return astor.to_source(gast.gast_to_ast(gast.fix_missing_locations(tree)))


def compile_function(
    tree: gast.FunctionDef,
    globals_: dict[str, Any],
    cells: dict[str, types.CellType],
    label: str,
    defaults: tuple[Any, ...] | None = None,
    kwdefaults: dict[str, Any] | None = None,
) -> types.FunctionType:
    """Compile ``tree`` into a function whose free names ``cells`` provides."""
    source = to_source(tree)
    name = tree.name
    filename = f"<srcdiff {label} #{next(_counter)}>"
    free = sorted(cells)
    # The function is nested in a factory so its free names become closure variables;
    # the factory itself never runs: we take the inner code object and supply the cells.
    factory = "def __srcdiff_factory__():\n"
    factory += "".join(f"    {n} = None\n" for n in free)
    factory += textwrap.indent(source, "    ")
    factory += f"    return {name}\n"
    code = compile(factory, filename, "exec")
    factory_code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in factory_code.co_consts if isinstance(c, types.CodeType) and c.co_name == name)
    closure = tuple(cells[n] for n in inner.co_freevars)
    fn = types.FunctionType(inner, globals_, name, defaults, closure)
    fn.__kwdefaults__ = kwdefaults
    lines = factory.splitlines(keepends=True)
    linecache.cache[filename] = (len(factory), None, lines, filename)
    fn.__srcdiff_source__ = source  # type: ignore[attr-defined]
    return fn
