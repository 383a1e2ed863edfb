"""Emission and compilation: gast -> Python source (astor) -> a live function.

Generated functions see the user's module globals (the live dict, so later
changes are seen) and reach everything srcdiff adds -- rule helpers, the
array library, other generated functions -- through closure cells, so nothing
is ever written into the user's namespace.  The source is registered in
``linecache`` under a unique pseudo-filename, so tracebacks, ``pdb`` and
``inspect.getsource`` show the generated code.

>>> import gast, inspect, types
>>> tree = gast.parse("def twice(x):\\n    return scale * x\\n").body[0]
>>> fn = compile_function(tree, {}, {"scale": types.CellType(2.0)}, "demo")
>>> fn(3.0), "def twice" in inspect.getsource(fn)
(6.0, True)
"""

from __future__ import annotations

import ast
import itertools
import linecache
import os
import textwrap
import types
import weakref
from typing import Any

import astor
import gast

from ..errors import SrcDiffError, UnsupportedSyntaxError
from ..frontend.partial_objects import STANDS_FOR
from ..syntax import clone

_counter = itertools.count(1)


def _tidy(tree: gast.AST) -> gast.AST:
    """Fix, in place, what reads badly or prints wrongly:

    * ``if c: pass else: B`` reads better as ``if not c: B`` (and an empty body gets ``pass``),
      unless ``B`` is one ``if``: ``if c: pass elif d: ...`` keeps an ``elif`` chain flat;
    * ``(-0.75) ** 2``: astor would print a negative constant base as ``-0.75 ** 2``, which is
      ``-(0.75 ** 2)``.  Written as a negation, it gets its parentheses.
    """
    # (it also gives each node without a location its parent's, as ast.fix_missing_locations does)
    pending: list[tuple[gast.AST, tuple[int, int, int, int]]] = [(tree, (1, 0, 1, 0))]
    while pending:
        node, where = pending.pop()
        if "lineno" in node._attributes:
            if getattr(node, "lineno", None) is None:
                node.lineno, node.col_offset, node.end_lineno, node.end_col_offset = where
            else:
                where = (
                    node.lineno,
                    getattr(node, "col_offset", None) or 0,
                    getattr(node, "end_lineno", None) or node.lineno,
                    getattr(node, "end_col_offset", None) or 0,
                )
        if isinstance(node, gast.If):
            elif_chain = len(node.orelse) == 1 and isinstance(node.orelse[0], gast.If)
            if not node.body and node.orelse and not elif_chain:  # (`if c: pass elif ...` stays flat)
                test = node.test
                if isinstance(test, gast.UnaryOp) and isinstance(test.op, gast.Not):
                    node.test = test.operand
                else:
                    node.test = gast.UnaryOp(op=gast.Not(), operand=test)
                node.body, node.orelse = node.orelse, []
            if not node.body:
                node.body = [gast.Pass()]
        elif isinstance(node, gast.BinOp) and _negative_base(node):
            node.left = gast.UnaryOp(op=gast.USub(), operand=gast.Constant(value=-node.left.value, kind=None))
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                pending.extend((v, where) for v in value if isinstance(v, gast.AST))
            elif isinstance(value, gast.AST):
                pending.append((value, where))
    return tree


def _negative_base(node: gast.BinOp) -> bool:
    left = node.left
    return (
        isinstance(node.op, gast.Pow)
        and isinstance(left, gast.Constant)
        and type(left.value) in (int, float)
        and left.value < 0
    )


def to_source(node: gast.AST) -> str:
    """Readable Python source for a gast tree."""
    return _source_and_tree(node)[0]


def _source_and_tree(node: gast.AST, consume: bool = False) -> tuple[str, gast.AST]:
    """Source and the tidied tree it was printed from (``consume``: tidy ``node`` itself, not a
    copy -- a tree built only to be compiled need not be copied)."""
    tree = _tidy(node if consume else clone(node))
    return astor.to_source(gast.gast_to_ast(tree)), tree


def _statements(node: Any) -> Any:
    """Statements in source order (the same walk over a gast tree and its re-parsed ast)."""
    for field in ("body", "orelse"):
        for stmt in getattr(node, field, None) or []:
            yield stmt
            yield from _statements(stmt)


#: pseudo-filename -> (user's file, {line in the pseudo-file: user's line})
LINE_MAPS: dict[str, tuple[str, dict[int, int]]] = {}


def user_location(tb: Any) -> tuple[str, int] | None:
    """The user's file and line of the innermost generated statement in traceback ``tb``."""
    found = None
    while tb is not None:
        entry = LINE_MAPS.get(tb.tb_frame.f_code.co_filename)
        if entry is not None and tb.tb_lineno in entry[1]:
            found = (entry[0], entry[1][tb.tb_lineno])
        tb = tb.tb_next
    return found if found is None else user_line(*found)


def user_line(filename: str, line: int) -> tuple[str, int]:
    """The user's file and line that line ``line`` of generated ``filename`` comes from (itself
    for a file srcdiff did not generate).  Code generated from generated code (the forward mode
    of a gradient, for a Hessian) maps to the first generated file's lines: the maps are
    followed on to the user's own line."""
    found = (filename, line)
    seen = set()
    while found[0] in LINE_MAPS and found not in seen:
        seen.add(found)
        mapped, lines = LINE_MAPS[found[0]]
        if found[1] not in lines:
            break
        found = (mapped, lines[found[1]])
    return STANDS_FOR.get(found[0], found)  # (a function made for a partial: the function it calls)


