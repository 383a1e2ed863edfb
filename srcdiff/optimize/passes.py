"""Clean-ups of the assembled derivative code: lazy adjoint initialization and dead stores.

Adjoints start at ``0.0`` and accumulate (``dx = dx + ...``).  Where an
adjoint is known to be zero the first contribution can simply assign, and a
zero store nobody reads before it is overwritten can go::

    dx = 0.0                          dx = d_t1 * 3.0
    dx = dx + d_t1 * 3.0      ->

Branches are rewritten with what is known on entry, loop bodies with what is
zero at the start of every iteration (zero before the loop and reset again by
the end of the body), so the pass only ever removes work.

>>> import gast
>>> from srcdiff.backend.emit import to_source
>>> body = gast.parse("dx = 0.0\\ndy = 0.0\\ndx = dx + g * y\\nreturn dx, dy").body
>>> print(to_source(gast.Module(body=lazy_adjoints(body), type_ignores=[])), end="")
dy = 0.0
dx = g * y
return dx, dy
"""

from __future__ import annotations

from collections.abc import Callable

import gast

from ..analysis.liveness import Liveness, assigned_names, live_at_entry, reads
from ..syntax import LINEAR_IN, ZERO, is_in_place, nodes_in


def _writes(node: gast.AST) -> set[str]:
    return {n.id for n in nodes_in(node) if type(n) is gast.Name and type(n.ctx) is gast.Store}


def _changed_in_place(node: gast.AST) -> set[str]:
    """Names whose value ``node`` may change without rebinding them: containers of item and
    attribute writes (``o[j] = v``), receivers of method calls (``xs.append(v)``) and ``x += y``
    (in place for arrays).  (Helpers that write into their arguments were written into the
    function by srcdiff.frontend.inline; other calls that may are refused by the transforms.)"""
    found = set()
    for n in nodes_in(node):
        if type(n) in (gast.Subscript, gast.Attribute) and type(n.ctx) is gast.Store:
            base = n.value
            while type(base) in (gast.Subscript, gast.Attribute):
                base = base.value
            if type(base) is gast.Name:
                found.add(base.id)
        elif type(n) is gast.Call:
            if type(n.func) is gast.Attribute and type(n.func.value) is gast.Name:
                found.add(n.func.value.id)
        elif is_in_place(n):
            found |= assigned_names(n)  # type: ignore[arg-type]
    return found


def _zero_store(s: gast.stmt) -> str | None:
    if getattr(s, ZERO, False):  # (transform.common.zero_store: np.zeros(shape) for arrays)
        return s.targets[0].id  # type: ignore[attr-defined,no-any-return]
    if (
        isinstance(s, gast.Assign)
        and len(s.targets) == 1
        and isinstance(s.targets[0], gast.Name)
        and isinstance(s.value, gast.Constant)
        and type(s.value.value) is float
        and s.value.value == 0.0
    ):
        return s.targets[0].id
    return None


def _accumulation(s: gast.stmt) -> tuple[str, gast.expr] | None:
    """``d = d + e`` / ``d = d - e`` (with ``e`` not reading ``d``) as ``(d, e)`` / ``(d, -e)``:
    what ``d`` becomes when it was zero."""
    if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
        d = s.targets[0].id
        v = s.value
        if (
            isinstance(v, gast.BinOp)
            and isinstance(v.op, (gast.Add, gast.Sub))
            and isinstance(v.left, gast.Name)
            and v.left.id == d
            and d not in reads(v.right)
        ):
            return d, v.right if isinstance(v.op, gast.Add) else gast.UnaryOp(op=gast.USub(), operand=v.right)
    return None


def _zero_contribution(s: gast.stmt, zero: set[str]) -> bool:
    """Is ``s`` a contribution ``d = d + e`` linear in an adjoint known to be zero here?"""
    source = getattr(s, LINEAR_IN, None)
    return source is not None and source in zero and _accumulation(s) is not None and source in reads(s.value)  # type: ignore[attr-defined]


