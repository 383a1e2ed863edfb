"""A ``try`` statement's body as a function of its own, run first to learn which path the
function takes -- how many of the body's statements ran, and which ``except`` clause caught the
error; the differentiated code then runs that path (those statements, then ``else`` or the
clause) as plain statements.

The trial runs the body's statements as written, so it must leave no trace: it may not change
attributes or draw random numbers; arrays and lists it writes into are copies; ``print`` and
``logging`` calls are left out (they run once, on the path taken); ``x += v`` rebinds.  The body
thus runs twice -- the price of differentiating exactly the path the original takes.

>>> import numpy as np, srcdiff.frontend.capture as c
>>> def f(a, b):
...     try:
...         y = np.linalg.solve(a, b)
...     except np.linalg.LinAlgError:
...         y = b
...     return np.sum(y)
>>> captured = c.capture(f)
>>> trial = try_trial(captured.tree.body[0], captured, set())
>>> trial.arguments
['a', 'b']
>>> trial.fn(np.eye(2), np.ones(2))[:2], trial.fn(np.zeros((2, 2)), np.ones(2))[:2]
((1, -1), (0, 0))
"""

from __future__ import annotations

import ast
import builtins
import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gast

from ..syntax import assign, clone, dotted_path, load, store
from .capture import CapturedFunction
from .inline import MUTATING_METHODS

_LEFT_OUT = ("print", "logging.", "logger.", "log.", "warnings.warn")  # calls the trial skips


@dataclass
class TryTrial:
    """The body of one ``try`` as a function: ``fn(*arguments)`` returns ``(completed, clause,
    error)`` -- how many of the body's statements ran to their end, the ``except`` clause the
    error was caught by (-1: none, the body completed) and the error."""

    fn: Callable[..., Any]
    arguments: list[str]
    source: str


class TryRefused(Exception):
    def __init__(self, node: gast.AST, problem: str, hint: str) -> None:
        super().__init__(problem)
        self.node, self.problem, self.hint = node, problem, hint


def try_trial(s: gast.Try, captured: CapturedFunction, local_functions: set[str]) -> TryTrial:
    """The trial function of ``s``, reading the function's variables it needs as arguments: the
    names it reads that the function binds outside the ``try`` body (or takes as parameters),
    unless the body sets them first."""
    n = len(s.body)
    body: list[gast.stmt] = []
    for i, stmt in enumerate(s.body):
        body.append(_rewritten(clone(stmt), n))
        body.append(assign("_completed", gast.Constant(value=i + 1, kind=None)))
    loaded, stored = _names(body)
    for handler in s.handlers:
        if handler.type is not None:
            loaded |= _names([gast.Expr(value=handler.type)])[0]
    if loaded & local_functions:
        name = sorted(loaded & local_functions)[0]
        raise TryRefused(s, f"a `try` body calling the local function `{name}`", "define it at module level")
    outside = _bound_outside(captured.tree, s) | set(captured.cells)
    arguments = sorted(n for n in loaded if n in outside and n not in _stored_first(s.body))
    for name in sorted(loaded - set(arguments) - stored):
        if not captured.resolve(name)[0] and not hasattr(builtins, name):
            raise TryRefused(s, f"a `try` body reading `{name}` before it is set", "set it before the `try`")
    copies = _written_into(body, s) & set(arguments)
    partial = [i for i, stmt in enumerate(s.body) if not _leaves_no_trace(stmt)]
    handlers = [_caught(load("NameError"), None, partial, missing=True)]  # (a variable not handed over)
    for i, handler in enumerate(s.handlers):
        handlers.append(_caught(handler.type or load("BaseException"), i, partial))
    prologue = [assign(n, gast.Call(func=load("_copy"), args=[load(n)], keywords=[])) for n in sorted(copies)]
    prologue.append(assign("_completed", gast.Constant(value=0, kind=None)))
    params = [gast.Name(id=n, ctx=gast.Param(), annotation=None, type_comment=None) for n in arguments]
    fn_def = gast.FunctionDef(
        name="try_body",
        args=gast.arguments(
            args=params, posonlyargs=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]
        ),
        body=prologue + [gast.Try(body=body, handlers=handlers, orelse=[], finalbody=[]), gast.Return(value=_ran(n))],
        decorator_list=[],
        returns=None,
        type_comment=None,
        type_params=[],
    )
    module = gast.fix_missing_locations(gast.Module(body=[fn_def], type_ignores=[]))
    source = ast.unparse(gast.gast_to_ast(module)) + "\n"  # (ast writes every statement, match too)
    indented = "".join("    " + line + "\n" for line in source.splitlines())
    maker = "def _make(_copy, _refuse):\n" + indented + "    return try_body\n"
    made: dict[str, Any] = {}
    exec(compile(maker, f"<srcdiff try body {captured.filename}:{captured.line(s)}>", "exec"), captured.globals, made)
    fn = made["_make"](copy.copy, _refusal(captured, s))
    fn.__srcdiff_trial__ = source  # (srcdiff.tools.export writes it out with the code calling it)
    return TryTrial(fn, arguments, source)


