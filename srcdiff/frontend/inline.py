"""Front end: inline the helpers that change what they are given.

A helper that writes into an array it is passed (``fill(out, x)`` doing ``out[:] = 2 * x``), or
appends to a list it is passed (``push(terms, v)``), has an effect its caller's derivative must
see: the changed argument is one of its outputs.  Rather than teach every later pass about
outputs through arguments, this pass writes such a call's body into the caller, before
normalization, so the write happens to the caller's own variable (``out[:] = 2 * x``) and the
caller's in-place machinery differentiates it -- or refuses it, where another name could see
the change -- in both modes.

Only calls that stand as statements (``fill(out, x)``, ``r = fill(out, x)``) are inlined; a
recursive one, or one of a helper from another module or with closure cells, is refused with
the user's file:line.  A call inside a larger expression is left alone, like the calls of
helpers without effects: it becomes a derivative helper of its own, whose transform refuses a
write into its argument (and accepts one into a value it rebound the parameter to first).

>>> import gast
>>> tree = gast.parse("def f(x):\\n    out = np.zeros(3)\\n    fill(out, x)\\n    return out").body[0]
>>> sorted(mutated_parameters(gast.parse("def fill(a, v):\\n    a[:] = v").body[0]))
['a']
"""

from __future__ import annotations

import dataclasses
import types
from typing import Any

import gast

from ..errors import SrcDiffError, UnsupportedSyntaxError
from ..syntax import assign, clone, const, expr_stmt, located, nodes_in, reached_names, stored_names
from .capture import CapturedFunction, Guard, capture
from .lifted import LIFTED_FILE, may_make_gradient
from .local_functions import as_local
from .naming import Namer, names_in

# Methods that change the object they are called on (arrays, lists, dicts, sets).
MUTATING_METHODS = frozenset(
    "append extend insert pop remove clear sort reverse fill put itemset resize setfield setflags "
    "update setdefault popitem add discard __setitem__ __delitem__ __iadd__ __isub__ __imul__ "
    "__itruediv__ __ipow__".split()
)
# numpy functions that write into their first argument.
_MUTATING_FUNCTIONS = frozenset("copyto put place putmask fill_diagonal put_along_axis shuffle".split())
_MAX_DEPTH = 8


def mutated_parameters(helper: gast.FunctionDef) -> set[str]:
    """The parameters of ``helper`` it may change in place: item or attribute writes, mutating
    methods, numpy's writing functions (``np.copyto(p, v)``) and ``out=p``.  (``p += v`` is
    not among them: for a number it rebinds ``p`` only; for an array, the helper's own
    derivative refuses the write into its argument.)"""
    params = {a.id for a in helper.args.posonlyargs + helper.args.args + helper.args.kwonlyargs}
    changed: set[str] = set()
    for node in _before_rebinding(helper, params):
        changed |= written_by(node) & params
    return changed


def written_by(node: gast.AST) -> set[str]:
    """The names whose values ``node`` itself changes in place: an item or attribute write's
    container, a mutating method's object, a numpy writing function's first argument, ``out=``."""
    changed: set[str] = set()
    if isinstance(node, (gast.Subscript, gast.Attribute)) and isinstance(node.ctx, gast.Store):
        changed.add(base_name(node))
    elif isinstance(node, gast.Call):
        func = node.func
        if isinstance(func, gast.Attribute) and func.attr in MUTATING_METHODS:
            changed.add(base_name(func.value))
        if isinstance(func, gast.Attribute) and func.attr in _MUTATING_FUNCTIONS and node.args:
            changed.add(base_name(node.args[0]))
        changed |= {base_name(k.value) for k in node.keywords if k.arg == "out"}
    changed.discard("")
    return changed


