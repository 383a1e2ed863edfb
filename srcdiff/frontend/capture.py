"""Source capture: from a live function object to its gast tree and namespace.

The generated derivative must see the same names as the original, so besides
the syntax tree we keep the function's globals (the live module dict) and its
closure cells (shared, not copied, so a later rebinding is seen too).

>>> def square(x):
...     return x * x
>>> captured = capture(square)
>>> captured.name, [a.id for a in captured.tree.args.args]
('square', ['x'])
"""

from __future__ import annotations
import __future__

import builtins
import importlib.machinery
import inspect
import linecache
import os
import symtable
import sys
import textwrap
import types
import weakref
import zipimport
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gast
import numpy as np

from ..errors import SourceUnavailableError, UnsupportedSyntaxError
from .function_attributes import attributes_as_variables


@dataclass
class CapturedFunction:
    """A function's syntax tree plus everything needed to resolve its names."""

    fn: Callable[..., Any]
    name: str
    tree: gast.FunctionDef
    filename: str
    first_line: int  # line of the tree's line 1 in ``filename``
    globals: dict[str, Any]
    cells: dict[str, types.CellType] = field(default_factory=dict)

    def line(self, node: gast.AST) -> int:
        """The line in the user's file where ``node`` stands."""
        return self.first_line + getattr(node, "lineno", 1) - 1

    def guard(self, name: str) -> Guard:
        """A check that ``name`` still means what it means now (see :func:`guard_holds`); for
        data (an array, a float) that it still holds data of the same kind (see :class:`Like`):
        generated code reads such names when it runs, and is specialized on their kind only."""
        found, value = self.resolve(name)
        cell = self.cells.get(name)
        like = Like.of(value)
        if cell is not None:
            return _IdentityGuard(("cell", cell, name, value) if like is None else ("cell-like", cell, name, like))
        if name in self.globals:
            return _IdentityGuard(
                ("global", self.globals, name, value) if like is None else ("global-like", self.globals, name, like)
            )
        return _IdentityGuard(("builtin", self.globals, name, value if found else _MISSING))

    def resolve(self, name: str) -> tuple[bool, Any]:
        """Look a free name up the way Python would: closure, globals, builtins."""
        cell = self.cells.get(name)
        if cell is not None:
            try:
                return True, cell.cell_contents
            except ValueError:
                return False, None
        if name in self.globals:
            return True, self.globals[name]
        if hasattr(builtins, name):
            return True, getattr(builtins, name)
        return False, None


_MISSING = object()
Guard = tuple[str, Any, str, Any]


class _IdentityGuard(tuple[str, Any, str, Any]):
    """A guard that compares its container and value by identity, as :func:`guard_holds` does.

    Plain tuple equality would compare the values with ``==``, which for a closure or global
    bound to an array is elementwise (an error, or a wrong answer); the caches only ever need
    to know whether two guards watch the same binding of the same object.
    """

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, tuple) or len(other) != 4:
            return False
        return all(a is b or (type(a) in (str, Like) and a == b) for a, b in zip(self, other))

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        value = self[3]
        return hash((self[0], id(self[1]), self[2], value if type(value) is Like else id(value)))


class Like:
    """The kind of a module-level or closure value generated code is specialized on: an array's
    type, shape and dtype; a float's type; an int's, bool's or string's value (they may be
    folded into the code: ``range(N)``, an axis).  Rebinding ``X`` to another array of the same
    shape keeps the code; to one of another shape, generates it again.

    >>> Like.of(np.zeros((2, 3))) == Like.of(np.ones((2, 3))), Like.of(np.zeros(3)) == Like.of(np.zeros(4))
    (True, False)
    >>> Like.of(0.5) == Like.of(2.0), Like.of(3) == Like.of(4), Like.of(print)
    (True, False, None)
    """

    __slots__ = ("key",)

    def __init__(self, key: tuple[Any, ...]) -> None:
        self.key = key

    @staticmethod
    def of(value: Any) -> Like | None:
        kind = type(value)
        if kind is np.ndarray and value.dtype.kind in "biufc":
            return Like((kind, value.shape, value.dtype))
        if kind in (float, complex) or isinstance(value, (np.floating, np.complexfloating)):
            return Like((kind,))
        if kind in (int, bool, str):
            return Like((kind, value))
        return None

    def matches(self, value: Any) -> bool:
        kind = type(value)
        key = self.key
        if kind is not key[0]:
            return False
        if kind is np.ndarray:
            return bool(value.shape == key[1] and value.dtype == key[2])
        return len(key) == 1 or value == key[1]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Like) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)


