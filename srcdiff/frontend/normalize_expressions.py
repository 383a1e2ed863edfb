"""Expressions: each one evaluated into atoms (names and constants), one primitive at a time.

``f(a * b, c[i + 1])`` becomes ``_t1 = a * b``, ``_t2 = i + 1``, ``_t3 = c[_t2]`` and the primitive
``f(_t1, _t3)``.  Tests (comparisons, ``not``, ``and``/``or`` of tests) are kept as written, since
their values are never differentiated; ``a if c else b`` and ``a or b`` used as a value become
``if`` statements, comprehensions the loops that build their lists (:mod:`.comprehensions`).  The
conditions of branches are named here too, for the statements above.
"""

from __future__ import annotations

from collections.abc import Callable

import gast
import numpy as np

from ..runtime import TEMPLATE_HELPERS as RUNTIME_HELPERS
from ..syntax import assign, clone, const, if_, is_atom, load
from .comprehensions import COMPREHENSIONS, as_loop, is_async
from .normalize_base import REFUSED_EXPRESSIONS, Loop
from .normalize_calls import CallForms

# Expressions whose value is a truth value or text: kept as written, never differentiated.
_TEST_EXPRESSIONS = (gast.Compare, gast.BoolOp, gast.JoinedStr)

_INDEX_CONCATENATORS = tuple(type(c).__mro__[1] for c in (np.r_, np.c_))  # numpy's AxisConcatenator


#: Builtins that read only the values of a set they are given (not its order, not its type).
_OF_DISTINCT = ("sum", "len", "min", "max", "sorted", "any", "all")