def _assign_first(
    stmts: list[gast.stmt],
    zero: set[str],
    rewrite: bool = True,
    lazy: bool = True,
    memo: dict[tuple[int, frozenset[str], bool], set[str]] | None = None,
) -> set[str]:
    """Rewrite accumulations into names known to be zero (``lazy``), and turn contributions
    from adjoints known to be zero into no-ops (``d = d``); return what is zero afterwards.
    ``memo`` keeps what an analysis without rewriting found for a block from an entry set: a
    loop's body is analysed until its entry set holds, in each loop around it too, which
    without it costs twice as much per level of nesting."""
    memo = {} if memo is None else memo
    key = (id(stmts), frozenset(zero), lazy)
    if not rewrite and key in memo:
        return set(memo[key])
    zero = set(zero)
    for s in stmts:
        name = _zero_store(s)
        if name is not None:
            zero.add(name)
            continue
        if _zero_contribution(s, zero):
            if rewrite:
                s.value = gast.Name(id=s.targets[0].id, ctx=gast.Load(), annotation=None, type_comment=None)  # type: ignore[attr-defined]
                setattr(s, _NO_OP, True)
            continue
        acc = _accumulation(s)
        if acc is not None and acc[0] in zero and lazy:
            if rewrite:
                s.value = acc[1]
            zero.discard(acc[0])
            continue
        if isinstance(s, gast.If):
            zero = _assign_first(s.body, zero, rewrite, lazy, memo) & _assign_first(s.orelse, zero, rewrite, lazy, memo)
        elif isinstance(s, (gast.For, gast.While)):
            # zero at every iteration's start: zero before the loop and again at the body's end
            entry = zero - _writes(s.target) if isinstance(s, gast.For) else set(zero)
            while True:
                narrowed = entry & _assign_first(s.body, entry, rewrite=False, lazy=lazy, memo=memo)
                if narrowed == entry:
                    break
                entry = narrowed
            end = _assign_first(s.body, entry, rewrite, lazy, memo)
            zero = (zero & end) - _writes(gast.Module(body=s.orelse, type_ignores=[]))
        else:
            zero -= _writes(s)
    if not rewrite:
        memo[key] = set(zero)
    return zero


def _drop_dead_zero_stores(stmts: list[gast.stmt]) -> list[gast.stmt]:
    """Remove top-level ``d = 0.0`` whose value no later statement can read (one backward pass)."""
    next_use: dict[str, str] = {}  # name -> "read" / "write": its first use after this point
    dead: set[int] = set()
    for i in range(len(stmts) - 1, -1, -1):
        s = stmts[i]
        name = _zero_store(s)
        if name is not None and next_use.get(name) != "read":
            dead.add(i)
            continue
        read = reads(s)
        if isinstance(s, gast.Assign):  # a plain assignment always overwrites
            for w in _writes(s):
                next_use[w] = "write"
        for r in read:
            next_use[r] = "read"
    return [s for i, s in enumerate(stmts) if i not in dead]


_NO_OP = "srcdiff_no_op"  # (a contribution made ``d = d`` above, removed below)


def _without_no_ops(stmts: list[gast.stmt]) -> list[gast.stmt]:
    kept = []
    for s in stmts:
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if isinstance(inner, list) and inner:
                setattr(s, field, _without_no_ops(inner) or [gast.Pass()])
        if not getattr(s, _NO_OP, False):
            kept.append(s)
    return kept


def lazy_adjoints(body: list[gast.stmt]) -> list[gast.stmt]:
    """Let the first contribution to a zero adjoint assign it; drop zero stores never read (and
    the contributions of adjoints still zero, as :func:`drop_zero_contributions`)."""
    _assign_first(body, set())
    return _drop_dead_zero_stores(_without_no_ops(body))


