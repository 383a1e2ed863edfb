"""Normalization: rewrite a function body into the small form the transforms read.

The normal form (every later pass relies on it):

* ``a[i] = v`` (an in-place write to a name, ``v`` an atom, ``i`` atoms) and
  ``xs.append(v)`` (as an expression statement) are the only mutations.
* ``x = <primitive>`` with a single name target, where a primitive is an atom
  (name or constant), one operator on atoms, a call whose arguments are atoms,
  a subscript or attribute of an atom, a tuple/list of atoms, or a *test*
  expression (comparison, ``not``, boolean operators) whose value is never
  differentiated.  The target never appears in its own right-hand side, except
  in an accumulation ``x = x + e`` / ``x = x - e``.
* ``if c:`` where ``c`` is a name assigned just before, never reassigned inside; in an
  ``elif`` chain (an ``else`` that holds just an ``if``) every test is assigned before the
  chain's first ``if``.
* ``while <test>:`` with the original test, and ``for i in <range>:`` where the
  range is a name or a ``range(...)`` of atoms; all other loops are lowered to
  index loops over ``range(len(seq))``.
* ``break`` only as the last statement of a loop body, as ``if flag: break``;
  every other ``break``, ``continue`` and ``return`` sets a flag and the
  statements after it are guarded by ``if not flag``.
* A single exit: the result is an atom, returned after the last statement.
* ``raise`` and ``assert`` stay as they are; calls for their effect stay as
  expression statements.

>>> def f(x):
...     for v in [x, 2.0]:
...         if v > 1.5:
...             return v
...     return x
>>> import srcdiff.frontend.capture as c
>>> from srcdiff.backend.emit import to_source
>>> print(to_source(normalize(c.capture(f)).as_function()))  # doctest: +NORMALIZE_WHITESPACE
def f(x):
    _ret = None
    _returned = False
    _t1 = [x, 2.0]
    _n1 = len(_t1)
    for _k1 in range(_n1):
        v = _t1[_k1]
        _c1 = v > 1.5
        if _c1:
            _ret = v
            _returned = True
        if _returned:
            break
    _c2 = not _returned
    if _c2:
        _ret = x
    return _ret
<BLANKLINE>
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Any

import gast
import numpy as np

from ..errors import UnsupportedSyntaxError
from ..runtime import TEMPLATE_HELPERS as RUNTIME_HELPERS
from ..syntax import (
    assign,
    call,
    clone,
    const,
    dotted_path,
    expr_stmt,
    if_,
    is_atom,
    load,
    loaded_names,
    located,
    stored_names,
)
from .capture import CapturedFunction, Guard
from .inline import MUTATING_METHODS, inline_effects
from .inline import base_name as _base_name
from .naming import Namer, names_in

#: Attribute of a normalized ``for`` loop marked by :func:`srcdiff.checkpointed`: the atom
#: holding its number of snapshots.
CHECKPOINT = "srcdiff_checkpoint"

_REFUSED_STATEMENTS: dict[type, tuple[str, str]] = {
    gast.Try: ("`try` statements are not supported yet", "move the try/except outside the differentiated function"),
    gast.With: ("`with` statements are not supported yet", "move the `with` block outside the differentiated function"),
    gast.AsyncWith: ("`async with` is not supported", "differentiate a synchronous function"),
    gast.AsyncFor: ("`async for` is not supported", "differentiate a synchronous function"),
    gast.ClassDef: ("a class defined inside the function is not supported", "define the class at module level"),
    gast.FunctionDef: (
        "a function defined inside the function is not supported yet",
        "define the helper at module level and call it; srcdiff differentiates module-level helpers",
    ),
    gast.AsyncFunctionDef: ("a function defined inside the function is not supported yet", "define it at module level"),
    gast.Delete: ("`del` is not supported yet", "let the variable go out of scope instead"),
    gast.Import: ("an import inside the function is not supported yet", "import at module level"),
    gast.ImportFrom: ("an import inside the function is not supported yet", "import at module level"),
}

_REFUSED_EXPRESSIONS: dict[type, tuple[str, str]] = {
    gast.Lambda: ("lambda expressions are not supported yet", "define a module-level function and call it"),
    gast.ListComp: ("list comprehensions are not supported yet", "write a for loop that appends to a list"),
    gast.SetComp: ("set comprehensions are not supported", "write a for loop"),
    gast.DictComp: ("dict comprehensions are not supported yet", "write a for loop"),
    gast.GeneratorExp: ("generator expressions are not supported yet", "write a for loop that accumulates the result"),
    gast.Yield: ("`yield` is not supported", "return a value (or a list of values) instead"),
    gast.YieldFrom: ("`yield from` is not supported", "return a value instead"),
    gast.Await: ("`await` is not supported", "differentiate a synchronous function"),
    gast.NamedExpr: ("assignment expressions (`:=`) are not supported yet", "assign in a statement of its own"),
    gast.Starred: ("starred arguments (`*args`) are not supported yet", "pass the arguments one by one"),
    gast.Dict: ("dict literals are not supported yet", "use separate variables"),
    gast.Set: ("set literals are not supported", "use a tuple or list"),
}

# Builtins that run code srcdiff never reads, or hand out the namespace as a dict (by id: all are
# builtin functions, and a user's global may shadow the name with something else).
_DYNAMIC_SCOPE = {
    id(getattr(builtins, name)): name
    for name in ("eval", "exec", "compile", "__import__", "locals", "globals", "vars", "dir")
}


def _dynamic_scope_message(name: str) -> tuple[str, str]:
    if name in ("eval", "exec", "compile"):
        return (
            f"`{name}` runs code srcdiff cannot read, so no derivative flows through it",
            "write the expression out as ordinary Python code in the function",
        )
    if name == "__import__":
        return ("`__import__` inside the function is not supported", "import the module at module level")
    return (
        f"`{name}()` reads variables through a dict, so no derivative flows through what it returns",
        "use the variables by name",
    )


_MUTATING_METHODS = {
    "append",
    "extend",
    "insert",
    "pop",
    "remove",
    "clear",
    "sort",
    "reverse",
    "update",
    "setdefault",
    "popitem",
    "add",
    "discard",
    "fill",
    "resize",
    "put",
    "itemset",
}

# Expressions whose value is a truth value or text: kept as written, never differentiated.
_TEST_EXPRESSIONS = (gast.Compare, gast.BoolOp, gast.JoinedStr)


@dataclass
class NormalizedFunction:
    """The function in normal form, plus what later passes need to know about it."""

    captured: CapturedFunction
    name: str
    args: gast.arguments
    params: list[str]
    body: list[gast.stmt]
    result: gast.expr  # an atom
    control_names: set[str] = field(default_factory=set)  # conditions, flags, counters: never differentiated
    may_return_none: bool = False  # some path may end without a return statement
    helpers: dict[str, Any] = field(default_factory=dict)  # runtime helpers it calls, by name
    namer: Namer = field(default_factory=Namer)
    guards: list[Guard] = field(default_factory=list)  # of the helpers inlined into it (srcdiff.frontend.inline)

    def as_function(self) -> gast.FunctionDef:
        body = self.body + [gast.Return(value=self.result)]
        return gast.FunctionDef(
            name=self.name,
            args=self.args,
            body=body,
            decorator_list=[],
            returns=None,
            type_comment=None,
            type_params=[],
        )


@dataclass
class _Loop:
    break_flag: str | None = None
    continue_flag: str | None = None


_INDEX_CONCATENATORS = tuple(type(c).__mro__[1] for c in (np.r_, np.c_))  # numpy's AxisConcatenator


class _Normalizer:
    def __init__(self, captured: CapturedFunction) -> None:
        self.captured = captured
        tree = captured.tree
        self.namer = Namer(names_in(tree))
        self.params = [a.id for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs]
        self.locals = set(self.params) | stored_names(tree.body)
        self.only_range_indices = _only_range_indices(tree) - set(self.params)
        self.control: set[str] = set()
        self.flags: set[str] = set()  # break/continue/return flags: reassigned inside what they guard
        self.helpers: dict[str, Any] = {}  # runtime helpers the normalized code calls, by name
        self.result_name: str | None = None
        self.returned_flag: str | None = None

    # -- errors ---------------------------------------------------------------------------
    def refuse(self, node: gast.AST, problem: str, hint: str) -> UnsupportedSyntaxError:
        return UnsupportedSyntaxError(
            self.captured.name, self.captured.filename, self.captured.line(node), problem, hint
        )

    # -- entry ----------------------------------------------------------------------------
    def run(self) -> NormalizedFunction:
        tree = self.captured.tree
        args = tree.args
        if args.vararg is not None or args.kwarg is not None:
            raise self.refuse(tree, "`*args` / `**kwargs` parameters are not supported yet", "name each parameter")
        self._check_scope_declarations(tree)
        self._check_dynamic_scope(tree)
        self._check_hidden_mutation(tree)
        body = list(tree.body)
        tail_return = bool(body) and isinstance(body[-1], gast.Return)
        before_tail = body[:-1] if tail_return else body
        other_returns = any(isinstance(n, gast.Return) for s in before_tail for n in gast.walk(s))
        prologue: list[gast.stmt] = []
        if tail_return and not other_returns:
            out, _ = self.block(body[:-1], None)
            result = self._return_value(body[-1], out)
        else:
            self.result_name = self.namer.prefer("_ret")
            self.returned_flag = self.namer.prefer("_returned")
            self.control.add(self.returned_flag)
            self.flags.add(self.returned_flag)
            prologue = [assign(self.result_name, const(None), tree), assign(self.returned_flag, const(False), tree)]
            out, _ = self.block(body, None)
            result = load(self.result_name)
        if self.returned_flag:
            _drop_tail_flag(out, self.returned_flag)
        body_out = _drop_unread_flags(prologue + out, self.control)
        may_return_none = isinstance(result, gast.Constant) and result.value is None or bool(prologue)
        return NormalizedFunction(
            self.captured,
            tree.name,
            args,
            self.params,
            body_out,
            result,
            self.control,
            may_return_none,
            self.helpers,
            self.namer,
        )

    def _check_scope_declarations(self, tree: gast.FunctionDef) -> None:
        for node in gast.walk(tree):
            if isinstance(node, (gast.Global, gast.Nonlocal)):
                written = [n for n in node.names if n in stored_names(tree.body)]
                if written:
                    kind = "global" if isinstance(node, gast.Global) else "nonlocal"
                    raise self.refuse(
                        node,
                        f"writing the {kind} variable {written[0]!r} is not supported",
                        "return the new value instead and assign it outside the function",
                    )

    def _check_dynamic_scope(self, tree: gast.FunctionDef) -> None:
        """Refuse code srcdiff cannot see (``eval``, ``exec``, ``__import__``) and reads of the
        namespace as a dict (``locals()``, ``globals()``, ``vars()``, ``dir()``): the value they
        give carries no derivative, so the gradient would be silently wrong.  Any reference is
        refused, not only a call, since ``e = eval`` then ``e(...)`` is the same thing."""
        for node in gast.walk(tree):
            path = dotted_path(node) if isinstance(node, (gast.Name, gast.Attribute)) else None
            if path is None or not isinstance(node.ctx, gast.Load) or path.split(".")[0] in self.locals:
                continue
            head, *attrs = path.split(".")  # `builtins.eval` is eval too
            found, value = self.captured.resolve(head)
            for attr in attrs:
                value = getattr(value, attr, None)
            name = _DYNAMIC_SCOPE.get(id(value)) if found else None
            if name is not None:
                raise self.refuse(node, *_dynamic_scope_message(name))

    def _check_hidden_mutation(self, tree: gast.FunctionDef) -> None:
        """Refuse a method that changes its object taken as a value (``setter = y.__setitem__``,
        ``[y.fill]``, ``getattr(y, "fill")``): called later, it changes ``y`` where no pass can
        see it.  Called directly (``y.fill(0.0)``), the transforms see the call and refuse it."""
        called = {id(n.func) for n in gast.walk(tree) if isinstance(n, gast.Call)}
        for node in gast.walk(tree):
            if (
                isinstance(node, gast.Attribute)
                and isinstance(node.ctx, gast.Load)
                and node.attr in MUTATING_METHODS
                and id(node) not in called
                and _base_name(node) in self.locals
            ):
                raise self.refuse(
                    node,
                    f"`.{node.attr}` of `{_base_name(node)}` taken as a value changes it where srcdiff cannot see",
                    f"call `{_base_name(node)}.{node.attr}(...)` directly, or build a new value instead",
                )
            if isinstance(node, gast.Call) and self._is_builtin_call(node, "getattr") and node.args:
                name = node.args[1] if len(node.args) > 1 else None
                attr = name.value if isinstance(name, gast.Constant) and isinstance(name.value, str) else None
                if _base_name(node.args[0]) in self.locals and (attr is None or attr in MUTATING_METHODS):
                    raise self.refuse(
                        node,
                        "`getattr` on a variable of the function may reach a method that changes it",
                        "write the attribute out: `y.shape`, `y.fill(...)`",
                    )

    def _return_value(self, node: gast.Return, out: list[gast.stmt]) -> gast.expr:
        if node.value is None:
            return const(None)
        return self.atomize(node.value, out, node)

    # -- blocks ---------------------------------------------------------------------------
    def block(self, stmts: list[gast.stmt], loop: _Loop | None) -> tuple[list[gast.stmt], set[str]]:
        """Normalize a statement list; return it and the exit flags it may set."""
        out: list[gast.stmt] = []
        flags: set[str] = set()
        for i, stmt in enumerate(stmts):
            set_here = self.statement(stmt, out, loop)
            flags |= set_here
            rest = stmts[i + 1 :]
            if set_here and rest:
                guarded, rest_flags = self.block(rest, loop)
                flags |= rest_flags
                if guarded:
                    cond = self.condition(_none_of(sorted(set_here)), out, stmt)
                    out.append(if_(load(cond), guarded, [], stmt))
                break
        return out, flags

    def condition(self, test: gast.expr, out: list[gast.stmt], at: gast.AST) -> str:
        """Evaluate a branch test once, into a name the adjoint sweep can read again."""
        if isinstance(test, gast.Name) and test.id in self.control and test.id not in self.flags:
            return test.id  # already a condition nobody reassigns
        name = self.namer.fresh("c")
        self.control.add(name)
        out.append(assign(name, self.test_expression(test, at), at))
        return name

    def test_expression(self, test: gast.expr, at: gast.AST) -> gast.expr:
        for node in gast.walk(test):
            if type(node) in _REFUSED_EXPRESSIONS:
                raise self.refuse(node if hasattr(node, "lineno") else at, *_REFUSED_EXPRESSIONS[type(node)])
        return test

    # -- statements -----------------------------------------------------------------------
    def statement(self, s: gast.stmt, out: list[gast.stmt], loop: _Loop | None) -> set[str]:
        if type(s) in _REFUSED_STATEMENTS:
            raise self.refuse(s, *_REFUSED_STATEMENTS[type(s)])
        if isinstance(s, gast.Assign):
            value = s.value
            if len(s.targets) > 1:
                value = self.atomize(value, out, s)
            for target in s.targets:
                self.assign_target(target, value, out, s)
        elif isinstance(s, gast.AugAssign):
            if isinstance(s.target, gast.Subscript) and isinstance(s.target.value, gast.Name):
                # a[i] += v reads a[i] once, then writes it: index evaluated once
                index = self.index(s.target.slice, out, s)
                item: gast.expr = gast.Subscript(value=load(s.target.value.id), slice=index, ctx=gast.Load())
                if not isinstance(s.op, (gast.Add, gast.Sub)):
                    # the old item is read again (a *= v needs it backwards), after the write: a
                    # row or block would be a view of what the write changes, so keep a copy
                    item = gast.Call(func=load(self.helper("copy_of")), args=[item], keywords=[])
                old = self.atomize(item, out, s)
                target = gast.Subscript(value=load(s.target.value.id), slice=clone(index), ctx=gast.Store())
                self.assign_target(target, gast.BinOp(left=old, op=s.op, right=s.value), out, s)
            elif not isinstance(s.target, gast.Name):
                raise self.refuse(
                    s,
                    "augmented assignment to an attribute or nested item is not supported yet",
                    "assign to a plain variable",
                )
            else:
                self.assign_target(s.target, gast.BinOp(left=load(s.target.id), op=s.op, right=s.value), out, s)
                out[-1].srcdiff_inplace = True  # x += y changes an array (or list) in place
        elif isinstance(s, gast.AnnAssign):
            if s.value is not None:
                self.assign_target(s.target, s.value, out, s)
        elif isinstance(s, gast.Expr):
            if is_pop(s.value):  # xs.pop() for its effect: keep the value, its adjoint needs it back
                self.assign_target(
                    gast.Name(id=self.namer.fresh("t"), ctx=gast.Store(), annotation=None, type_comment=None),
                    s.value,
                    out,
                    s,
                )
            elif isinstance(s.value, gast.Call):
                out.append(located(gast.Expr(value=self.primitive(s.value, out, s)), s))
            elif not is_atom(s.value):
                self.atomize(s.value, out, s)  # evaluated for its errors, value unused
        elif isinstance(s, gast.If):
            return self.if_statement(s, out, loop)
        elif isinstance(s, gast.While):
            return self.while_loop(s, out)
        elif isinstance(s, gast.For):
            return self.for_loop(s, out)
        elif isinstance(s, gast.Return):
            return self.return_statement(s, out)
        elif isinstance(s, gast.Break):
            assert loop is not None  # Python itself rejects a break outside a loop
            loop.break_flag = loop.break_flag or self._flag("break")
            out.append(assign(loop.break_flag, const(True), s))
            return {loop.break_flag}
        elif isinstance(s, gast.Continue):
            assert loop is not None
            loop.continue_flag = loop.continue_flag or self._flag("continue")
            out.append(assign(loop.continue_flag, const(True), s))
            return {loop.continue_flag}
        elif isinstance(s, (gast.Raise, gast.Assert)):
            self.test_expression(s, s)
            out.append(s)
        elif isinstance(s, (gast.Pass, gast.Global, gast.Nonlocal)):
            pass
        else:
            raise self.refuse(
                s,
                f"`{type(s).__name__}` statements are not supported yet",
                "rewrite it with assignments, if, while and for",
            )
        return set()

    def helper(self, name: str) -> str:
        """The name under which normalized code calls runtime helper ``name``."""
        for alias, fn in self.helpers.items():
            if fn is RUNTIME_HELPERS[name]:
                return alias
        alias = self.namer.prefer(name)
        self.helpers[alias] = RUNTIME_HELPERS[name]
        return alias

    def _flag(self, kind: str) -> str:
        name = self.namer.fresh(kind)
        self.control.add(name)
        self.flags.add(name)
        return name

    def return_statement(self, s: gast.Return, out: list[gast.stmt]) -> set[str]:
        assert self.result_name is not None and self.returned_flag is not None
        value = self._return_value(s, out)
        out.append(assign(self.result_name, value, s))
        out.append(assign(self.returned_flag, const(True), s))
        return {self.returned_flag}

    def if_statement(self, s: gast.If, out: list[gast.stmt], loop: _Loop | None) -> set[str]:
        """``if``, and an ``elif`` chain as one: every test of the chain is computed up front
        (``_c2 = not _c1 and t2``: it runs only where it ran, before any branch), so each ``else``
        holds just the next ``if`` and the code is printed as a flat ``elif`` chain, not nested
        one level per branch (Python compiles at most 99 levels)."""
        chain = [s]
        while len(chain[-1].orelse) == 1 and isinstance(chain[-1].orelse[0], gast.If):
            chain.append(chain[-1].orelse[0])
        conds = self.chain_conditions([node.test for node in chain], [node for node in chain], out)
        flags: set[str] = set()
        bodies = []
        for node in chain:  # in source order, so temporaries are numbered as they read
            body, found = self.block(node.body, loop)
            bodies.append(body)
            flags |= found
        inner, found = self.block(chain[-1].orelse, loop)
        flags |= found
        for node, cond, body in zip(reversed(chain), reversed(conds), reversed(bodies)):
            inner = [if_(load(cond), body, inner, node)] if body or inner else []
        out.extend(inner)
        return flags

    def chain_conditions(self, tests: list[gast.expr], where: list[gast.AST], out: list[gast.stmt]) -> list[str]:
        """The conditions of an ``if``/``elif`` chain, computed up front: ``_c2 = not _c1 and t2``
        evaluates ``t2`` exactly where the chain would (when no earlier test held), and ``_c3``
        reads ``_c4 = _c1 or _c2`` (some earlier test held)."""
        conds: list[str] = []
        decided: str | None = None
        for i, (test, at) in enumerate(zip(tests, where)):
            if decided is None:
                conds.append(self.condition(test, out, at))
                decided = conds[-1]
                continue
            guarded = gast.BoolOp(op=gast.And(), values=[gast.UnaryOp(op=gast.Not(), operand=load(decided)), test])
            conds.append(self.condition(guarded, out, at))
            if i < len(tests) - 1:
                either = gast.BoolOp(op=gast.Or(), values=[load(decided), load(conds[-1])])
                decided = self.namer.fresh("c")
                self.control.add(decided)
                out.append(assign(decided, either, at))
        return conds

    def _loop_body(self, body: list[gast.stmt], at: gast.AST) -> tuple[list[gast.stmt], _Loop, set[str]]:
        loop = _Loop()
        stmts, flags = self.block(body, loop)
        if loop.continue_flag:
            stmts.insert(0, assign(loop.continue_flag, const(False), at))
        exits = sorted(f for f in flags if f in (loop.break_flag, self.returned_flag))
        if exits:  # the only `break` left; the adjoint sweep never replays it, so no copy of the test
            stmts.append(if_(_any_of(exits), [located(gast.Break(), at)], [], at))
        outward = {f for f in flags if f == self.returned_flag}
        return stmts, loop, outward

    def _loop_else(self, s: gast.While | gast.For, loop: _Loop, outward: set[str], out: list[gast.stmt]) -> None:
        if loop.break_flag:
            out.insert(0, assign(loop.break_flag, const(False), s))
        if s.orelse:
            orelse, flags = self.block(s.orelse, None)
            outward |= flags
            stops = [f for f in (loop.break_flag, self.returned_flag) if f and (f == loop.break_flag or f in outward)]
            if stops:
                cond = self.condition(_none_of(stops), out, s)
                out.append(if_(load(cond), orelse, [], s))
            else:
                out.extend(orelse)

    def while_loop(self, s: gast.While, out: list[gast.stmt]) -> set[str]:
        test = self.test_expression(s.test, s)
        body, loop, outward = self._loop_body(s.body, s)
        stmts = [located(gast.While(test=test, body=body or [gast.Pass()], orelse=[]), s)]
        self._loop_else(s, loop, outward, stmts)
        out.extend(stmts)
        return outward

    def for_loop(self, s: gast.For, out: list[gast.stmt]) -> set[str]:
        pre: list[gast.stmt] = []
        iterable = s.iter
        snapshots = None
        if self._is_checkpointed(iterable):
            iterable, snapshots = self._checkpoint_arguments(iterable, pre, s)
        if self._is_builtin_call(iterable, "range") and isinstance(s.target, gast.Name):
            range_call = self.primitive(iterable, pre, s)
            element: list[gast.stmt] = []
            if s.target.id in self.only_range_indices:
                index = s.target.id
            else:  # the name also holds other values: bind it by a plain assignment
                index = self.namer.fresh("k")
                self.control.add(index)
                element.append(assign(s.target.id, load(index), s))
        else:
            index = self.namer.fresh("k")
            self.control.add(index)
            rebound = stored_names([s.target]) | stored_names(s.body)
            length = self.sequence_length(iterable, s.target, rebound, pre, s)
            range_call = call("range", length)
            element = []
            self.assign_element(iterable, s.target, load(index), element, s)
        body, loop, outward = self._loop_body(s.body, s)
        loop_node = gast.For(
            target=gast.Name(id=index, ctx=gast.Store(), annotation=None, type_comment=None),
            iter=range_call,
            body=element + body or [gast.Pass()],
            orelse=[],
            type_comment=None,
        )
        if snapshots is not None:
            if loop.break_flag or outward:
                raise self.refuse(
                    s,
                    "a checkpointed loop cannot `break` or `return` early",
                    "run every iteration (guard the body with an `if` instead), or drop `checkpointed`",
                )
            setattr(loop_node, CHECKPOINT, snapshots)
        stmts = pre + [located(loop_node, s)]
        self._loop_else(s, loop, outward, stmts)
        out.extend(stmts)
        return outward

    def _is_checkpointed(self, node: gast.expr) -> bool:
        """Is ``node`` a call of :func:`srcdiff.checkpointed` (by any name it is reached under)?"""
        if not isinstance(node, gast.Call) or not self._is_static(node.func):
            return False
        path = []
        func = node.func
        while isinstance(func, gast.Attribute):
            path.append(func.attr)
            func = func.value
        found, value = self.captured.resolve(func.id)  # type: ignore[attr-defined]
        for attr in reversed(path):
            value = getattr(value, attr, None)
        return found and value is RUNTIME_HELPERS["checkpointed"]

    def _checkpoint_arguments(self, e: gast.Call, out: list[gast.stmt], at: gast.AST) -> tuple[gast.expr, gast.expr]:
        """``checkpointed(iterable, snapshots=k)`` as (iterable, atom holding k)."""
        args = list(e.args)
        snapshots: gast.expr = const(RUNTIME_HELPERS["checkpointed"].__defaults__[0])
        keywords = {kw.arg: kw.value for kw in e.keywords}
        if len(args) == 2 and not keywords:
            snapshots = args.pop()
        elif set(keywords) <= {"snapshots"} and len(args) == 1:
            snapshots = keywords.get("snapshots", snapshots)
        if len(args) != 1 or any(isinstance(a, gast.Starred) for a in args) or set(keywords) - {"snapshots"}:
            raise self.refuse(
                at,
                "`checkpointed` takes the loop's iterable and `snapshots=`",
                "write `for i in srcdiff.checkpointed(range(n), snapshots=10):`",
            )
        return args[0], self.atomize(snapshots, out, at)

    def _is_builtin_call(self, node: gast.expr, name: str) -> bool:
        if not (isinstance(node, gast.Call) and isinstance(node.func, gast.Name)):
            return False
        if node.func.id in self.locals:
            return False
        found, value = self.captured.resolve(node.func.id)
        return found and value is getattr(builtins, name)

    # Loops over enumerate/zip/sequences become index loops, so each element read is a
    # subscript whose adjoint lands in the right slot of the sequence's adjoint.
    def _loop_sources(
        self, iterable: gast.expr, target: gast.expr, rebound: set[str], out: list[gast.stmt], at: gast.AST
    ) -> list[tuple[gast.expr, gast.expr | None, Any]]:
        """Flatten ``enumerate``/``zip`` into (sequence atom, target, offset) triples."""
        if (
            self._is_builtin_call(iterable, "enumerate")
            and isinstance(target, (gast.Tuple, gast.List))
            and len(target.elts) == 2
            and not iterable.keywords
            and len(iterable.args) in (1, 2)
        ):
            start = self.atomize(iterable.args[1], out, at) if len(iterable.args) == 2 else const(0)
            inner = self._loop_sources(iterable.args[0], target.elts[1], rebound, out, at)
            return [(None, target.elts[0], start)] + inner
        if (
            self._is_builtin_call(iterable, "zip")
            and isinstance(target, (gast.Tuple, gast.List))
            and not iterable.keywords
            and len(iterable.args) == len(target.elts)
        ):
            triples = []
            for arg, sub in zip(iterable.args, target.elts):
                triples += self._loop_sources(arg, sub, rebound, out, at)
            return triples
        if isinstance(iterable, gast.Call):
            # iterators (reversed, map, dict views...) have no len(): materialize them first
            iterable = gast.Call(func=load("list"), args=[iterable], keywords=[])
        elif isinstance(iterable, gast.Name) and iterable.id in self.locals:
            if iterable.id in self._mutated_in(at):
                raise self.refuse(
                    at,
                    f"the loop body changes the list `{iterable.id}` it iterates over",
                    "iterate over a copy, e.g. `for v in list(xs):`",
                )
            # a list, tuple or array is indexed as it is; anything else (a dict...) is listed first
            iterable = gast.Call(func=load(self.helper("loop_items")), args=[iterable], keywords=[])
        seq = self.atomize(iterable, out, at)
        if isinstance(seq, gast.Name) and seq.id in rebound:  # the loop must see the sequence it started with
            copy = self.namer.fresh("s")
            out.append(assign(copy, seq, at))
            seq = load(copy)
        if not isinstance(seq, gast.Name):
            name = self.namer.fresh("s")
            out.append(assign(name, seq, at))
            seq = load(name)
        return [(seq, target, None)]

    def _mutated_in(self, loop: gast.AST) -> set[str]:
        """Names the loop body may change in place (``xs.append(...)``)."""
        body = getattr(loop, "body", [])
        return {
            n.func.value.id
            for stmt in body
            for n in gast.walk(stmt)
            if isinstance(n, gast.Call)
            and isinstance(n.func, gast.Attribute)
            and isinstance(n.func.value, gast.Name)
            and n.func.attr in _MUTATING_METHODS
        }

    def sequence_length(
        self, iterable: gast.expr, target: gast.expr, rebound: set[str], out: list[gast.stmt], at: gast.AST
    ) -> gast.expr:
        self._sources = self._loop_sources(iterable, target, rebound, out, at)
        lengths = []
        for seq, _, _ in self._sources:
            if seq is not None:
                n = self.namer.fresh("n")
                self.control.add(n)
                out.append(assign(n, call("len", seq), at))
                lengths.append(load(n))
        if len(lengths) == 1:
            return lengths[0]
        n = self.namer.fresh("n")
        self.control.add(n)
        out.append(assign(n, call("min", *lengths), at))
        return load(n)

    def assign_element(
        self, iterable: gast.expr, target: gast.expr, index: gast.Name, out: list[gast.stmt], at: gast.AST
    ) -> None:
        for seq, sub_target, offset in self._sources:
            if seq is None:
                value = (
                    index
                    if (isinstance(offset, gast.Constant) and offset.value == 0)
                    else gast.BinOp(left=index, op=gast.Add(), right=offset)
                )
            else:
                value = gast.Subscript(value=seq, slice=index, ctx=gast.Load())
            self.assign_target(sub_target, value, out, at)

    # -- assignment -----------------------------------------------------------------------
    def assign_target(self, target: gast.expr, value: gast.expr, out: list[gast.stmt], at: gast.AST) -> None:
        if isinstance(target, gast.Name):
            prim = self.primitive(value, out, at)
            if target.id in loaded_names(prim) and not is_accumulation(target.id, prim):
                tmp = self.namer.fresh("t")
                out.append(assign(tmp, prim, at))
                prim = load(tmp)
            out.append(assign(target.id, prim, at))
        elif isinstance(target, (gast.Tuple, gast.List)):
            if any(isinstance(e, gast.Starred) for e in target.elts):
                raise self.refuse(at, "starred assignment targets are not supported yet", "unpack element by element")
            targets = stored_names([target])
            if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(target.elts):
                atoms = [self.atomize(e, out, at) for e in value.elts]
                atoms = [self._shield(a, targets, out, at) for a in atoms]
                for sub, atom in zip(target.elts, atoms):
                    self.assign_target(sub, atom, out, at)
            else:
                seq = self._shield(self.atomize(value, out, at), targets, out, at)
                # Python refuses a sequence of the wrong length; so must the element-wise reads
                out.append(expr_stmt(call(self.helper("check_unpack"), seq, const(len(target.elts))), at))
                for i, sub in enumerate(target.elts):
                    self.assign_target(sub, gast.Subscript(value=seq, slice=const(i), ctx=gast.Load()), out, at)
        elif isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name):
            # a[i] = v: an in-place write, a statement of its own (see srcdiff.transform.reverse)
            index = self.index(target.slice, out, at)
            item = self.atomize(value, out, at)
            write = gast.Subscript(value=load(target.value.id), slice=index, ctx=gast.Store())
            out.append(located(gast.Assign(targets=[write], value=item, type_comment=None), at))
        elif isinstance(target, (gast.Subscript, gast.Attribute)):
            what = "an item of an expression" if isinstance(target, gast.Subscript) else "an attribute"
            raise self.refuse(
                at,
                f"assignment to {what} is not supported yet",
                "write into a plain variable (`a[i] = v`), or build a new value",
            )
        else:
            raise self.refuse(at, f"assignment to {type(target).__name__} is not supported", "assign to a variable")

    def _shield(self, atom: gast.expr, targets: set[str], out: list[gast.stmt], at: gast.AST) -> gast.expr:
        """Copy an atom that a multiple assignment is about to overwrite (``a, b = b, a``)."""
        if isinstance(atom, gast.Name) and atom.id in targets:
            tmp = self.namer.fresh("t")
            out.append(assign(tmp, atom, at))
            return load(tmp)
        return atom

    # -- expressions ----------------------------------------------------------------------
    def atomize(self, e: gast.expr, out: list[gast.stmt], at: gast.AST) -> gast.expr:
        """Evaluate ``e`` into a name or constant, appending the statements that compute it."""
        if is_atom(e):
            return e
        prim = self.primitive(e, out, at)
        if is_atom(prim):
            return prim
        tmp = self.namer.fresh("t")
        out.append(assign(tmp, prim, getattr(e, "lineno", None) and e or at))
        return load(tmp)

    def primitive(self, e: gast.expr, out: list[gast.stmt], at: gast.AST) -> gast.expr:
        """``e`` as one primitive operation on atoms."""
        at = e if hasattr(e, "lineno") else at
        if type(e) in _REFUSED_EXPRESSIONS:
            raise self.refuse(at, *_REFUSED_EXPRESSIONS[type(e)])
        if is_atom(e):
            return e
        if isinstance(e, gast.BinOp):
            return gast.BinOp(left=self.atomize(e.left, out, at), op=e.op, right=self.atomize(e.right, out, at))
        if isinstance(e, gast.UnaryOp):
            if isinstance(e.op, gast.Not):
                return self.test_expression(e, at)
            if (
                isinstance(e.op, (gast.USub, gast.UAdd))
                and isinstance(e.operand, gast.Constant)
                and type(e.operand.value) in (int, float)
            ):  # -1 is a constant, not an operation
                return const(-e.operand.value if isinstance(e.op, gast.USub) else e.operand.value)
            return gast.UnaryOp(op=e.op, operand=self.atomize(e.operand, out, at))
        if isinstance(e, gast.Call):
            return self.call(e, out, at)
        if isinstance(e, gast.Attribute):
            return gast.Attribute(value=self.atomize(e.value, out, at), attr=e.attr, ctx=gast.Load())
        if isinstance(e, gast.Subscript) and self._is_index_concatenation(e.value):
            return self.call(self._index_concatenation(e), out, at)
        if isinstance(e, gast.Subscript):
            return gast.Subscript(
                value=self.atomize(e.value, out, at), slice=self.index(e.slice, out, at), ctx=gast.Load()
            )
        if isinstance(e, (gast.Tuple, gast.List)):
            elts = [self.atomize(x, out, at) for x in e.elts]
            return type(e)(elts=elts, ctx=gast.Load())
        if isinstance(e, gast.IfExp):
            return load(self.conditional(e, out, at))
        if isinstance(e, gast.BoolOp) and not _is_pure_test(e):
            return load(self.boolean_value(e, out, at))
        if isinstance(e, _TEST_EXPRESSIONS):
            return self.test_expression(e, at)
        raise self.refuse(
            at,
            f"`{type(e).__name__}` expressions are not supported yet",
            "compute the value with plain arithmetic and calls",
        )

    def _is_index_concatenation(self, e: gast.expr) -> bool:
        """Whether ``e`` is ``np.r_`` / ``np.c_`` (or another of numpy's index-syntax concatenators)."""
        if isinstance(e, gast.Name) and e.id not in self.locals:
            found, value = self.captured.resolve(e.id)
        elif isinstance(e, gast.Attribute) and isinstance(e.value, gast.Name) and e.value.id not in self.locals:
            found, module = self.captured.resolve(e.value.id)
            value = getattr(module, e.attr, None)
        else:
            return False
        return bool(found) and isinstance(value, _INDEX_CONCATENATORS)

    def _index_concatenation(self, e: gast.Subscript) -> gast.Call:
        """``np.r_[a, 0:3, b]`` as the call ``index_concat(np.r_, (a, slice(0, 3, None), b))``: its
        items are then arguments, differentiated like a concatenation's."""

        def item(x: gast.expr) -> gast.expr:
            if not isinstance(x, gast.Slice):
                return x
            parts = [const(None) if p is None else p for p in (x.lower, x.upper, x.step)]
            return gast.Call(func=load("slice"), args=parts, keywords=[])

        items = e.slice.elts if isinstance(e.slice, gast.Tuple) else [e.slice]
        key = gast.Tuple(elts=[item(x) for x in items], ctx=gast.Load())
        return gast.Call(func=load(self.helper("index_concat")), args=[e.value, key], keywords=[])

    def index(self, s: gast.expr, out: list[gast.stmt], at: gast.AST) -> gast.expr:
        if isinstance(s, gast.Slice):
            parts = [None if p is None else self.atomize(p, out, at) for p in (s.lower, s.upper, s.step)]
            return gast.Slice(lower=parts[0], upper=parts[1], step=parts[2])
        if isinstance(s, gast.Tuple):
            return gast.Tuple(elts=[self.index(x, out, at) for x in s.elts], ctx=gast.Load())
        return self.atomize(s, out, at)

    def call(self, e: gast.Call, out: list[gast.stmt], at: gast.AST) -> gast.Call:
        if self._is_checkpointed(e):
            raise self.refuse(
                at,
                "`checkpointed` marks a `for` loop: it must be the loop's iterable",
                "write `for i in srcdiff.checkpointed(range(n), snapshots=10):`",
            )
        if (
            isinstance(e.func, gast.Name)
            and e.func.id not in self.locals
            and self.captured.resolve(e.func.id)[1] is RUNTIME_HELPERS["accumulate_at"]
        ):
            # generated code transformed again: its accumulations must not update in place
            e = gast.Call(func=load(self.helper("add_at")), args=e.args, keywords=e.keywords)
        if (self._is_builtin_call(e, "min") or self._is_builtin_call(e, "max")) and len(e.args) > 2 and not e.keywords:
            # min(a, b, c) is min(min(a, b), c): the first extreme wins, as in Python
            pair = gast.Call(func=e.func, args=e.args[:2], keywords=[])
            return self.call(gast.Call(func=e.func, args=[pair] + e.args[2:], keywords=[]), out, at)
        func = e.func
        if not self._is_static(func):
            if isinstance(func, gast.Attribute):
                func = gast.Attribute(value=self.atomize(func.value, out, at), attr=func.attr, ctx=gast.Load())
            else:
                func = self.atomize(func, out, at)
        args = []
        for a in e.args:
            if isinstance(a, gast.Starred):
                raise self.refuse(at, *_REFUSED_EXPRESSIONS[gast.Starred])
            args.append(self.atomize(a, out, at))
        keywords = []
        for kw in e.keywords:
            if kw.arg is None:
                raise self.refuse(at, "`**kwargs` in a call is not supported yet", "pass keyword arguments by name")
            keywords.append(gast.keyword(arg=kw.arg, value=self.atomize(kw.value, out, at)))
        return gast.Call(func=func, args=args, keywords=keywords)

    def _is_static(self, func: gast.expr) -> bool:
        """A dotted name that refers to a module-level object, not to a local variable."""
        node = func
        while isinstance(node, gast.Attribute):
            node = node.value
        return isinstance(node, gast.Name) and node.id not in self.locals

    def conditional(self, e: gast.IfExp, out: list[gast.stmt], at: gast.AST) -> str:
        """``a if c else b`` as an ``if`` statement; ``a if c else b if d else e`` as one ``elif``
        chain (flat, however long: see :meth:`if_statement`)."""
        chain = [e]
        while isinstance(chain[-1].orelse, gast.IfExp):
            chain.append(chain[-1].orelse)
        conds = self.chain_conditions([node.test for node in chain], [at] * len(chain), out)
        result = self.namer.fresh("t")
        branches: list[list[gast.stmt]] = []
        for value in [node.body for node in chain] + [chain[-1].orelse]:
            branch: list[gast.stmt] = []
            branch.append(assign(result, self.primitive(value, branch, at), at))
            branches.append(branch)
        inner = branches.pop()
        for cond, branch in zip(reversed(conds), reversed(branches)):
            inner = [if_(load(cond), branch, inner, at)]
        out.extend(inner)
        return result

    def boolean_value(self, e: gast.BoolOp, out: list[gast.stmt], at: gast.AST) -> str:
        """``a or b`` used as a value: the first operand that decides, evaluated lazily.  Each
        test reads the result again where it stands (once decided it stays decided), so the
        ``if``s follow one another instead of nesting one level per operand."""
        result = self.namer.fresh("t")
        out.append(assign(result, self.primitive(e.values[0], out, at), at))
        for operand in e.values[1:]:
            cond = self.condition(load(result), out, at)
            inner: list[gast.stmt] = []
            inner.append(assign(result, self.primitive(operand, inner, at), at))
            if isinstance(e.op, gast.And):
                out.append(if_(load(cond), inner, [], at))
            else:
                out.append(if_(load(cond), [], inner, at))
        return result


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


def is_pop(value: gast.expr) -> bool:
    """``xs.pop()`` (the last element, no index)."""
    return (
        isinstance(value, gast.Call)
        and isinstance(value.func, gast.Attribute)
        and value.func.attr == "pop"
        and isinstance(value.func.value, gast.Name)
        and not value.args
        and not value.keywords
    )


def is_accumulation(target: str, value: gast.expr) -> bool:
    """``target + e`` or ``target - e`` with ``e`` another atom: the adjoint of ``target`` passes through."""
    return (
        isinstance(value, gast.BinOp)
        and isinstance(value.op, (gast.Add, gast.Sub))
        and isinstance(value.left, gast.Name)
        and value.left.id == target
        and not (isinstance(value.right, gast.Name) and value.right.id == target)
    )


def _any_of(flags: list[str]) -> gast.expr:
    if len(flags) == 1:
        return load(flags[0])
    return gast.BoolOp(op=gast.Or(), values=[load(f) for f in flags])


def _none_of(flags: list[str]) -> gast.expr:
    return gast.UnaryOp(op=gast.Not(), operand=_any_of(flags))


def _is_pure_test(e: gast.BoolOp) -> bool:
    """``a < b and c > d``: every operand is itself a truth value."""
    return all(
        isinstance(v, (gast.Compare, gast.BoolOp)) or (isinstance(v, gast.UnaryOp) and isinstance(v.op, gast.Not))
        for v in e.values
    )


def _drop_tail_flag(body: list[gast.stmt], flag: str) -> None:
    """A return that ends the function need not say so: nothing runs after it."""
    if not body:
        return
    last = body[-1]
    if isinstance(last, gast.Assign) and isinstance(last.targets[0], gast.Name) and last.targets[0].id == flag:
        body.pop()
    elif isinstance(last, gast.If):
        _drop_tail_flag(last.body, flag)
        _drop_tail_flag(last.orelse, flag)


def _drop_unread_flags(body: list[gast.stmt], control: set[str]) -> list[gast.stmt]:
    """Remove assignments to flags nobody reads (e.g. the return flag of a tail return)."""
    read: set[str] = set()
    for stmt in body:
        for node in gast.walk(stmt):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
                read.add(node.id)
    unread = {f for f in control if f not in read}

    def keep(stmts: list[gast.stmt]) -> list[gast.stmt]:
        kept = []
        for s in stmts:
            if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) and s.targets[0].id in unread:
                continue
            if isinstance(s, (gast.If, gast.While, gast.For)):
                s.body, s.orelse = keep(s.body), keep(s.orelse)
                if isinstance(s, gast.If) and not (s.body or s.orelse):
                    continue
                if not isinstance(s, gast.If):
                    s.body = s.body or [gast.Pass()]
            kept.append(s)
        return kept

    return keep(body)


def normalize(captured: CapturedFunction) -> NormalizedFunction:
    """Rewrite ``captured`` into the normal form described in this module's docstring."""
    captured, guards = inline_effects(captured)
    norm = _Normalizer(captured).run()
    norm.guards = guards
    return norm
