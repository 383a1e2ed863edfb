"""What every piece of the normalizer shares: its state, the tables of refused constructs, and
the queries of what a name refers to.

The normalizer is one class, :class:`srcdiff.frontend.normalize._Normalizer`, assembled from
one class per construct.  Each derives from the classes indented under it, whose methods it
calls (an assignment's value is an expression, a loop body holds assignments)::

    _Normalizer                     normalize.py              the single exit; unread flags dropped
      StatementNormalizer           normalize_statements.py   statement lists, if, return, break, continue
        LoopNormalizer              normalize_loops.py        while and for
          AssignmentNormalizer      normalize_targets.py      assignments and their targets
            ExpressionNormalizer    normalize_expressions.py  expressions into atoms and primitives
              CallForms             normalize_calls.py        calls written as other calls first
                NormalizerBase      normalize_base.py         state, refusals, what a name refers to
      ScopeChecks                   normalize_scope.py        refusals read from the whole function first
        NormalizerBase

Statements and loops contain each other; the one call upward, a loop body normalized as a
statement list, is declared in :class:`~srcdiff.frontend.normalize_loops.LoopNormalizer`.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Any

import gast

from ..errors import UnsupportedSyntaxError
from ..runtime import TEMPLATE_HELPERS as RUNTIME_HELPERS
from ..syntax import dotted_path, load, stored_names
from .capture import CapturedFunction
from .dict_literals import dicts_made
from .lifted import lifted_functions
from .local_functions import local_functions
from .naming import Namer, names_in

REFUSED_STATEMENTS: dict[type, tuple[str, str]] = {
    gast.TryStar: ("`try` with `except*` is not supported", "catch the exception group with a plain `except`"),
    gast.AsyncWith: ("`async with` is not supported", "differentiate a synchronous function"),
    gast.AsyncFor: ("`async for` is not supported", "differentiate a synchronous function"),
    gast.ClassDef: ("a class defined inside the function is not supported", "define the class at module level"),
    gast.FunctionDef: (
        "a function defined inside the function is not supported yet",
        "define the helper at module level and call it; srcdiff differentiates module-level helpers",
    ),
    gast.AsyncFunctionDef: ("a function defined inside the function is not supported yet", "define it at module level"),
    gast.Import: ("an import inside the function is not supported yet", "import at module level"),
    gast.ImportFrom: ("an import inside the function is not supported yet", "import at module level"),
}

REFUSED_EXPRESSIONS: dict[type, tuple[str, str]] = {
    gast.Lambda: (
        "lambda expressions are not supported yet here (one bound to a name at the top of the function, "
        "or handed to a helper, is)",
        "bind it at the top of the function (`g = lambda v: ...`) and call it, or define a module-level function",
    ),
    gast.SetComp: ("set comprehensions are not supported", "write a for loop"),
    gast.DictComp: ("dict comprehensions are not supported yet", "write a for loop"),
    gast.Yield: ("`yield` is not supported", "return a value (or a list of values) instead"),
    gast.YieldFrom: ("`yield from` is not supported", "return a value instead"),
    gast.Await: ("`await` is not supported", "differentiate a synchronous function"),
    gast.NamedExpr: ("assignment expressions (`:=`) are not supported yet", "assign in a statement of its own"),
    gast.Starred: ("starred arguments (`*args`) are not supported yet", "pass the arguments one by one"),
    gast.Dict: ("dict literals are not supported yet", "use separate variables"),
    gast.Set: ("set literals are not supported", "use a tuple or list"),
}


@dataclass
class Loop:
    """The exit flags of the loop being normalized, made when a ``break`` or ``continue`` needs one."""

    break_flag: str | None = None
    continue_flag: str | None = None


class NormalizerBase:
    """The normalizer's state, its errors, its runtime helpers, and what a name refers to."""

    def __init__(self, captured: CapturedFunction) -> None:
        self.captured = captured
        tree = captured.tree
        self.namer = Namer(names_in(tree))
        args = tree.args
        gathered = [a for a in (args.vararg, args.kwarg) if a is not None]  # (a tuple, a dict)
        self.params = [a.id for a in args.posonlyargs + args.args + args.kwonlyargs + gathered]
        self.locals = set(self.params) | stored_names(tree.body)
        self.only_range_indices = _only_range_indices(tree) - set(self.params)
        self.local_functions = local_functions(tree)  # written into their calls
        # local functions a gradient is made of: functions of their own, the variables they read passed
        self.lifted = lifted_functions(tree, self.locals, set(captured.cells), captured.resolve, captured.globals)
        # dicts the function makes: a write into one no other name sees is a new dict bound to it
        self.updatable_dicts, self.shared_dicts = dicts_made(tree)
        self.control: set[str] = set()
        self.flags: set[str] = set()  # break/continue/return flags: reassigned inside what they guard
        self.helpers: dict[str, Any] = {}  # runtime helpers the normalized code calls, by name
        self.made_guards: list[Any] = []  # what the names a gradient made here was made of meant (CallForms)
        # where an early return leaves the result, and its flag (made by _Normalizer.run when needed)
        self.result_name: str | None = None
        self.returned_flag: str | None = None

    # -- errors and runtime helpers -------------------------------------------------------

    def refuse(self, node: gast.AST, problem: str, hint: str) -> UnsupportedSyntaxError:
        return UnsupportedSyntaxError(
            self.captured.name, self.captured.filename, self.captured.line(node), problem, hint
        )

    def helper(self, name: str) -> str:
        """The name under which normalized code calls runtime helper ``name``."""
        for alias, fn in self.helpers.items():
            if fn is RUNTIME_HELPERS[name]:
                return alias
        alias = self.namer.prefer(name)
        self.helpers[alias] = RUNTIME_HELPERS[name]
        return alias

    # -- what a name refers to ------------------------------------------------------------
    def _is_static(self, func: gast.expr) -> bool:
        """A dotted name that refers to a module-level object, not to a local variable."""
        node = func
        while isinstance(node, gast.Attribute):
            node = node.value
        return isinstance(node, gast.Name) and node.id not in self.locals

    def _is_builtin_call(self, node: gast.expr, name: str) -> bool:
        if not (isinstance(node, gast.Call) and isinstance(node.func, gast.Name)):
            return False
        if node.func.id in self.locals:
            return False
        found, value = self.captured.resolve(node.func.id)
        return found and value is getattr(builtins, name)

    def calls(self, node: gast.expr, fn: object) -> bool:
        """Is ``node`` a call of module-level ``fn`` (by whatever name the function reaches it)?"""
        if not (isinstance(node, gast.Call) and self._is_static(node.func)):
            return False
        path = dotted_path(node.func)
        if path is None:
            return False
        head, *attrs = path.split(".")
        found, value = self.captured.resolve(head)
        for attr in attrs:
            value = getattr(value, attr, None)
        return found and value is fn

    def _is_checkpointed(self, node: gast.expr) -> bool:
        """Is ``node`` a call of :func:`srcdiff.checkpointed` (by any name it is reached under)?"""
        return self.calls(node, RUNTIME_HELPERS["checkpointed"])


def _only_range_indices(tree: gast.FunctionDef) -> set[str]:
    """Names bound only as the target of ``for ... in range(...)``: the adjoint can rebind them itself."""
    range_targets: set[int] = set()
    for node in gast.walk(tree):
        if (
            isinstance(node, gast.For)
            and isinstance(node.target, gast.Name)
            and isinstance(node.iter, gast.Call)
            and isinstance(node.iter.func, gast.Name)
            and node.iter.func.id == "range"
        ):
            range_targets.add(id(node.target))
    names: set[str] = set()
    other: set[str] = set()
    for node in gast.walk(tree):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
            (names if id(node) in range_targets else other).add(node.id)
    return names - other


def any_of(flags: list[str]) -> gast.expr:
    """Whether any of the exit flags is set."""
    if len(flags) == 1:
        return load(flags[0])
    return gast.BoolOp(op=gast.Or(), values=[load(f) for f in flags])


def none_of(flags: list[str]) -> gast.expr:
    """Whether none of the exit flags is set: the guard of what runs after them."""
    return gast.UnaryOp(op=gast.Not(), operand=any_of(flags))