def guard_holds(guard: Guard) -> bool:
    """True while the name still refers to the same object (no rebinding since the transform),
    or for data, to data of the same kind."""
    where, container, name, value = guard
    if where == "global-like":
        return value.matches(container.get(name, _MISSING))
    if where == "cell-like":
        try:
            return value.matches(container.cell_contents)
        except ValueError:
            return False
    if where == "cell":
        try:
            return container.cell_contents is value
        except ValueError:
            return False
    if where == "global":
        return container.get(name, _MISSING) is value
    if where == "attribute":  # a function whose code object was replaced has new code
        return getattr(container, name, _MISSING) is value
    return name not in container  # a builtin, as long as no global shadows it


def capture(fn: Callable[..., Any]) -> CapturedFunction:
    """Read ``fn``'s source and parse it; raise a :class:`SrcDiffError` if we cannot."""
    name = getattr(fn, "__name__", repr(fn))
    if inspect.ismethod(fn):
        raise SourceUnavailableError(
            name,
            fn.__func__.__code__.co_filename,
            fn.__func__.__code__.co_firstlineno,
            "bound methods are not supported yet",
            "differentiate a plain function that takes the object's values as arguments",
        )
    if not isinstance(fn, types.FunctionType):
        raise SourceUnavailableError(
            name,
            None,
            None,
            f"{name!r} is a {type(fn).__name__}, not a Python function, so it has no source to transform",
            "differentiate a Python function that calls it; give srcdiff a derivative rule for it",
        )
    code = fn.__code__
    filename = code.co_filename
    if inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn):
        raise UnsupportedSyntaxError(
            name,
            filename,
            code.co_firstlineno,
            "generator functions are not supported",
            "return a value instead of yielding; collect results in a list",
        )
    if inspect.iscoroutinefunction(fn):
        raise UnsupportedSyntaxError(
            name,
            filename,
            code.co_firstlineno,
            "async functions are not supported",
            "differentiate a plain (synchronous) function",
        )
    try:
        # the code object, not the function: inspect would follow __wrapped__ to another function
        lines, first_line = inspect.getsourcelines(code)
    except (OSError, TypeError):
        where = (
            "was made by exec, typed at the prompt or piped through stdin"
            if filename.startswith("<")
            else "comes from a file that is no longer readable"
        )
        raise SourceUnavailableError(
            name,
            filename,
            code.co_firstlineno,
            f"its source cannot be read: Python keeps no source for a function that {where}",
            "define the function in a .py file (or a notebook cell) and import it from there",
        ) from None
    if _checkable(fn, filename) and not _matches_code(code, lines):
        raise SourceUnavailableError(
            name,
            filename,
            first_line,
            f"the source of `{name}` in {os.path.basename(filename)} is not the code that runs: the file "
            "changed since it was imported (or the function was compiled from other text under this name)",
            "reload the module (importlib.reload) or restart Python, so the running code matches the file",
        )
    source = textwrap.dedent("".join(lines))
    try:
        module = gast.parse(source)
    except SyntaxError as err:
        # Typically a lambda or a function whose source shares a line with other code.
        raise SourceUnavailableError(
            name,
            filename,
            first_line,
            f"its source could not be parsed on its own ({err.msg})",
            "write the function as a `def` statement of its own",
        ) from None
    tree = module.body[0] if module.body else None
    if code.co_name == "<lambda>":  # (``T = lambda A: ...``: the lambda as a def of its own)
        tree = _lambda_as_def(module, code, len(lines[0].rstrip("\n")) - len(source.splitlines()[0])) or tree
    if not isinstance(tree, gast.FunctionDef) or tree.name != code.co_name and code.co_name != "<lambda>":
        raise SourceUnavailableError(
            name,
            filename,
            first_line,
            "its source is not a plain `def` statement",
            "write the function as a `def` statement of its own (lambdas are not supported)",
        )
    tree.decorator_list = []
    cells = dict(zip(code.co_freevars, fn.__closure__ or ()))
    # Keep linecache warm so later error messages can quote the user's line.
    linecache.getlines(filename)
    captured = CapturedFunction(fn, name, tree, filename, first_line, fn.__globals__, cells)
    found, value = captured.resolve(tree.name)
    if found and value is fn:  # (its attributes are this function's)
        captured.tree = attributes_as_variables(tree)
    return captured