def drop_zero_contributions(body: list[gast.stmt]) -> list[gast.stmt]:
    """Leave out the rule contributions ``d = d + e(g)`` whose ``g`` is an adjoint still zero
    where they run: ``e`` is linear in ``g``, so exactly zero -- and a zero adjoint is a plain
    ``0.0`` of no shape, which a rule that reshapes or moves axes cannot take
    (``np.reshape(0.0, (3,))``).  A correctness pass: it runs without optimizing too."""
    _assign_first(body, set(), lazy=False)
    return _without_no_ops(body)


def drop_dead_stores(body: list[gast.stmt], pure: Callable[[gast.Call], bool]) -> int:
    """Remove assignments whose value nothing reads afterwards, in place; return how many.

    A statement goes only if it is a plain assignment to names and computing its value has no
    effect (``pure`` says which calls are free of effects): a primal value neither the adjoint
    nor the result needs, an adjoint reset that is overwritten before it is read.  Liveness is
    *strong*: what only a removed statement reads is not live, so chains go at once.

    >>> from srcdiff.backend.emit import to_source
    >>> body = gast.parse("a = x * 2\\nb = a + 1\\nc = x * 3\\nreturn c").body
    >>> drop_dead_stores(body, lambda call: True)
    2
    >>> print(to_source(gast.Module(body=body, type_ignores=[])), end="")
    c = x * 3
    return c
    """
    liveness = Liveness(removable=lambda s, live: _removable(s, live, pure))
    liveness.block(body, set(), rewrite=True)
    return liveness.removed


# What a dead value may be made of: nothing here raises for numbers and arrays of matching
# shapes.  Division, powers, `@` and indexing can raise (ZeroDivisionError, IndexError...)
# where the function itself would have: they stay, so the gradient raises as the function does.
_SAFE_NODES = (
    gast.Name,
    gast.Constant,
    gast.expr_context,
    gast.Tuple,
    gast.List,
    gast.Attribute,
    gast.UnaryOp,
    gast.unaryop,
    gast.Compare,
    gast.cmpop,
    gast.BoolOp,
    gast.boolop,
    gast.IfExp,
    gast.keyword,
    gast.Call,
    gast.Add,
    gast.Sub,
    gast.Mult,
    gast.BinOp,
)


def _removable(s: gast.stmt, live: set[str], pure: Callable[[gast.Call], bool]) -> bool:
    if not (isinstance(s, gast.Assign) and all(isinstance(t, (gast.Name, gast.Tuple)) for t in s.targets)):
        return False
    if is_in_place(s) or assigned_names(s) & live:
        return False
    return all(isinstance(n, _SAFE_NODES) and (not isinstance(n, gast.Call) or pure(n)) for n in gast.walk(s.value))


def propagate_copies(stmts: list[gast.stmt]) -> int:
    """After ``a = b`` (two names), read ``b`` where the code reads ``a``, until either is written
    again; return how many reads changed.  The copy itself is then usually dead (see
    :func:`drop_dead_stores`), so ``d_t1 = dz`` then ``dw = X.T @ d_t1`` becomes ``dw = X.T @ dz``.

    >>> from srcdiff.backend.emit import to_source
    >>> body = gast.parse("a = b\\nc = a * 2\\nb = c\\nd = a").body
    >>> propagate_copies(body)
    1
    >>> print(to_source(gast.Module(body=body, type_ignores=[])), end="")
    a = b
    c = b * 2
    b = c
    d = a
    """
    changed = 0
    alias: dict[str, str] = {}  # the copies in effect: a read of the key reads the value (one pass: linear)
    copies_of: dict[str, set[str]] = {}  # value -> the keys copying it

    def end(names: set[str]) -> None:  # the copies one of these names is in are over
        for name in names:
            source = alias.pop(name, None)
            if source is not None:
                copies_of[source].discard(name)
            for a in copies_of.pop(name, ()):
                alias.pop(a, None)

    for s in stmts:
        if is_in_place(s) or isinstance(s, gast.AugAssign):
            alias.clear()  # (what a copy shares may change here: no copy holds past it)
            copies_of.clear()
            continue
        written = {n.id for n in nodes_in(s) if type(n) is gast.Name and type(n.ctx) is gast.Store}
        compound = isinstance(s, (gast.If, gast.For, gast.While))
        if compound:  # (a copy one of whose names the block writes ends before it)
            end(written)
        if alias:
            changed += _rename_loads(s if compound else s.value if isinstance(s, gast.Assign) else s, alias)
        for block in _blocks(s):
            changed += propagate_copies(block)
        end(written)
        copied = _copy(s)
        if copied is not None:
            alias[copied[0]] = copied[1]
            copies_of.setdefault(copied[1], set()).add(copied[0])
    return changed


