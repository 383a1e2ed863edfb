"""Alias analysis for in-place writes (``a[i] = v``, ``xs.append(v)``).

A write into ``a`` is differentiated exactly when nothing else can see it:
``a`` must own its memory (made by a constructor, arithmetic or a copy -- not a
parameter, not a view of another array), and no other name that may share
``a``'s memory (a slice ``row = a[0]``, ``b = a``, ``a.T``...) may be used after
the write.  This module finds the writes that break those conditions.

>>> import srcdiff.frontend.capture as c, srcdiff.frontend.normalize as n
>>> def f(x):
...     a = x * 1.0
...     row = a[0]
...     a[0] = 5.0
...     return row + a[1]
>>> [(p.container, p.alias) for p in problems(n.normalize(c.capture(f)), lambda call: None)]
[('a', 'row')]
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import gast
import numpy as np

from ..frontend.normal_form import is_pop
from ..syntax import is_in_place, loaded_names
from . import calls
from .activity import append_call, assignments, item_write
from .liveness import Liveness

# Rules whose result may share memory with their first argument.
_VIEWS = {
    "reshape",
    "ravel",
    "transpose",
    "swapaxes",
    "moveaxis",
    "squeeze",
    "expand_dims",
    "broadcast_to",
    "atleast_1d",
    "atleast_2d",
    "diagonal",
    "asarray",
    "flip",
    "fliplr",
    "flipud",
    "split",
    "array_split",
    "sliding_window_view",
}


GENERATED = "<srcdiff"  # the file names srcdiff compiles its generated code under


@dataclass
class Problem:
    """Why a write cannot be differentiated exactly."""

    statement: gast.stmt
    container: str
    alias: str | None  # a live name sharing memory with the container; None: the container is not owned
    reason: str


# Array attributes that are new objects (numbers, tuples), never views of the array.
_NOT_VIEWS = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes", "strides"}


def _is_view(value: gast.expr, callee_of: Callable[[gast.Call], calls.Callee | None]) -> list[str]:
    """Names whose memory ``value`` may share."""
    if isinstance(value, gast.Name):
        return [value.id]
    if isinstance(value, gast.Attribute) and value.attr in _NOT_VIEWS:
        return []
    if isinstance(value, (gast.Subscript, gast.Attribute)) and isinstance(value.value, gast.Name):
        return [value.value.id]
    if is_pop(value):
        return []  # the element leaves the list
    if isinstance(value, gast.Call):
        callee = callee_of(value)
        args = [a for a in calls._flat(list(callee.bound.values()))] if callee is not None else value.args
        names = [a.id for a in args if isinstance(a, gast.Name)]
        if callee is None or callee.kind in (calls.USER, calls.UNKNOWN):
            return names  # it may keep or return what it was given
        if callee.kind == calls.RULE and getattr(callee.obj, "__name__", "") in _VIEWS:
            return names[:1]
    return []


def _is_fresh(value: gast.expr, callee_of: Callable[[gast.Call], calls.Callee | None]) -> bool:
    """Does ``value`` certainly make new memory (so the name assigned owns it)?"""
    if isinstance(value, (gast.List, gast.BinOp, gast.UnaryOp, gast.Constant)):
        return True
    if isinstance(value, gast.Call):
        callee = callee_of(value)
        if callee is None:
            return False
        if callee.kind == calls.CONSTANT or callee.obj is list:
            return True
        return callee.kind == calls.RULE and getattr(callee.obj, "__name__", "") not in _VIEWS
    return False


def problems(
    fn,
    callee_of: Callable[[gast.Call], calls.Callee | None],  # type: ignore[no-untyped-def]
    scalars: AbstractSet[str] = frozenset(),
    number_params: AbstractSet[str] = frozenset(),
    arrays: AbstractSet[str] = frozenset(),
    number_lists: AbstractSet[str] = frozenset(),
) -> list[Problem]:  # type: ignore[assignment]
    """The in-place writes of normalized ``fn`` that srcdiff cannot differentiate exactly.
    (``x += y`` is one too, unless ``x`` is a number: ``scalars``.  A parameter passed a
    number (``number_params``) cannot be changed in place: ``x += y`` on it writes only into
    what the function itself assigned to ``x``.  ``arrays``: names certainly holding numeric
    arrays, into which ``a[i] = v`` copies ``v``'s values rather than storing ``v``.)"""
    if fn.captured.filename.startswith(GENERATED):
        # A gradient's own code: its primal writes passed this check in the user's code, and its
        # adjoint sweep restores each write before reading what was read before it (the adjoint
        # of a statement sees memory as it was just after that statement), so a view it reads
        # again always shows the values it had when it was made.
        return []
    writes: list[tuple[gast.stmt, str]] = []

    def collect(stmts: list[gast.stmt]) -> None:
        for s in stmts:
            found = item_write(s) or append_call(s)
            if found is None and is_in_place(s) and s.targets[0].id not in scalars:
                found = (s.targets[0].id, None)
            if found is None and isinstance(s, gast.Assign) and is_pop(s.value):
                found = (s.value.func.value.id, None)
            if found is not None:
                writes.append((s, found[0]))
            if isinstance(s, (gast.If, gast.While, gast.For)):
                collect(s.body)
                collect(s.orelse)

    collect(fn.body)
    if not writes:
        return []
    liveness = Liveness({id(s) for s, _ in writes})
    liveness.block(fn.body, loaded_names(fn.result))
    views: dict[str, set[str]] = {}  # name -> names whose memory it may share
    holds: dict[str, set[str]] = {}  # container -> names stored in it (a write into them shows through it)
    lists = {container for s, container in writes if append_call(s) is not None}
    for a in assignments(fn.body):
        target = a.targets[0].id
        if is_in_place(a) or target in scalars:
            continue  # x += y keeps x's memory; a number (an element read, a size) shares none
        if isinstance(a.value, gast.Subscript) and isinstance(a.value.value, gast.Name) and a.value.value.id in lists:
            continue  # an element read from a list is the element, not a view of the list
        for source in _is_view(a.value, callee_of):
            views.setdefault(target, set()).add(source)
    for stmt, container in writes:  # xs.append(v) / a[i] = v: the element is now reachable through xs too
        appended = append_call(stmt)
        written = item_write(stmt)
        element = appended[1] if appended else written[2] if written else None
        if written and container in arrays:
            continue  # a[i] = v copies v into the array: a later write into v does not show in a
        if isinstance(element, gast.Name):
            holds.setdefault(container, set()).add(element.id)
    # Lists that hold the only reference to what they hold give back owned values; assume all
    # do, and drop those whose appends show otherwise until none changes (a tape's lists stay).
    indexed = {
        a.value.value.id
        for a in assignments(fn.body)
        if isinstance(a.value, gast.Subscript) and isinstance(a.value.value, gast.Name)
    }
    handed_over = lists - set(fn.params) - indexed  # (an element read by index is shared with the list)
    while True:
        fresh = _owners(fn, callee_of, scalars, number_params, lists, handed_over)
        kept = {
            xs
            for xs in _handed_over_lists(writes, views, fresh, liveness.after, callee_of) & handed_over
            if fresh.get(xs, False)
        }
        if kept == handed_over:
            break
        handed_over = kept
    for xs in handed_over:  # what it was given is not read again before rebound: no write shows through it
        holds.pop(xs, None)
    owned: frozenset[str] = getattr(fn, "owned", frozenset())  # parameters the generated code copies first
    for p in owned:
        fresh[p] = fresh.get(p, True)
    rebound = _rebound_before(fn.body, {id(s) for s, _ in writes})
    flow = _Sharing({id(s) for s, _ in writes}, callee_of, set(scalars) | _immutable_globals(fn), lists)
    flow.block(fn.body, {})
    sharing_at = flow.at
    found: list[Problem] = []
    for stmt, container in writes:
        if container in number_lists and container in fn.params:
            # a list of numbers passed in that no derivative flows through (indices, counts):
            # the caller sees the write, as in Python, and no adjoint reads the list (each
            # number read from it is a variable of its own, saved for the adjoint)
            continue
        number = container in number_params and is_in_place(stmt)
        argument = (
            container in fn.params and container not in owned and container not in rebound.get(id(stmt), set())
        ) and not number
        if argument or not fresh.get(container, False):
            what = "an argument" if argument else "a value this function did not create"
            found.append(
                Problem(
                    stmt,
                    container,
                    None,
                    f"writing into `{container}` in place changes {what}, which other names may see",
                )
            )
            continue
        sharing = sharing_at.get(id(stmt), {})
        for alias in _sharers_of(container, sharing, holds):
            if alias in liveness.after.get(id(stmt), set()):
                found.append(
                    Problem(
                        stmt,
                        container,
                        alias,
                        f"writing into `{container}` in place also changes `{alias}`, which shares "
                        f"its memory and is used afterwards",
                    )
                )
                break
    return found


def _owners(
    fn,  # type: ignore[no-untyped-def]
    callee_of: Callable[[gast.Call], calls.Callee | None],
    scalars: AbstractSet[str],
    number_params: AbstractSet[str],
    lists: set[str],
    handed_over: set[str],
) -> dict[str, bool]:
    """Which names certainly own their memory (every value assigned to them is new memory, or a
    value popped from a list in ``handed_over``)."""
    fresh: dict[str, bool] = {p: True for p in number_params}
    immutable = immutable_names(fn)
    for a in assignments(fn.body):
        target = a.targets[0].id
        if is_in_place(a) or target in scalars:
            continue
        value = a.value
        if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) and value.value.id in lists:
            continue
        popped = is_pop(value) and value.func.value.id in handed_over
        made = popped or _is_fresh(value, callee_of) or isinstance(value, gast.Name) or _of_immutable(value, immutable)
        fresh[target] = fresh.get(target, True) and made
    # a copy `a = _t` owns memory only if `_t` does (and `_t` is then a view of... itself: see views)
    changed = True
    while changed:
        changed = False
        for a in assignments(fn.body):
            target, value = a.targets[0].id, a.value
            if isinstance(value, gast.Name) and fresh.get(target) and not fresh.get(value.id, False):
                fresh[target] = False
                changed = True
    return fresh


