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

import builtins
import inspect
import linecache
import textwrap
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gast

from .errors import SourceUnavailableError, UnsupportedSyntaxError


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
        """A check that ``name`` still means what it means now (see :func:`guard_holds`)."""
        found, value = self.resolve(name)
        cell = self.cells.get(name)
        if cell is not None:
            return ("cell", cell, name, value)
        if name in self.globals:
            return ("global", self.globals, name, value)
        return ("builtin", self.globals, name, value if found else _MISSING)

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


def guard_holds(guard: Guard) -> bool:
    """True while the name still refers to the same object (no rebinding since the transform)."""
    where, container, name, value = guard
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
    if not isinstance(tree, gast.FunctionDef) or tree.name != code.co_name:
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
    return CapturedFunction(fn, name, tree, filename, first_line, fn.__globals__, cells)