def _ran(n: int) -> gast.expr:
    """``(n, -1, None)``: all ``n`` statements of the body ran, no clause caught anything."""
    items = [
        gast.Constant(value=n, kind=None),
        gast.Constant(value=-1, kind=None),
        gast.Constant(value=None, kind=None),
    ]
    return gast.Tuple(elts=items, ctx=gast.Load())


def _caught(kind: gast.expr, clause: int | None, partial: list[int], missing: bool = False) -> gast.ExceptHandler:
    """``except kind as _error``: the clause's result; refused where the error left a statement
    half done (a loop or block part run), which the derivative cannot follow."""
    if missing:
        body: list[gast.stmt] = [gast.Expr(value=gast.Call(func=load("_refuse"), args=[load("_error")], keywords=[]))]
    else:
        result = [load("_completed"), gast.Constant(value=clause, kind=None), load("_error")]
        body = [gast.Return(value=gast.Tuple(elts=result, ctx=gast.Load()))]
        if partial:
            test = gast.Compare(
                left=load("_completed"),
                ops=[gast.In()],
                comparators=[gast.Tuple(elts=[gast.Constant(value=i, kind=None) for i in partial], ctx=gast.Load())],
            )
            refuse = gast.Expr(
                value=gast.Call(func=load("_refuse"), args=[gast.Constant(value=None, kind=None)], keywords=[])
            )
            body.insert(0, gast.If(test=test, body=[refuse], orelse=[]))
    return gast.ExceptHandler(type=kind, name=store("_error"), body=body)


def _refusal(captured: CapturedFunction, s: gast.Try) -> Callable[[Any], None]:
    def refuse(missing: Any) -> None:
        from ..errors import UnsupportedSyntaxError

        if missing is not None:
            problem = f"the `try` body read a variable it was not given ({missing})"
            hint = "set the variables the body reads before the `try`"
        else:
            problem = "an error raised inside a loop or block of a `try` body, part of which had run"
            hint = "put the statement that may raise at the top level of the `try` body"
        raise UnsupportedSyntaxError(captured.name, captured.filename, captured.line(s), problem, hint)

    return refuse


def _leaves_no_trace(stmt: gast.stmt) -> bool:
    """A statement that, raising, leaves nothing half done: a simple statement, or an ``if`` or
    ``match`` whose every branch is checks only (``raise``, ``assert``, ``pass``: ``if x < 0:
    raise ValueError(...)``) or one such statement."""
    if isinstance(stmt, gast.If):
        branches = [stmt.body, stmt.orelse]
    elif isinstance(stmt, gast.Match):
        branches = [case.body for case in stmt.cases]
    else:
        return not isinstance(stmt, (gast.For, gast.While, gast.With, gast.Try))
    return all(_clean_branch(branch) for branch in branches)


def _clean_branch(stmts: list[gast.stmt]) -> bool:
    if all(isinstance(x, (gast.Raise, gast.Assert, gast.Pass)) for x in stmts):
        return True
    return len(stmts) == 1 and _leaves_no_trace(stmts[0])


def _bound_outside(tree: gast.FunctionDef, s: gast.Try) -> set[str]:
    """The function's parameters and the names it binds outside the ``try`` body ``s``."""
    inside = {id(n) for b in s.body for n in gast.walk(b)}
    params = {a.id for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs}
    for a in (tree.args.vararg, tree.args.kwarg):
        if a is not None:
            params.add(a.id)
    bound = set(params)
    for node in gast.walk(tree):
        if id(node) in inside:
            continue
        if isinstance(node, gast.Name) and isinstance(node.ctx, (gast.Store, gast.Del)):
            bound.add(node.id)
        elif isinstance(node, gast.ExceptHandler) and node.name is not None:
            bound.add(node.name.id)
        elif isinstance(node, gast.FunctionDef) and node is not tree:
            bound.add(node.name)
    return bound


