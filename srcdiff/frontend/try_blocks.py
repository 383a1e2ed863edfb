"""A ``try`` statement's body as a function of its own, run first to learn which path the
function takes; the differentiated code then runs that path (the body, or one ``except``
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
>>> trial = try_trial(captured.tree.body[0], captured, {"a", "b", "y"}, set())
>>> trial.arguments
['a', 'b']
>>> print(trial.source.strip())
def try_body(a, b):
    try:
        y = np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        return 0
    return -1
"""

from __future__ import annotations

import builtins
import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import astor
import gast

from ..syntax import assign, clone, dotted_path, load, store
from .capture import CapturedFunction
from .inline import MUTATING_METHODS

_LEFT_OUT = ("print", "logging.", "logger.", "log.", "warnings.warn")  # calls the trial skips


@dataclass
class TryTrial:
    """The body of one ``try`` as a function: ``fn(*arguments)`` returns the index of the
    ``except`` clause it ends in (-1: none), with the exception when ``with_error``."""

    fn: Callable[..., Any]
    arguments: list[str]
    with_error: bool
    source: str


class TryRefused(Exception):
    def __init__(self, node: gast.AST, problem: str, hint: str) -> None:
        super().__init__(problem)
        self.node, self.problem, self.hint = node, problem, hint


def try_trial(s: gast.Try, captured: CapturedFunction, local_names: set[str], local_functions: set[str]) -> TryTrial:
    """The trial function of ``s``, reading the function's variables it needs as arguments."""
    body = [_rewritten(stmt) for stmt in clone(s.body)]
    loaded, stored = _names(body)
    for handler in s.handlers:
        if handler.type is not None:
            loaded |= _names([gast.Expr(value=handler.type)])[0]
    variables = local_names | set(captured.cells)
    if loaded & local_functions:
        name = sorted(loaded & local_functions)[0]
        raise TryRefused(s, f"a `try` body calling the local function `{name}`", "define it at module level")
    first_stored = _stored_first(body)
    arguments = sorted(n for n in loaded if n in variables and n not in first_stored)
    for n in sorted(loaded - set(arguments) - stored):
        if not captured.resolve(n)[0] and not hasattr(builtins, n):
            raise TryRefused(s, f"a `try` body reading `{n}` before it is set", "set it before the `try`")
    copies = _written_into(body, s) & set(arguments)
    with_error = any(h.name for h in s.handlers)
    handlers = []
    for i, handler in enumerate(s.handlers):
        result: gast.expr = gast.Tuple(elts=[gast.Constant(value=i, kind=None), load("_error")], ctx=gast.Load())
        handlers.append(
            gast.ExceptHandler(
                type=handler.type if handler.type is not None else load("BaseException"),
                name=store("_error") if with_error else None,
                body=[gast.Return(value=result if with_error else gast.Constant(value=i, kind=None))],
            )
        )
    done: gast.expr = _done(with_error)
    prologue = [assign(n, gast.Call(func=load("_copy"), args=[load(n)], keywords=[])) for n in sorted(copies)]
    params = [gast.Name(id=n, ctx=gast.Param(), annotation=None, type_comment=None) for n in arguments]
    fn_def = gast.FunctionDef(
        name="try_body",
        args=gast.arguments(
            args=params, posonlyargs=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]
        ),
        body=prologue + [gast.Try(body=body, handlers=handlers, orelse=[], finalbody=[]), gast.Return(value=done)],
        decorator_list=[],
        returns=None,
        type_comment=None,
        type_params=[],
    )
    source = astor.to_source(gast.gast_to_ast(gast.fix_missing_locations(gast.Module(body=[fn_def], type_ignores=[]))))
    indented = "".join("    " + line + "\n" for line in source.splitlines())
    maker = "def _make(_copy):\n" + indented + "    return try_body\n"
    made: dict[str, Any] = {}
    exec(compile(maker, f"<srcdiff try body {captured.filename}:{captured.line(s)}>", "exec"), captured.globals, made)
    fn = made["_make"](copy.copy)
    fn.__srcdiff_trial__ = source  # (srcdiff.tools.export writes it out with the code calling it)
    return TryTrial(fn, arguments, with_error, source)


def _done(with_error: bool) -> gast.expr:
    minus_one = gast.Constant(value=-1, kind=None)
    if not with_error:
        return minus_one
    return gast.Tuple(elts=[minus_one, gast.Constant(value=None, kind=None)], ctx=gast.Load())


def _rewritten(stmt: gast.stmt, in_loop: bool = False) -> gast.stmt:
    """``stmt`` as the trial runs it: ``return``/``break``/``continue`` of the body end the trial
    (the body got that far without an error), ``x += v`` rebinds, ``print`` is skipped."""
    if isinstance(stmt, gast.Return):
        value = stmt.value if stmt.value is not None else gast.Constant(value=None, kind=None)
        return gast.If(test=gast.Constant(value=True, kind=None), body=[gast.Expr(value=value), _END], orelse=[])
    if isinstance(stmt, (gast.Break, gast.Continue)) and not in_loop:
        return _END
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
            setattr(stmt, field, [_rewritten(s, loop and field == "body" or in_loop) for s in inner])
    for handler in getattr(stmt, "handlers", []):
        handler.body = [_rewritten(s, in_loop) for s in handler.body]
    return stmt


_END = gast.Return(value=gast.Constant(value=-1, kind=None))


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
