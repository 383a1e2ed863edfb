"""Clean-ups of the assembled derivative code: lazy adjoint initialization.

Adjoints start at ``0.0`` and accumulate (``dx = dx + ...``).  Where an
adjoint is known to be zero the first contribution can simply assign, and a
zero store nobody reads before it is overwritten can go::

    dx = 0.0                          dx = d_t1 * 3.0
    dx = dx + d_t1 * 3.0      ->

Branches are rewritten with what is known on entry, loop bodies with what is
zero at the start of every iteration (zero before the loop and reset again by
the end of the body), so the pass only ever removes work.

>>> import gast
>>> from srcdiff.emit import to_source
>>> body = gast.parse("dx = 0.0\\ndy = 0.0\\ndx = dx + g * y\\nreturn dx, dy").body
>>> print(to_source(gast.Module(body=lazy_adjoints(body), type_ignores=[])), end="")
dy = 0.0
dx = g * y
return dx, dy
"""

from __future__ import annotations

import gast


def _reads(node: gast.AST) -> set[str]:
    found = {n.id for n in gast.walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
    # `d += e` reads d too
    found |= {n.target.id for n in gast.walk(node) if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name)}
    return found


def _writes(node: gast.AST) -> set[str]:
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}


def _zero_store(s: gast.stmt) -> str | None:
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
    """``d = d + e`` (with ``e`` not reading ``d``) as ``(d, e)``."""
    if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
        d = s.targets[0].id
        v = s.value
        if (
            isinstance(v, gast.BinOp)
            and isinstance(v.op, gast.Add)
            and isinstance(v.left, gast.Name)
            and v.left.id == d
            and d not in _reads(v.right)
        ):
            return d, v.right
    return None


def _assign_first(stmts: list[gast.stmt], zero: set[str], rewrite: bool = True) -> set[str]:
    """Rewrite accumulations into names known to be zero; return what is zero afterwards."""
    zero = set(zero)
    for s in stmts:
        name = _zero_store(s)
        if name is not None:
            zero.add(name)
            continue
        acc = _accumulation(s)
        if acc is not None and acc[0] in zero:
            if rewrite:
                s.value = acc[1]
            zero.discard(acc[0])
            continue
        if isinstance(s, gast.If):
            zero = _assign_first(s.body, zero, rewrite) & _assign_first(s.orelse, zero, rewrite)
        elif isinstance(s, (gast.For, gast.While)):
            # zero at every iteration's start: zero before the loop and again at the body's end
            entry = zero - _writes(s.target) if isinstance(s, gast.For) else set(zero)
            while True:
                narrowed = entry & _assign_first(s.body, entry, rewrite=False)
                if narrowed == entry:
                    break
                entry = narrowed
            end = _assign_first(s.body, entry, rewrite)
            zero = (zero & end) - _writes(gast.Module(body=s.orelse, type_ignores=[]))
        else:
            zero -= _writes(s)
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
        reads = _reads(s)
        if isinstance(s, gast.Assign):  # a plain assignment always overwrites
            for w in _writes(s):
                next_use[w] = "write"
        for r in reads:
            next_use[r] = "read"
    return [s for i, s in enumerate(stmts) if i not in dead]


def lazy_adjoints(body: list[gast.stmt]) -> list[gast.stmt]:
    """Let the first contribution to a zero adjoint assign it; drop zero stores never read."""
    _assign_first(body, set())
    return _drop_dead_zero_stores(body)