class ExpressionNormalizer(CallForms):
    """Expressions into atoms and primitives, and branch tests into condition names."""

    # A comprehension is a loop, normalized as a statement (by StatementNormalizer, built on this).
    statement: Callable[[gast.stmt, list[gast.stmt], Loop | None], set[str]]

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
        made = self.dict_made(e)
        if made is not None:  # a dict the function makes (a bag of named values is variables already)
            return self.call(made, out, at)
        if type(e) in REFUSED_EXPRESSIONS:
            raise self.refuse(at, *REFUSED_EXPRESSIONS[type(e)])
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
        if isinstance(e, COMPREHENSIONS):
            return load(self.comprehension(e, out, at))
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

    def dict_made(self, e: gast.expr) -> gast.Call | None:
        """``{k: v, ...}`` and ``{k: v for ...}`` as ``make_dict(keys, values)`` (the comprehension's
        loops run twice: once for the keys, once for the values), or None."""
        if isinstance(e, gast.Dict) and all(k is not None for k in e.keys):  # (not `{**d}`)
            keys: gast.expr = gast.List(elts=list(e.keys), ctx=gast.Load())  # type: ignore[arg-type]
            values: gast.expr = gast.List(elts=list(e.values), ctx=gast.Load())
        elif isinstance(e, gast.DictComp):
            keys = gast.ListComp(elt=e.key, generators=e.generators)
            values = gast.ListComp(elt=e.value, generators=[clone(g) for g in e.generators])
        else:
            return None
        return gast.Call(func=load(self.helper("make_dict")), args=[keys, values], keywords=[])

    def distinct(self, e: gast.SetComp | gast.Set) -> gast.Call:
        """``{e for ...}`` or ``{a, b}`` handed to a builtin that reads only its values (``sum``,
        ``len``, ``max`` ...), as the list of the distinct values, first places first."""
        items: gast.expr = (
            gast.ListComp(elt=e.elt, generators=e.generators)
            if isinstance(e, gast.SetComp)
            else gast.List(elts=list(e.elts), ctx=gast.Load())
        )
        return gast.Call(func=load(self.helper("distinct_items")), args=[items], keywords=[])

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

    def call(self, e: gast.Call, out: list[gast.stmt], at: gast.AST) -> gast.expr:
        if isinstance(e.func, gast.Name) and e.func.id in self.local_functions:
            return self.local_call(e, out, at)
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
        replaced = self.field_replacements(e)
        if replaced is not None:
            return self.call(replaced, out, at)
        func = e.func
        made = self.gradient_made_here(func)
        free: list[str] = []  # the variables a lifted local function reads, passed to it
        if made is not None:  # srcdiff.grad(inner)(x, w): the gradient, made now, called as a value
            inner = func.args[0]  # type: ignore[attr-defined]
            free = self.lifted[inner.id].free if isinstance(inner, gast.Name) and inner.id in self.lifted else []
            func = load(made)
        elif isinstance(func, gast.Name) and func.id in self.lifted:  # inner(y), a lifted local function
            free = self.lifted[func.id].free
            func = load(self.lifted_name(func.id))
        if self.calls_an_attribute_object(func):  # self.layer(x): the layer, then its call
            func = self.atomize(func, out, at)
        if not self._is_static(func):
            if isinstance(func, gast.Attribute):
                func = gast.Attribute(value=self.atomize(func.value, out, at), attr=func.attr, ctx=gast.Load())
            else:
                func = self.atomize(func, out, at)
        args = []
        for a in e.args:
            if isinstance(a, gast.Starred):
                raise self.refuse(at, *REFUSED_EXPRESSIONS[gast.Starred])
            if isinstance(a, (gast.SetComp, gast.Set)) and any(self._is_builtin_call(e, f) for f in _OF_DISTINCT):
                a = self.distinct(a)  # sum({x * x for x in xs}): the distinct values
            args.append(self.atomize(a, out, at))
        keywords = []
        for kw in e.keywords:
            if kw.arg is None:
                raise self.refuse(at, "`**kwargs` in a call is not supported yet", "pass keyword arguments by name")
            keywords.append(gast.keyword(arg=kw.arg, value=self.atomize(kw.value, out, at)))
        keywords += [gast.keyword(arg=name, value=load(name)) for name in free]
        return gast.Call(func=func, args=args, keywords=keywords)

    def local_call(self, e: gast.Call, out: list[gast.stmt], at: gast.AST) -> gast.expr:
        """A call of a local function: its body, written here (:mod:`.local_functions`)."""
        fn = self.local_functions[e.func.id]  # type: ignore[attr-defined]
        if any(isinstance(a, gast.Starred) for a in e.args) or not fn.accepts(e.args, e.keywords):
            raise self.refuse(
                at,
                f"this call of the local function `{fn.name}` is not supported",
                "pass each argument once, by position or name",
            )
        args = [self.atomize(a, out, at) for a in e.args]
        keywords = [gast.keyword(arg=kw.arg, value=self.atomize(kw.value, out, at)) for kw in e.keywords]
        body, value = fn.at_call(args, keywords, self.namer)
        for s in body:
            self.statement(s, out, None)
        return self.primitive(value, out, at)

    def comprehension(self, e: gast.ListComp | gast.GeneratorExp, out: list[gast.stmt], at: gast.AST) -> str:
        """A list comprehension or generator expression, as the loop that builds its list."""
        if is_async(e):
            raise self.refuse(
                at, "asynchronous comprehensions are not supported", "differentiate a synchronous function"
            )
        name, loop = as_loop(e, self.namer)
        out.append(assign(name, gast.List(elts=[], ctx=gast.Load()), at))
        self.statement(loop, out, None)
        return name

    def conditional(self, e: gast.IfExp, out: list[gast.stmt], at: gast.AST) -> str:
        """``a if c else b`` as an ``if`` statement; ``a if c else b if d else e`` as one ``elif``
        chain (flat, however long: see
        :meth:`srcdiff.frontend.normalize_statements.StatementNormalizer.if_statement`)."""
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

    # -- branch conditions (for the ifs and loops of the classes built on this one) -----------
    def condition(self, test: gast.expr, out: list[gast.stmt], at: gast.AST) -> str:
        """Evaluate a branch test once, into a name the adjoint sweep can read again."""
        if isinstance(test, gast.Name) and test.id in self.control and test.id not in self.flags:
            return test.id  # already a condition nobody reassigns
        name = self.namer.fresh("c")
        self.control.add(name)
        out.append(assign(name, self.test_expression(test, at), at))
        return name

    def test_expression(self, test: gast.expr, at: gast.AST) -> gast.expr:
        """A test kept as written, once nothing refused is found inside it."""
        for node in gast.walk(test):
            if type(node) in REFUSED_EXPRESSIONS:
                raise self.refuse(node if hasattr(node, "lineno") else at, *REFUSED_EXPRESSIONS[type(node)])
        return test

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


def _is_pure_test(e: gast.BoolOp) -> bool:
    """``a < b and c > d``: every operand is itself a truth value."""
    return all(
        isinstance(v, (gast.Compare, gast.BoolOp)) or (isinstance(v, gast.UnaryOp) and isinstance(v.op, gast.Not))
        for v in e.values
    )