def written_through_aliases(tree: gast.FunctionDef) -> set[str]:
    """Names whose values ``tree`` may write into under another name: ``a, b = b, a`` or
    ``y = x``, then ``a[-1] *= s`` (the written names' sources, followed back)."""
    sources: dict[str, set[str]] = {}
    written: set[str] = set()
    for node in gast.walk(tree):
        written |= written_by(node)
        if isinstance(node, gast.AugAssign) and isinstance(node.target, gast.Name):
            written.add(node.target.id)
        if not isinstance(node, gast.Assign) or len(node.targets) != 1:
            continue
        target, value = node.targets[0], node.value
        pairs = [(target, value)]
        if isinstance(target, gast.Tuple) and isinstance(value, gast.Tuple) and len(target.elts) == len(value.elts):
            pairs = list(zip(target.elts, value.elts))
        for t, v in pairs:
            if isinstance(t, gast.Name) and isinstance(v, gast.Name):
                sources.setdefault(t.id, set()).add(v.id)
    return reached_names(written, sources)


def changed_parameters(
    helper: CapturedFunction, seen: dict[Any, frozenset[str]] | None = None, updates: bool = False
) -> set[str]:
    """:func:`mutated_parameters`, and the parameters ``helper`` hands to helpers of its own that
    change them (``def outer(a): inner(a)`` with ``inner`` writing into its argument); with
    ``updates``, also those updated by ``p += v`` (see :func:`updated_parameters`), here and in
    those helpers.  ``seen``: the answers found already (one transform asks about every
    function it calls, and their helpers' helpers)."""
    seen = {} if seen is None else seen
    key = (helper.fn, updates)
    if key not in seen:
        seen[key] = frozenset()  # (a recursive helper: what it changes is found at its first visit)
        seen[key] = _changed_parameters(helper, seen, updates)
    return set(seen[key])


def _captured(obj: types.FunctionType) -> CapturedFunction | None:
    try:
        return capture(obj)
    except SrcDiffError:
        return None  # the usual path says why it cannot be read


def _changed_parameters(helper: CapturedFunction, seen: dict[Any, frozenset[str]], updates: bool) -> frozenset[str]:
    changed = mutated_parameters(helper.tree) | (updated_parameters(helper.tree) if updates else set())
    if len(seen) > 256:  # a very large call graph: assume the worst (inlining a pure helper is harmless)
        return frozenset(_parameters(helper.tree))
    params = set(_parameters(helper.tree))
    for node in nodes_in(helper.tree):
        if not (isinstance(node, gast.Call) and isinstance(node.func, gast.Name)):
            continue
        found, obj = helper.resolve(node.func.id)
        if not found or not isinstance(obj, types.FunctionType) or obj is helper.fn:
            continue
        inner = _captured(obj)
        if inner is None:
            continue
        inner_changed = changed_parameters(inner, seen, updates)
        inner_params = _parameters(inner.tree)
        passed = list(zip(inner_params, node.args)) + [(k.arg, k.value) for k in node.keywords]
        changed |= {a.id for p, a in passed if p in inner_changed and isinstance(a, gast.Name) and a.id in params}
    return frozenset(changed)


def updated_by_call(obj: Any) -> set[str]:
    """The parameters a call of function ``obj`` may update with ``p += v``, itself or through
    its helpers (in place for an array or a list; for a number, a rebinding the caller does
    not see).  Empty for anything srcdiff cannot read."""
    helper = _captured(obj) if isinstance(obj, types.FunctionType) else None
    return set() if helper is None else changed_parameters(helper, updates=True)


def augmented_parameters(obj: Any) -> set[str]:
    """The parameters a call of function ``obj`` updates with ``p += v`` (itself or through its
    helpers) and changes in no other way (item writes, mutating methods)."""
    helper = _captured(obj) if isinstance(obj, types.FunctionType) else None
    return set() if helper is None else changed_parameters(helper, updates=True) - changed_parameters(helper)