# code object -> (the source text it was checked against, whether that text compiles to it)
_checked_sources: weakref.WeakKeyDictionary[types.CodeType, tuple[str, bool]] = weakref.WeakKeyDictionary()
_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag


def _lambda_as_def(module: gast.Module, code: types.CodeType, dedent: int) -> gast.FunctionDef | None:
    """The lambda of ``code`` in ``module`` (parsed from its lines, ``dedent`` columns to the left) as
    ``def lambda_line<n>(...): return <body>``; None unless exactly one lambda there has its
    parameters and holds the position of its code."""
    params = list(code.co_varnames[: code.co_argcount + code.co_posonlyargcount + code.co_kwonlyargcount])
    found_positions: list[tuple[Any, ...]] = list(getattr(code, "co_positions", list)())  # (Python 3.11 on)
    positions = [(line, col) for line, _, col, _ in found_positions if line is not None and col is not None]
    first_line = code.co_firstlineno
    candidates = []
    for node in gast.walk(module):
        if not isinstance(node, gast.Lambda):
            continue
        args = node.args
        names = [a.id for a in args.posonlyargs + args.args + args.kwonlyargs]
        if names != params or bool(args.vararg) != bool(code.co_flags & inspect.CO_VARARGS):
            continue
        body = node.body
        start = (body.lineno, body.col_offset)
        end = (getattr(body, "end_lineno", body.lineno), getattr(body, "end_col_offset", body.col_offset))
        # (positions are the file's lines; the source's first line is the code's first line)
        inside = [p for p in positions if start <= (p[0] - first_line + 1, p[1] - dedent) <= end]
        if positions and not inside:
            continue
        candidates.append(node)
    if len(candidates) != 1:
        return None
    found = candidates[0]
    name = f"lambda_line{first_line + found.lineno - 1}"
    body = [gast.copy_location(gast.Return(value=found.body), found.body)]
    tree = gast.FunctionDef(
        name=name, args=found.args, body=body, decorator_list=[], returns=None, type_comment=None, type_params=[]
    )
    return gast.copy_location(tree, found)


def _checkable(fn: types.FunctionType, filename: str) -> bool:
    """Can the source of ``fn`` go stale, and would compiling it reproduce the running code?
    Not for pseudo-files (``<doctest ...>``, srcdiff's own) or text kept only in memory
    (notebook cells); not for modules an import hook rewrote (pytest rewrites ``assert``)."""
    entry = linecache.cache.get(filename)
    if filename.startswith("<") or entry is None or len(entry) < 4 or entry[1] is None:
        return False
    module = sys.modules.get(getattr(fn, "__module__", None) or "")
    loader = getattr(module, "__loader__", None) if getattr(module, "__file__", None) == filename else None
    return loader is None or isinstance(loader, (importlib.machinery.SourceFileLoader, zipimport.zipimporter))