def in_user_terms(err: SrcDiffError) -> SrcDiffError:
    """``err`` naming the user's file and line, where a transform of generated code raised it
    (or of a function made for a partial object or a library function with a rule: the
    function it stands for)."""
    if err.filename in STANDS_FOR:
        return type(err)(err.function, *STANDS_FOR[err.filename], err.problem, err.hint)
    if err.filename is None or err.filename not in LINE_MAPS or err.lineno is None:
        return err
    filename, line = user_line(err.filename, err.lineno)
    return type(err)(err.function, filename, line, err.problem, err.hint)


def compile_function(
    tree: gast.FunctionDef,
    globals_: dict[str, Any],
    cells: dict[str, types.CellType],
    label: str,
    defaults: tuple[Any, ...] | None = None,
    kwdefaults: dict[str, Any] | None = None,
    origin: tuple[str, int] | None = None,
    consume: bool = False,
) -> types.FunctionType:
    """Compile ``tree`` into a function whose free names ``cells`` provides.  ``origin`` is the
    user's file and the line its tree's line 1 stands for: generated lines map back to it.
    ``consume``: ``tree`` is not used again, so it is tidied in place (no copy).  The function's
    ``__srcdiff_source__`` is its source with line comments, ``__srcdiff_plain__`` without."""
    source, tidy = _source_and_tree(tree, consume)
    plain = source
    name = tree.name
    filename = f"<srcdiff {label} #{next(_counter)}>"
    free = sorted(cells)
    shift = 1 + len(free)  # the factory's own lines come first (see below)
    mapping: dict[int, int] = {}  # line in the source -> user's line
    try:
        parsed_function = ast.parse(source).body[0]
    except (IndentationError, RecursionError, MemoryError) as err:  # deeper than Python parses
        raise _too_deep(source, label, origin) from err
    if origin is not None:
        for made, parsed in zip(_statements(tidy), _statements(parsed_function)):
            if getattr(made, "lineno", None):
                mapping[parsed.lineno] = origin[1] + made.lineno - 1
        source = _annotate(source, mapping, os.path.basename(origin[0]))
    # The function is nested in a factory so its free names become closure variables;
    # the factory itself never runs: we take the inner code object and supply the cells.
    factory = "def __srcdiff_factory__():\n"
    factory += "".join(f"    {n} = None\n" for n in free)
    factory += textwrap.indent(source, "    ")
    factory += f"    return {name}\n"
    code = compile(_factory_tree(parsed_function, source, free, name), filename, "exec")
    factory_code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in factory_code.co_consts if isinstance(c, types.CodeType) and c.co_name == name)
    closure = tuple(cells[n] for n in inner.co_freevars)
    fn = types.FunctionType(inner, globals_, name, defaults, closure)
    fn.__kwdefaults__ = kwdefaults
    lines = factory.splitlines(keepends=True)
    linecache.cache[filename] = (len(factory), None, lines, filename)
    if origin is not None:
        LINE_MAPS[filename] = (origin[0], {line + shift: user for line, user in mapping.items()})
    weakref.finalize(fn, _forget, filename)  # the pseudo-file's lines go when the function does
    fn.__srcdiff_source__ = source  # type: ignore[attr-defined]
    fn.__srcdiff_plain__ = plain  # type: ignore[attr-defined]
    fn.__srcdiff_lines__ = [(line, origin[0], user) for line, user in sorted(mapping.items())] if origin else []  # type: ignore[attr-defined]
    return fn


#: Python's tokenizer refuses source indented more than this many levels (its MAXINDENT is 100).
MAX_INDENT = 99


def _factory_tree(inner: ast.stmt, source: str, free: list[str], name: str) -> ast.Module:
    """The factory (see :func:`compile_function`) as a tree: the function, parsed on its own at
    the left margin (``inner``, from ``source``), goes into the factory's body, so the factory
    costs no level of indentation -- code nested as deeply as Python allows in the user's file
    compiles.  Line numbers are those of the factory's text (linecache and tracebacks show it)."""
    ast.increment_lineno(inner, 1 + len(free))
    # the factory's own lines, with blank lines where the function stands (so they keep their numbers)
    skeleton = "def __srcdiff_factory__():\n" + "".join(f"    {n} = None\n" for n in free)
    skeleton += "\n" * source.count("\n") + f"    return {name}\n"
    module = ast.parse(skeleton)
    factory = module.body[0]
    assert isinstance(factory, ast.FunctionDef)
    factory.body.insert(len(free), inner)
    return module


def _too_deep(source: str, label: str, origin: tuple[str, int] | None) -> SrcDiffError:
    """The generated code nests blocks deeper than Python compiles (the transform added levels
    to code that was already close to the limit)."""
    depth = max((len(line) - len(line.lstrip(" "))) // 4 for line in source.splitlines() if line.strip())
    return UnsupportedSyntaxError(
        label,
        origin[0] if origin else None,
        origin[1] if origin else None,
        f"the generated code would nest {depth} levels of indentation, and Python compiles at most {MAX_INDENT}",
        "nest fewer blocks (ifs and loops): move inner blocks into a helper function",
    )


def _forget(filename: str) -> None:
    linecache.cache.pop(filename, None)
    LINE_MAPS.pop(filename, None)


def _annotate(source: str, mapping: dict[int, int], filename: str) -> str:
    """End each statement that starts the code for another line of the user's with a comment
    naming that line (tracebacks and warnings quote these lines, so they point at the user's code)."""
    lines = source.splitlines()
    previous = None
    for line in sorted(mapping):
        user = mapping[line]
        if user != previous and not lines[line - 1].rstrip().endswith(":"):
            lines[line - 1] = f"{lines[line - 1]}  # {filename}:{user}"
        previous = user
    return "\n".join(lines) + "\n"