def _rewritten(stmt: gast.stmt, n: int, in_loop: bool = False) -> gast.stmt:
    """``stmt`` as the trial runs it: ``return``/``break``/``continue`` of the body end the trial
    (the body got that far without an error: its ``n`` statements count as run), ``x += v``
    rebinds, ``print`` is skipped."""
    if isinstance(stmt, gast.Return):
        value = stmt.value if stmt.value is not None else gast.Constant(value=None, kind=None)
        return gast.If(
            test=gast.Constant(value=True, kind=None),
            body=[gast.Expr(value=value), gast.Return(value=_ran(n))],
            orelse=[],
        )
    if isinstance(stmt, (gast.Break, gast.Continue)) and not in_loop:
        return gast.Return(value=_ran(n))
    if isinstance(stmt, gast.AugAssign):
        read = clone(stmt.target)
        read.ctx = gast.Load()
        value = gast.BinOp(left=read, op=stmt.op, right=stmt.value)
        return gast.Assign(targets=[stmt.target], value=value, type_comment=None)
    if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call):
        path = dotted_path(stmt.value.func) or ""
        if path == "print" or path.startswith(_LEFT_OUT[1:]):
            return gast.Pass()
    for field in ("body", "orelse", "finalbody"):
        inner = getattr(stmt, field, None)
        if isinstance(inner, list) and not isinstance(stmt, (gast.FunctionDef, gast.ClassDef)):
            loop = in_loop or isinstance(stmt, (gast.For, gast.While))
            setattr(stmt, field, [_rewritten(x, n, loop and field == "body" or in_loop) for x in inner])
    for handler in getattr(stmt, "handlers", []):
        handler.body = [_rewritten(x, n, in_loop) for x in handler.body]
    for case in getattr(stmt, "cases", []):
        case.body = [_rewritten(x, n, in_loop) for x in case.body]
    return stmt


def _names(stmts: list[gast.stmt]) -> tuple[set[str], set[str]]:
    loaded: set[str] = set()
    stored: set[str] = set()
    for stmt in stmts:
        for node in gast.walk(stmt):
            if isinstance(node, gast.Name):
                (loaded if isinstance(node.ctx, gast.Load) else stored).add(node.id)
    return loaded, stored


def _stored_first(body: list[gast.stmt]) -> set[str]:
    """Names the body sets, at its top level, before anything in it reads them."""
    seen: set[str] = set()
    first: set[str] = set()
    for stmt in body:
        loaded, stored = _names([stmt])
        if isinstance(stmt, gast.Assign) and all(isinstance(t, gast.Name) for t in stmt.targets):
            first |= {t.id for t in stmt.targets if t.id not in seen and t.id not in loaded}  # type: ignore[attr-defined]
        seen |= loaded | stored
    return first


def _written_into(body: list[gast.stmt], at: gast.AST) -> set[str]:
    """The names whose values the body changes in place (the trial works on copies of them);
    refused: attribute writes and random draws, which a copy cannot undo."""
    written: set[str] = set()
    for stmt in body:
        for node in gast.walk(stmt):
            if isinstance(node, gast.Attribute) and isinstance(node.ctx, gast.Store):
                raise TryRefused(at, "a `try` body that sets an attribute", "set it after the `try`")
            if isinstance(node, gast.Subscript) and isinstance(node.ctx, (gast.Store, gast.Del)):
                base = node.value
                while isinstance(base, gast.Subscript):
                    base = base.value
                if isinstance(base, gast.Name):
                    written.add(base.id)
            if isinstance(node, gast.Call):
                path = dotted_path(node.func) or ""
                if "random" in path.split("."):
                    raise TryRefused(at, "a `try` body that draws random numbers", "draw them before the `try`")
                func = node.func
                if isinstance(func, gast.Attribute) and func.attr in MUTATING_METHODS:
                    if isinstance(func.value, gast.Name):
                        written.add(func.value.id)
                    else:
                        raise TryRefused(at, "a `try` body that changes a value in place", "change it after the `try`")
    return written