def _copy(s: gast.stmt) -> tuple[str, str] | None:
    if (
        isinstance(s, gast.Assign)
        and len(s.targets) == 1
        and isinstance(s.targets[0], gast.Name)
        and isinstance(s.value, gast.Name)
        and s.targets[0].id != s.value.id
        and not is_in_place(s)
    ):
        return s.targets[0].id, s.value.id
    return None


def _blocks(s: gast.stmt) -> list[list[gast.stmt]]:
    if isinstance(s, (gast.If, gast.For, gast.While)):
        return [s.body, s.orelse]
    return []


def _rename_loads(node: gast.AST, alias: dict[str, str]) -> int:
    count = 0
    for n in gast.walk(node):
        if isinstance(n, gast.Name) and n.id in alias and isinstance(n.ctx, gast.Load):
            n.id = alias[n.id]
            count += 1
    return count


# Values a hoisted statement may compute: no call, nothing that can raise (a division by zero
# before a loop that would not have run must not appear).
_HOISTABLE: tuple[type, ...] = (gast.Name, gast.Constant, gast.expr_context, gast.BinOp, gast.Add, gast.Sub)
_HOISTABLE += (gast.Mult, gast.UnaryOp, gast.USub, gast.UAdd)


def hoist_loop_invariants(body: list[gast.stmt], params: list[str]) -> int:
    """Move ``t = -k`` and ``h = 0.5 * dt`` out of loops that do not change what they read, in
    place; return how many moved.  Only names assigned once in the whole function move, so the
    reverse sweep has nothing to save for them: fewer stack pushes, and less work per iteration.

    >>> from srcdiff.backend.emit import to_source
    >>> body = gast.parse("for i in r:\\n    t = -k\\n    u = t * i\\n    s = s + u").body
    >>> hoist_loop_invariants(body, ["k", "r", "s"])
    1
    >>> print(to_source(gast.Module(body=body, type_ignores=[])), end="")
    t = -k
    for i in r:
        u = t * i
        s = s + u
    """
    writes: dict[str, int] = {}
    for node in gast.walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
            writes[node.id] = writes.get(node.id, 0) + 1
    moved = [0]

    def visit(stmts: list[gast.stmt]) -> None:
        out: list[gast.stmt] = []
        for s in stmts:
            for block in _blocks(s):
                visit(block)
            if isinstance(s, (gast.For, gast.While)):
                changing = _writes(s) | _changed_in_place(s)
                entry = live_at_entry(s.body)
                kept = []
                for t in s.body:
                    if _invariant(t, changing, entry, writes, params):
                        out.append(t)
                        changing.discard(t.targets[0].id)  # type: ignore[attr-defined]
                        moved[0] += 1
                    else:
                        kept.append(t)
                s.body = kept or [gast.Pass()]
            out.append(s)
        stmts[:] = out

    visit(body)
    return moved[0]


def _invariant(s: gast.stmt, changing: set[str], entry: set[str], writes: dict[str, int], params: list[str]) -> bool:
    if not (isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name)):
        return False
    target = s.targets[0].id
    return (
        writes.get(target) == 1
        and target not in params
        and target not in entry  # not read before it is assigned (a value from the last iteration)
        and not is_in_place(s)
        and all(isinstance(n, _HOISTABLE) for n in gast.walk(s.value))
        and not (reads(s.value) & (changing | {target}))
    )