def immutable_names(fn) -> set[str]:  # type: ignore[no-untyped-def]
    """Local names only ever bound to tuple displays, constants or ``x.shape``-like attributes:
    values no write can change (``shape = np.asarray(a.shape)`` copies one into a new array)."""
    kinds: dict[str, bool] = {}
    for a in assignments(fn.body):
        value = a.value
        plain = isinstance(value, (gast.Tuple, gast.Constant)) or (
            isinstance(value, gast.Attribute) and value.attr in _NOT_VIEWS
        )
        kinds[a.targets[0].id] = kinds.get(a.targets[0].id, True) and plain and not is_in_place(a)
    return {name for name, plain in kinds.items() if plain} - set(fn.params)


def _of_immutable(value: gast.expr, immutable: AbstractSet[str]) -> bool:
    """A view-making rule (``np.asarray``, ``np.reshape``) of a tuple: numpy makes a new array."""
    if not (isinstance(value, gast.Call) and value.args):
        return False
    first = value.args[0]
    return isinstance(first, gast.Name) and first.id in immutable


def _handed_over_lists(
    writes: list[tuple[gast.stmt, str]],
    views: dict[str, set[str]],
    fresh: dict[str, bool],
    live_after: dict[int, set[str]],
    callee_of: Callable[[gast.Call], calls.Callee | None],
) -> set[str]:
    """Lists that hold the only reference to each array appended to them: every ``xs.append(v)``
    appends new memory, or a ``v`` that owns its memory and that nothing reads afterwards (it is
    rebound next, like the values a gradient's tape saves).  A value popped from such a list is
    owned again."""
    out: set[str] = set()
    refused: set[str] = set()
    for stmt, container in writes:
        appended = append_call(stmt)
        if appended is None:
            continue
        element = appended[1]
        live = live_after.get(id(stmt), set())
        if isinstance(element, gast.Name):
            given = fresh.get(element.id, False) and not ({element.id} | set(_aliases_of(element.id, views))) & live
        else:
            given = _is_fresh(element, callee_of)
        (out if given else refused).add(container)
    return out - refused