def updated_parameters(helper: gast.FunctionDef) -> set[str]:
    """The parameters of ``helper`` updated by ``p += v``: in place for an array or a list, a
    rebinding of ``p`` alone for a number."""
    params = {a.id for a in helper.args.posonlyargs + helper.args.args + helper.args.kwonlyargs}
    return {
        n.target.id for n in nodes_in(helper) if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name)
    } & params


def _before_rebinding(helper: gast.FunctionDef, params: set[str]) -> list[gast.AST]:
    """The nodes of ``helper``'s body, but for the item and attribute writes into a parameter
    after a top-level statement rebound it (``t0, p = pair`` then ``p[0] *= 2`` writes into a
    local value, not the caller's)."""
    nodes: list[gast.AST] = []
    live = set(params)
    for s in helper.body:
        for n in nodes_in(s):
            stored = isinstance(n, (gast.Subscript, gast.Attribute)) and isinstance(n.ctx, gast.Store)
            if not stored or base_name(n) in live:
                nodes.append(n)
        if isinstance(s, gast.Assign):
            live -= {
                t.id
                for t in nodes_in(gast.Tuple(elts=s.targets, ctx=gast.Store()))
                if isinstance(t, gast.Name) and isinstance(t.ctx, gast.Store)
            }
    return nodes


def base_name(node: gast.AST) -> str:
    """``a`` for ``a``, ``a[i]``, ``a.b[c]``; "" when the chain does not start at a name."""
    while isinstance(node, (gast.Subscript, gast.Attribute)):
        node = node.value
    return node.id if isinstance(node, gast.Name) else ""


def inline_effects(captured: CapturedFunction, every_helper: bool = False) -> tuple[CapturedFunction, list[Guard]]:
    """``captured`` with every statement-level call of a helper that changes its arguments
    replaced by the helper's body; also the guards that keep the result valid (the helpers'
    names and code).  With ``every_helper``, the calls of any helper that can be written in
    (same module, no closure cells, no recursion) are, taken out of larger expressions first:
    for a gradient called inside a differentiated function, whose code must call no helpers."""
    if captured.filename.startswith("<") and not captured.filename.startswith(LIFTED_FILE):
        return captured, []  # srcdiff's own generated code: its helpers record a tape
    inliner = _Inliner(captured)
    inliner.every_helper = every_helper
    tree = clone(captured.tree)  # (the captured tree is shared: rewritten in a copy)
    tree.body = inliner.block(tree.body, ())
    tree.body = inliner.hoisted + tree.body
    if not inliner.guards:
        return captured, []
    return dataclasses.replace(captured, tree=tree), inliner.guards