def _matches_code(code: types.CodeType, lines: list[str]) -> bool:
    """Does the source text srcdiff read (``lines``, from the file as it is now) compile to the
    code that runs?  Not when the file was edited after the import (or the code was compiled from
    other text under the file's name): srcdiff would differentiate text that does not run.
    The answer is cached per code object and text; a text it cannot check counts as a match."""
    text = "".join(lines)
    cached = _checked_sources.get(code)
    if cached is not None and cached[0] == text:
        return cached[1]
    compiled = _compile_like(code, lines)
    found = True if compiled is None else _same_code(compiled, code)
    _checked_sources[code] = (text, found)
    return found


def _compile_like(code: types.CodeType, lines: list[str]) -> types.CodeType | None:
    """Compile ``lines`` in place (same indentation, so string constants stay the same) inside a
    scope like the function's own: an enclosing function defining its free variables (they load
    as closure cells, not globals) and the class it was defined in (private names are mangled)."""
    indent = len(lines[0]) - len(lines[0].lstrip())
    imported = _module_imports(code.co_filename)
    if imported is None:  # the file does not parse: it is not the text that was imported
        return _NO_SUCH_CODE
    # (from 3.11 an attribute of a module-level import is loaded differently: imports matter)
    wrapper: list[str] = [f"import {name}\n" for name in sorted(imported)]
    if indent:
        wrapper.append("def __srcdiff_scope__():\n")
        wrapper += [f" {v} = None\n" for v in code.co_freevars]
        parts = getattr(code, "co_qualname", code.co_name).split(".")[:-1]
        classes = [p for i, p in enumerate(parts) if p != "<locals>" and parts[i + 1 : i + 2] != ["<locals>"]]
        if classes:
            if indent < 2:
                return None  # no room for the class line: cannot check
            wrapper.append(f" class {classes[-1]}:\n")
        if not code.co_freevars and not wrapper[-1].startswith(" class"):
            wrapper.append(" pass\n")
    try:
        module = compile("".join(wrapper + lines), code.co_filename, "exec", code.co_flags & _FUTURE_FLAGS, True)
    except (SyntaxError, ValueError):  # not a statement of its own (a lambda): nothing to compare
        return None
    found = _find_code(module, code.co_name, code)
    return found if found is not None else _NO_SUCH_CODE


_NO_SUCH_CODE = compile("", "<none>", "exec")  # what the text compiles to when it has no such function
_imports: dict[str, tuple[list[str], frozenset[str] | None]] = {}


def _module_imports(filename: str) -> frozenset[str] | None:
    """Names bound by an import at the top level of ``filename`` as it is now (``None`` if it does
    not parse); cached per file and text."""
    lines = linecache.getlines(filename)
    cached = _imports.get(filename)
    if cached is not None and cached[0] is lines:
        return cached[1]
    try:
        table = symtable.symtable("".join(lines), filename, "exec")
        found: frozenset[str] | None = frozenset(s.get_name() for s in table.get_symbols() if s.is_imported())
    except (SyntaxError, ValueError):
        found = None
    _imports[filename] = (lines, found)
    return found


def _find_code(code: types.CodeType, name: str, like: types.CodeType) -> types.CodeType | None:
    """The code named ``name`` in ``code`` (of several lambdas on the lines, one like ``like``)."""
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            if const.co_name == name and (name != "<lambda>" or _same_code(const, like)):
                return const
            found = _find_code(const, name, like)
            if found is not None:
                return found
    return None


def _same_code(a: types.CodeType, b: types.CodeType) -> bool:
    """Same instructions, names and constants (nested code compared alike); line numbers and
    columns may differ (the text may have moved)."""
    if (a.co_code, a.co_names, a.co_varnames, a.co_freevars, a.co_cellvars, a.co_argcount) != (
        b.co_code,
        b.co_names,
        b.co_varnames,
        b.co_freevars,
        b.co_cellvars,
        b.co_argcount,
    ):
        return False
    if len(a.co_consts) != len(b.co_consts):
        return False
    for x, y in zip(a.co_consts, b.co_consts):
        if isinstance(x, types.CodeType) and isinstance(y, types.CodeType):
            if not _same_code(x, y):
                return False
        elif type(x) is not type(y) or x != y:
            return False
    return True