_State = dict[str, frozenset[str]]
_IMMUTABLE = (int, float, complex, bool, str, bytes, type(None), np.generic)


def _immutable_globals(fn) -> set[str]:  # type: ignore[no-untyped-def]
    """Names ``fn`` reads from outside (globals, closure cells) bound to numbers, strings or
    tuples of them: they share no memory a write could change."""
    local = set(fn.params) | {a.targets[0].id for a in assignments(fn.body)}
    names = {n.id for s in fn.body for n in gast.walk(s) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
    out = set()
    for name in names - local:
        found, value = fn.captured.resolve(name)
        if found and (
            isinstance(value, _IMMUTABLE) or isinstance(value, tuple) and all(isinstance(v, _IMMUTABLE) for v in value)
        ):
            out.add(name)
    return out


class _Sharing:
    """Which names may share memory at each watched statement (forward over the structured body,
    flow-sensitive: ``b = w`` then ``b = a * 2.0`` leaves ``b`` sharing nothing with ``w``)."""

    def __init__(
        self,
        watched: set[int],
        callee_of: Callable[[gast.Call], calls.Callee | None],
        scalars: AbstractSet[str],
        lists: set[str],
    ) -> None:
        self.watched, self.callee_of, self.scalars, self.lists = watched, callee_of, scalars, lists
        self.at: dict[int, _State] = {}

    def block(self, stmts: list[gast.stmt], state: _State) -> _State:
        for s in stmts:
            state = self.statement(s, state)
        return state

    def statement(self, s: gast.stmt, state: _State) -> _State:
        if id(s) in self.watched:
            self.at[id(s)] = _join(self.at.get(id(s), {}), state)
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            return self.assign(s.targets[0].id, s.value, state, is_in_place(s))
        if isinstance(s, gast.If):
            return _join(self.block(s.body, state), self.block(s.orelse, state))
        if isinstance(s, (gast.While, gast.For)):
            if isinstance(s, gast.For):  # the loop variable is rebound each iteration
                state = self.assign(s.target.id, gast.Constant(value=None, kind=None), state, False)
            entry = state
            while True:
                grown = _join(entry, self.block(s.body, entry))
                if grown == entry:
                    return entry
                entry = grown
        return state

    def assign(self, target: str, value: gast.expr, state: _State, in_place: bool) -> _State:
        if in_place:
            return state  # x += y keeps x's memory
        sources: set[str] = set()
        element = (
            isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) and value.value.id in self.lists
        )
        if target not in self.scalars and not element:
            for name in _is_view(value, self.callee_of):
                if name in self.scalars:
                    continue  # a number shares no memory with anything
                if name != target:
                    sources |= {name} | state.get(name, frozenset())
                else:
                    sources |= state.get(name, frozenset())
        out = {n: m - {target} for n, m in state.items() if n != target}
        sources.discard(target)
        if sources:
            out[target] = frozenset(sources)
            for n in sources:
                out[n] = out.get(n, frozenset()) | {target}
        return out