class _Inliner:
    def __init__(self, captured: CapturedFunction) -> None:
        self.captured = captured
        tree = captured.tree
        self.namer = Namer(names_in(tree))
        self.caller_locals = stored_names([tree]) | {
            a.id for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs
        }
        self.guards: list[Guard] = []
        self.seen: dict[Any, frozenset[str]] = {}  # function -> the parameters it changes
        self.local_fns = {made.name for made in map(as_local, tree.body) if made is not None}
        self.every_helper = False
        self.hoisted: list[gast.stmt] = []  # lambdas handed to helpers, named at the top (see hand_over)

    def refuse(self, node: gast.AST, problem: str, hint: str) -> UnsupportedSyntaxError:
        return UnsupportedSyntaxError(
            self.captured.name, self.captured.filename, self.captured.line(node), problem, hint
        )

    # -- walking the caller ---------------------------------------------------------------
    def block(self, stmts: list[gast.stmt], inside: tuple[Any, ...]) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        for s in stmts:
            out += self.statement(s, inside)
        return out

    def statement(self, s: gast.stmt, inside: tuple[Any, ...]) -> list[gast.stmt]:
        for field in ("body", "orelse", "finalbody"):
            if isinstance(getattr(s, field, None), list):
                setattr(s, field, self.block(getattr(s, field), inside))
        if self.every_helper:
            hoisted = self.calls_taken_out(s)
            if hoisted:
                return self.block(hoisted + [s], inside)
        call, target = _statement_call(s)
        found = self.effectful(call) if call is not None else None
        if found is not None and (found[0] in inside or found[0] is self.captured.fn):
            # a recursive call cannot be written out: it stays a call, and the helper's own
            # derivative refuses the writes into its arguments it cannot follow (it can follow
            # those into lists of numbers: cmpad's det_of_minor edits its index lists)
            return [s]
        if found is not None:
            return self.inline(s, call, target, *found, "changes an argument in place", inside)  # type: ignore[arg-type]
        handed = self.hands_over_a_function(call) if call is not None else None
        if handed is not None:
            return self.inline(s, call, target, *handed, "is given a function defined in its caller", inside)  # type: ignore[arg-type]
        helper = self.plain_helper(call) if call is not None and self.every_helper else None
        if helper is not None:
            try:
                return self.inline(s, call, target, *helper, "is written into its caller", inside)  # type: ignore[arg-type]
            except UnsupportedSyntaxError:
                pass  # (left a call: the code that needed none says so)
        return [s]

    def plain_helper(self, call: gast.Call) -> tuple[Any, CapturedFunction, set[str]] | None:
        obj = self.resolve(call.func)
        helper = _captured(obj) if _writable(obj) else None
        return (obj, helper, set()) if helper is not None else None

    def calls_taken_out(self, s: gast.stmt) -> list[gast.stmt]:
        """``return -h(x)`` as ``_h = h(x)`` then ``return -_h``: each call of a helper inside a
        larger expression of ``s`` (not under ``and``/``or``, a conditional expression, a
        lambda or a comprehension, which may not evaluate it), innermost first, in order."""
        value = getattr(s, "value", None)
        if not isinstance(s, (gast.Return, gast.Assign, gast.AugAssign, gast.Expr)) or value is None:
            return []
        taken: list[gast.stmt] = []
        direct = value if isinstance(s, (gast.Assign, gast.Expr)) else None  # (already a statement's call)

        def visit(node: gast.AST) -> gast.AST:
            if isinstance(node, (gast.BoolOp, gast.IfExp, gast.Lambda, gast.ListComp, gast.GeneratorExp)):
                return node
            if isinstance(node, (gast.SetComp, gast.DictComp)):
                return node
            for field, old in gast.iter_fields(node):
                if isinstance(old, list):
                    setattr(node, field, [visit(x) if isinstance(x, gast.AST) else x for x in old])
                elif isinstance(old, gast.AST):
                    setattr(node, field, visit(old))
            if isinstance(node, gast.Call) and node is not direct and self.plain_helper(node) is not None:
                name = self.namer.prefer(f"_{_name_of(node).split('.')[-1]}")
                self.caller_locals.add(name)
                taken.append(located(assign(name, node), s))
                return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)
            return node

        s.value = visit(value)  # type: ignore[attr-defined]
        return taken

    def hands_over_a_function(self, call: gast.Call) -> tuple[Any, CapturedFunction, set[str]] | None:
        """A helper called with a local function (or a lambda) as an argument -- ``rk4(rhs, t,
        y, h)``: written into the caller too, so that its calls of the argument are calls of the
        local function, which normalization writes out where they run.  A lambda argument is
        named first, at the top of the caller (a closure reads its variables when called)."""
        arguments = [*call.args, *(k.value for k in call.keywords)]
        if not any(
            isinstance(a, gast.Lambda) or isinstance(a, gast.Name) and a.id in self.local_fns for a in arguments
        ):
            return None
        obj = self.resolve(call.func)
        helper = _captured(obj) if _writable(obj) else None
        if helper is None:
            return None
        for i, a in enumerate(call.args):
            if isinstance(a, gast.Lambda):
                call.args[i] = self.hand_over(a)
        for k in call.keywords:
            if isinstance(k.value, gast.Lambda):
                k.value = self.hand_over(k.value)
        return obj, helper, set()

    def hand_over(self, fn: gast.Lambda) -> gast.Name:
        name = self.namer.prefer("_lambda")
        self.hoisted.append(located(assign(name, fn), fn))
        self.local_fns.add(name)
        self.caller_locals.add(name)
        return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)

    def effectful(self, call: gast.Call) -> tuple[Any, CapturedFunction, set[str]] | None:
        """The helper a call reaches, its syntax tree and the parameters it changes -- if it is a
        plain Python function that changes some of its arguments.  (``p += v`` on a parameter is
        left to the transforms, which know whether the argument is a number: see
        :func:`updated_by_call`.)"""
        obj = self.resolve(call.func)
        if not isinstance(obj, types.FunctionType):
            return None
        helper = _captured(obj)
        if helper is None:
            return None
        changed = changed_parameters(helper, self.seen)
        return (obj, helper, changed) if changed else None

    def resolve(self, func: gast.expr) -> Any:
        if isinstance(func, gast.Name) and func.id not in self.caller_locals:
            found, value = self.captured.resolve(func.id)
            return value if found else None
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name):
            if func.value.id in self.caller_locals:
                return None
            found, owner = self.captured.resolve(func.value.id)
            return getattr(owner, func.attr, None) if found and isinstance(owner, types.ModuleType) else None
        return None

    # -- one call -------------------------------------------------------------------------
    def inline(
        self,
        s: gast.stmt,
        call: gast.Call,
        target: gast.expr | None,
        obj: Any,
        helper: CapturedFunction,
        changed: set[str],
        why: str,
        inside: tuple[Any, ...],
    ) -> list[gast.stmt]:
        name = _name_of(call)
        self.check_inlinable(s, obj, helper, name, why, inside)
        tree = helper.tree
        body = [clone(b) for b in tree.body if not _is_docstring(b)]
        tail = body.pop() if body and isinstance(body[-1], gast.Return) else None
        if any(isinstance(n, gast.Return) for b in body for n in nodes_in(b)):
            raise self.refuse(
                s,
                f"`{name}` {why} and returns before its end",
                f"let `{name}` return only at its last line",
            )
        helper_locals = stored_names(body + ([tail] if tail else [])) | set(_parameters(tree))
        free = {n.id for b in body for n in nodes_in(b) if isinstance(n, gast.Name)} - helper_locals
        clash = sorted(free & self.caller_locals)
        if clash:
            raise self.refuse(
                s,
                f"`{name}` {why} and reads the global `{clash[0]}`, which is also a variable of {self.captured.name}",
                "rename one of them",
            )
        bound = self.bind(s, call, obj, tree, name, why)
        renames: dict[str, str] = {}
        prologue: list[gast.stmt] = []
        rebound = stored_names(body + ([tail] if tail else []))
        for param, value in bound.items():
            own = isinstance(value, gast.Name) and (value.id in self.caller_locals or value.id in self.local_fns)
            if own and param not in rebound:
                renames[param] = value.id  # the caller's own variable: writes reach it
            else:
                renames[param] = self.namer.prefer(f"_{tree.name}_{param}")
                prologue.append(located(assign(renames[param], value), s))
        for local in sorted(helper_locals - set(renames)):
            renames[local] = self.namer.prefer(f"_{tree.name}_{local}")
        self.caller_locals |= set(renames.values())
        shift = helper.first_line - self.captured.first_line
        for b in body + ([tail] if tail else []):
            _rename_and_shift(b, renames, shift)
        inlined = self.block(body, inside + (obj,))
        if target is not None:
            value = tail.value if tail is not None and tail.value is not None else const(None)
            inlined.append(located(gast.Assign(targets=[target], value=value, type_comment=None), tail or s))
        elif tail is not None and tail.value is not None:
            inlined.append(located(expr_stmt(tail.value), tail))  # evaluated, as the call would
        self.guards.append(("attribute", obj, "__code__", obj.__code__))
        head = call.func.id if isinstance(call.func, gast.Name) else call.func.value.id  # type: ignore[attr-defined]
        guard = self.captured.guard(head)
        if guard not in self.guards:
            self.guards.append(guard)
        return prologue + inlined

    def check_inlinable(
        self, s: gast.stmt, obj: Any, helper: CapturedFunction, name: str, why: str, inside: tuple[Any, ...]
    ) -> None:
        def refuse(problem: str, hint: str) -> UnsupportedSyntaxError:
            return self.refuse(s, f"`{name}` {why} and {problem}", hint)

        if obj in inside or obj is self.captured.fn or len(inside) >= _MAX_DEPTH:
            raise refuse("calls itself", "write the recursion as a loop, or return new values instead")
        lifted = self.captured.filename.startswith(LIFTED_FILE)  # (see .lifted: the user's module)
        if obj.__globals__ is not self.captured.globals or helper.filename != self.captured.filename and not lifted:
            raise refuse(
                "is defined in another module",
                f"define `{name}` in the same module, or let it return the new value instead",
            )
        if obj.__closure__ or helper.tree.args.vararg or helper.tree.args.kwarg:
            raise refuse(
                "has closure cells or *args / **kwargs", f"define `{name}` at module level with named parameters"
            )

    def bind(
        self, s: gast.stmt, call: gast.Call, obj: Any, tree: gast.FunctionDef, name: str, why: str
    ) -> dict[str, gast.expr]:
        """Each parameter's argument expression (defaults as constants), as Python binds them."""
        params = _parameters(tree)
        if any(isinstance(a, gast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            raise self.refuse(s, f"`{name}` {why} and is called with * or **", "pass each argument")
        bound: dict[str, gast.expr] = dict(zip(params, call.args))
        bound.update({k.arg: k.value for k in call.keywords if k.arg is not None})
        defaults = dict(zip(params[len(params) - len(obj.__defaults__ or ()) :], obj.__defaults__ or ()))
        defaults.update(obj.__kwdefaults__ or {})
        for param in params:
            if param in bound:
                continue
            value = defaults.get(param, _MISSING)
            if value is _MISSING or not isinstance(value, (int, float, bool, str, type(None))):
                raise self.refuse(
                    s,
                    f"`{name}` {why} and its parameter `{param}` "
                    + ("is not given" if value is _MISSING else "has a default srcdiff cannot write out"),
                    f"pass `{param}` explicitly",
                )
            bound[param] = const(value)
        return {p: bound[p] for p in params}


_MISSING = object()


def _parameters(tree: gast.FunctionDef) -> list[str]:
    return [a.id for a in tree.args.posonlyargs + tree.args.args + tree.args.kwonlyargs]


def _statement_call(s: gast.stmt) -> tuple[gast.Call | None, gast.expr | None]:
    """``h(...)`` as a statement, or ``target = h(...)``: the call and the target."""
    if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call):
        return s.value, None
    if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.value, gast.Call):
        return s.value, s.targets[0]
    return None, None


def _name_of(call: gast.Call) -> str:
    func = call.func
    if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name):
        return f"{func.value.id}.{func.attr}"
    return func.id if isinstance(func, gast.Name) else "the helper"


def _is_docstring(s: gast.stmt) -> bool:
    return isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant) and isinstance(s.value.value, str)


def _rename_and_shift(node: gast.AST, renames: dict[str, str], shift: int) -> None:
    for n in nodes_in(node):
        if isinstance(n, gast.Name) and n.id in renames:
            n.id = renames[n.id]
        for attr in ("lineno", "end_lineno"):
            if getattr(n, attr, None) is not None:
                setattr(n, attr, getattr(n, attr) + shift)


def _writable(obj: Any) -> bool:
    """Can a call of ``obj`` be written into its caller?  Not a maker of gradients
    (``grad(fun)`` of an autograd-like API): the gradient it makes is differentiated as one."""
    return isinstance(obj, types.FunctionType) and not may_make_gradient(obj)