def _join(a: _State, b: _State) -> _State:
    return {n: a.get(n, frozenset()) | b.get(n, frozenset()) for n in set(a) | set(b)}


def _rebound_before(body: list[gast.stmt], watched: set[int]) -> dict[int, set[str]]:
    """For each watched statement: the names certainly assigned before it runs (so a parameter
    name there no longer holds the caller's value)."""
    found: dict[int, set[str]] = {}

    def walk(stmts: list[gast.stmt], assigned: set[str]) -> set[str]:
        assigned = set(assigned)
        for s in stmts:
            if id(s) in watched:
                found[id(s)] = set(assigned)
            if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
                if not is_in_place(s):
                    assigned.add(s.targets[0].id)
            elif isinstance(s, gast.If):
                assigned |= walk(s.body, assigned) & walk(s.orelse, assigned)
            elif isinstance(s, (gast.While, gast.For)):
                walk(s.body, assigned)  # what the body assigns may not happen (no iteration)
        return assigned

    walk(body, set())
    return found


def _sharers_of(name: str, sharing: _State, holds: dict[str, set[str]]) -> list[str]:
    """Names that may see a write into ``name`` at a statement, from the sharing there (which
    :class:`_Sharing` keeps closed along each path: ``c = b`` after ``b = a`` shares ``c`` with
    ``a`` too), and the containers any of them was stored in.  Not their own sharers: after
    ``t = a if c else b``, ``t`` may share with ``a`` or with ``b``, but ``a`` and ``b`` share
    nothing.

    >>> _sharers_of("a", {"t": frozenset({"a", "b"}), "a": frozenset({"t"}), "b": frozenset({"t"})}, {})
    ['t']
    """
    members = {name} | set(sharing.get(name, ()))
    out = sorted(members - {name})
    for container, elements in holds.items():
        if container not in members and elements & members:
            out.append(container)
    return out


def _aliases_of(name: str, views: dict[str, set[str]], holds: dict[str, set[str]] | None = None) -> list[str]:
    """Names that may see a write into ``name``: views of it and what it views (``b = a``
    shares both ways), and so on, and the containers any of them was stored in."""
    out: list[str] = []
    changed = True
    members = {name}
    while changed:
        changed = False
        for target, sources in views.items():
            linked = ({target} | sources) if (target in members or sources & members) else set()
            for other in sorted(linked - members):
                members.add(other)
                out.append(other)
                changed = True
    for container, elements in (holds or {}).items():
        if container not in members and elements & members:
            out.append(container)
    return out
