"""The pipeline: capture -> normalize -> analyses -> reverse transform -> record -> emit.

:func:`build_gradient` makes the function a user calls; helpers called from it
are transformed on demand (:func:`split_function`) into a recording version
``f_fwd(stack, ...)`` and an adjoint version ``f_bwd(stack, g)``, cached by
the helper, the arguments that carry derivatives and their kinds, so
recursion and shared helpers are transformed once.
"""

from __future__ import annotations

import functools
import os
import threading
import types
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gast
import numpy as np

from .analysis import activity as activity_
from .analysis import aliasing
from .analysis import kinds as kinds_
from .analysis.calls import USER, Callee, resolve
from .backend.emit import compile_function, in_user_terms
from .errors import SrcDiffError
from .frontend.capture import Guard, capture, guard_holds
from .frontend.normal_form import NormalizedFunction
from .frontend.normalize import normalize
from .optimize.passes import drop_dead_stores, hoist_loop_invariants, lazy_adjoints, propagate_copies
from .rules import TEMPLATE_GLOBALS, registered
from .syntax import assign, call, clone, const, load, nodes_in, room_for_deep_trees, stored_names
from .transform import forward as forward_
from .transform import record, reverse

_lock = threading.RLock()
_options = threading.local()  # .optimize: False keeps the unoptimized code (for comparison)


def optimizing() -> bool:
    return getattr(_options, "optimize", True)


stats = {"transforms": 0}
epoch = [0]  # bumped by clear(): code generated before (e.g. before a rule was registered) is stale
_filled_at = [registered.generation]  # the registration generation the caches were filled at


@dataclass
class Generated:
    """A compiled derivative function, its source, and the helper derivatives it calls."""

    fn: Callable[..., Any]
    source: str
    deps: list[SplitEntry] = field(default_factory=list)
    guards: list[Guard] = field(default_factory=list)
    epoch: int = field(default_factory=lambda: epoch[0])
    stats: dict[str, Any] = field(default_factory=dict)  # what the optimizations did (dump --stats)

    def full_source(self) -> str:
        """This function's source followed by every helper derivative it reaches."""
        return "\n\n".join([self.source] + [e.source for e in reachable(self.deps) if e.source])


@dataclass(eq=False)
class SplitEntry:
    """A helper's recording and adjoint versions (cells filled once they are compiled)."""

    fwd: types.CellType = field(default_factory=types.CellType)
    bwd: types.CellType = field(default_factory=types.CellType)
    source: str = ""
    result_kind: Any = None
    deps: list[SplitEntry] = field(default_factory=list)
    guards: list[Guard] = field(default_factory=list)
    tangent_params: dict[str, str] = field(default_factory=dict)  # forward versions: param -> tangent param


def reachable(deps: list[SplitEntry]) -> list[SplitEntry]:
    """Every helper derivative reached from ``deps``, directly or not."""
    seen: list[SplitEntry] = []
    todo = list(deps)
    while todo:
        entry = todo.pop(0)
        if entry not in seen:
            seen.append(entry)
            todo += entry.deps
    return seen


def all_guards(guards: list[Guard], deps: list[SplitEntry]) -> list[Guard]:
    """``guards`` plus those of every helper derivative reached from ``deps``."""
    out = list(guards)
    for entry in reachable(deps):
        out += [g for g in entry.guards if g not in out]
    return out


class PerFunction:
    """A cache keyed by function and kept on the function object itself, so that it goes away
    with the function (functions made in a loop do not pile up)."""

    def __init__(self, attribute: str) -> None:
        self.attribute = attribute
        self.owners: weakref.WeakSet[Any] = weakref.WeakSet()

    def _table(self, fn: Any, create: bool = False) -> dict[Any, Any] | None:
        store = getattr(fn, "__dict__", None)
        if store is None:
            return None
        if create and self.attribute not in store:
            try:
                self.owners.add(fn)
            except TypeError:  # no weak references (a ufunc): not cached, nothing would clear it
                return None
            store[self.attribute] = {}
        return store.get(self.attribute)

    def get(self, key: tuple[Any, ...], default: Any = None) -> Any:
        table = self._table(key[0])
        return default if table is None else table.get(key[1:], default)

    def __contains__(self, key: tuple[Any, ...]) -> bool:
        table = self._table(key[0])
        return table is not None and key[1:] in table

    def __getitem__(self, key: tuple[Any, ...]) -> Any:
        table = self._table(key[0])
        if table is None:
            raise KeyError(key)
        return table[key[1:]]

    def __setitem__(self, key: tuple[Any, ...], value: Any) -> None:
        table = self._table(key[0], create=True)
        if table is not None:
            table[key[1:]] = value

    def __delitem__(self, key: tuple[Any, ...]) -> None:
        table = self._table(key[0])
        if table is not None:
            table.pop(key[1:], None)

    def items(self) -> list[tuple[tuple[Any, ...], Any]]:
        return [((fn,) + key, value) for fn in list(self.owners) for key, value in (self._table(fn) or {}).items()]

    def clear(self) -> None:
        for fn in list(self.owners):
            fn.__dict__.pop(self.attribute, None)
        self.owners = weakref.WeakSet()

    def __len__(self) -> int:
        return sum(len(self._table(fn) or {}) for fn in list(self.owners))


_split_cache = PerFunction("__srcdiff_split__")
_kind_cache = PerFunction("__srcdiff_kinds__")


def clear() -> None:
    """Forget every transformed helper."""
    with _lock:
        _filled_at[0] = registered.generation
        epoch[0] += 1
        _split_cache.clear()
        _forward_cache.clear()
        _kind_cache.clear()


def _fresh() -> None:
    """Forget every transformed helper if a rule was registered since the caches were filled
    (generated code resolved calls to the function without it: transform again)."""
    if _filled_at[0] != registered.generation:
        clear()


def current_epoch() -> int:
    """The epoch of the caches (bumped first if a rule was registered since they were filled)."""
    if _filled_at[0] != registered.generation:  # (no lock otherwise: generated code calls this each time)
        with _lock:
            _fresh()
    return epoch[0]


def cached_helpers() -> int:
    """How many helper derivatives (recording/adjoint and forward versions) are cached."""
    with _lock:
        _fresh()
        return len(_split_cache) + len(_forward_cache)


def drop_stale() -> None:
    """Forget helper derivatives made for names that have since been rebound."""
    with _lock:
        for cache in (_split_cache, _forward_cache):
            for key, entry in cache.items():
                if not all(guard_holds(g) for g in all_guards(entry.guards, entry.deps)):
                    del cache[key]
        _kind_cache.clear()


class _Env(forward_.ForwardEnvironment):
    """Name resolution and helper transformation for one generated function."""

    def __init__(self, norm: NormalizedFunction) -> None:
        self.norm = norm
        self.cells: dict[str, types.CellType] = {}
        self.values: dict[str, Any] = {}
        self.deps: list[SplitEntry] = []
        self._callees: dict[int, Callee] = {}
        self.guards: list[Guard] = list(norm.guards)  # what the resolved names meant when the code was generated
        self.hoisted = 0  # statements moved out of loops (hoist_loop_invariants)
        for name, helper in norm.helpers.items():  # runtime helpers the normalized code calls
            self.values[name] = helper
            self.cells[name] = types.CellType(helper)
        self._locals = set(norm.params) | stored_names(norm.body)

    def callee(self, node: gast.Call) -> Callee | None:
        found = self._callees.get(id(node))
        if found is None:
            found = resolve(node, self._lookup, self._locals)
            self._callees[id(node)] = found
            if found.kind == USER:  # the code read now must still be the function's code later
                guard = ("attribute", found.obj, "__code__", found.obj.__code__)
                if guard not in self.guards:
                    self.guards.append(guard)
        return found

    def _lookup(self, name: str) -> tuple[bool, Any]:
        if name in self.norm.helpers:
            return True, self.norm.helpers[name]
        guard = self.norm.captured.guard(name)
        if guard not in self.guards:
            self.guards.append(guard)
        return self.norm.captured.resolve(name)

    def global_name(self, preferred: str, value: Any) -> str:
        for name, v in self.values.items():
            if v is value:
                return name
        known, user_value = self.norm.captured.resolve(preferred)
        same = (
            known
            and user_value is value
            and preferred not in self._locals
            and (preferred not in self.norm.captured.cells or isinstance(value, types.ModuleType))
        )
        if preferred in self.norm.namer.taken and not same:
            name = self.norm.namer.prefer(preferred)
        else:
            name = self.norm.namer.reserve(preferred)
        self.values[name] = value
        self.cells[name] = types.CellType(value)
        return name

    def pure_call(self, node: gast.Call, local: set[str]) -> bool:
        """Is ``node`` a call without effects (numpy, math, srcdiff's adjoint helpers), so that
        it can go when nothing reads its result?"""
        path = []
        func = node.func
        while isinstance(func, gast.Attribute):
            path.append(func.attr)
            func = func.value
        if not isinstance(func, gast.Name) or func.id in local:
            return False  # a method of a local object (`_stack.pop()`), or a computed callee
        found, value = (True, self.values[func.id]) if func.id in self.values else self.norm.captured.resolve(func.id)
        for attr in reversed(path):
            value = getattr(value, attr, None)
        return found and _is_pure(value)

    def _bind_cell(self, preferred: str, cell: types.CellType) -> str:
        for name, v in self.values.items():
            if v is cell:
                return name
        name = self.norm.namer.prefer(preferred)
        self.values[name] = cell
        self.cells[name] = cell
        return name

    def split(self, callee: Callee, active: list[str], arg_kinds: list[Any]) -> tuple[str, str]:
        entry = split_function(callee.obj, tuple(active), _param_kinds(callee, arg_kinds))
        if entry not in self.deps:
            self.deps.append(entry)
        base = callee.obj.__name__
        return self._bind_cell(f"{base}_fwd", entry.fwd), self._bind_cell(f"{base}_bwd", entry.bwd)

    def forward(self, callee: Callee, active: list[str], arg_kinds: list[Any]) -> tuple[str, dict[str, str]]:
        entry = forward_function(callee.obj, tuple(active), _param_kinds(callee, arg_kinds))
        if entry not in self.deps:
            self.deps.append(entry)
        return self._bind_cell(f"{callee.obj.__name__}_jvp", entry.fwd), entry.tangent_params

    def result_kind(self, callee: Callee, arg_kinds: list[Any]) -> Any:
        return result_kind(callee.obj, _param_kinds(callee, arg_kinds))


# Calls a dead statement may make: no effect, and no error the function itself would not raise
# elsewhere.  Not math's functions (a domain error must surface, as in the function), not
# numpy.random (a draw moves the generator), not numpy.linalg (singular matrices raise).
_PURE_BUILTINS = {abs, len, bool, min, max, range, reversed, tuple, list, sum}
_EFFECT_HELPERS = {"accumulate_at", "check_scalar", "check_unpack", "checkpoint_schedule", "math"}
_PURE_HELPERS = {id(v) for k, v in TEMPLATE_GLOBALS.items() if callable(v) and k not in _EFFECT_HELPERS}


def _is_pure(value: Any) -> bool:
    if isinstance(value, np.ufunc) or id(value) in _PURE_HELPERS:
        return True
    try:
        if value in _PURE_BUILTINS:
            return True
    except TypeError:  # unhashable
        return False
    module = getattr(value, "__module__", None) or ""
    return module in ("numpy", "numpy.lib") and callable(value)


def _param_kinds(callee: Callee, arg_kinds: list[Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(zip(callee.bound, arg_kinds))


def _analyze(
    fn: Callable[..., Any], wrt: set[str], param_kinds: dict[str, Any], own: SplitEntry | None = None
) -> tuple[NormalizedFunction, _Env, kinds_.Kinds, reverse.Sweeps, record.Placed]:
    norm = normalize(capture(fn))
    env = _Env(norm)
    if optimizing():
        env.hoisted = hoist_loop_invariants(norm.body, norm.params)
    if own is not None:  # a recursive call refers to the functions being built under their own names
        env._bind_cell(f"{norm.name}_fwd", own.fwd)
        env._bind_cell(f"{norm.name}_bwd", own.bwd)
    kinds = kinds_.infer(norm, param_kinds, env.callee, env.result_kind, env._lookup)
    act = activity_.analyze(norm, wrt, env.callee, aliasing.dead_assignments(norm))
    sweeps = reverse.transform(norm, act, kinds, env, recompute=optimizing())
    placed = record.place(
        sweeps.primal,
        sweeps.adjoint,
        sweeps.stack,
        env.global_name("copy_of", TEMPLATE_GLOBALS["copy_of"]),
        keep_all=not optimizing(),
    )
    stats["transforms"] += 1
    return norm, env, kinds, sweeps, placed


def result_kind(fn: Any, param_kinds: tuple[tuple[str, Any], ...]) -> Any:
    """The kind of ``fn``'s result (a number, an array's shape...) for arguments of these kinds."""
    key = (fn, param_kinds)
    with _lock:
        _fresh()
        if key in _kind_cache:
            return _kind_cache[key]
        try:
            with room_for_deep_trees():
                norm = normalize(capture(fn))
        except Exception:
            return kinds_.UNKNOWN
        # A recursive call asks again while we infer: assume a scalar, and check the assumption.
        _kind_cache[key] = kinds_.SCALAR
        with room_for_deep_trees():
            kind = _infer_result(norm, param_kinds)
        if kind != kinds_.SCALAR:
            if _recursive(norm):
                kind = kinds_.UNKNOWN  # the assumption was used, and it was wrong: assume nothing
            _kind_cache.clear()  # answers that may have relied on the assumption are void
        _kind_cache[key] = kind
        return kind


def _recursive(norm: NormalizedFunction) -> bool:
    """Does ``norm`` call itself (so a kind inferred for it may rest on an assumption)?"""
    fn = norm.captured.fn
    return any(
        isinstance(n, gast.Name) and norm.captured.resolve(n.id)[1] is fn
        for n in gast.walk(gast.Module(body=norm.body, type_ignores=[]))
    )


def _infer_result(norm: NormalizedFunction, param_kinds: tuple[tuple[str, Any], ...]) -> Any:
    env = _Env(norm)
    inferred = kinds_.infer(norm, dict(param_kinds), env.callee, env.result_kind, env._lookup)
    return inferred.kind_of(norm.result)


# -- assembling the generated functions ---------------------------------------------------


def _prologue(
    placed: record.Placed, sweeps: reverse.Sweeps, norm: NormalizedFunction, extra_undefined: Sequence[str] = ()
) -> list[gast.stmt]:  # type: ignore[assignment]
    """``x = None`` for saved names that may not exist yet, and the stack."""
    out: list[gast.stmt] = []
    undefined = [n for n in placed.saved if n in sweeps.maybe_undefined]
    undefined += [n for n in sorted(sweeps.unbound) if n not in undefined]
    for name in undefined + [n for n in extra_undefined if n not in undefined]:
        if name not in norm.params:
            out.append(assign(name, const(None)))
    if placed.pushes or sweeps.calls_helpers:
        out.append(assign(sweeps.stack, gast.List(elts=[], ctx=gast.Load())))
    return out


def _zero_adjoints(
    sweeps: reverse.Sweeps, placed: record.Placed, keep: set[str], kinds: kinds_.Kinds, env: _Env
) -> list[gast.stmt]:
    reads = record.adjoint_reads(placed.adjoint) | keep
    return [
        reverse.zero_store(d, kinds.shape_of(load(x)), env)
        for x, d in sweeps.adjoints.items()
        if d in reads and d != sweeps.seeded
    ]


def _origin(norm: NormalizedFunction) -> tuple[str, int]:
    return norm.captured.filename, norm.captured.first_line


def _accumulations(stmts: list[gast.stmt]) -> int:
    """How many ``d = d + e`` / ``d = d - e`` statements (at any depth)."""
    return sum(
        1
        for s in nodes_in(gast.Module(body=stmts, type_ignores=[]))
        if isinstance(s, gast.Assign)
        and isinstance(s.value, gast.BinOp)
        and isinstance(s.value.op, (gast.Add, gast.Sub))
        and isinstance(s.value.left, gast.Name)
        and isinstance(s.targets[0], gast.Name)
        and s.value.left.id == s.targets[0].id
    )


def _pushes_per_iteration(primal: list[gast.stmt], norm: NormalizedFunction) -> dict[str, int]:
    """For each loop of the primal sweep (by the user's line): stack pushes in one iteration."""
    found: dict[str, int] = {}
    for loop in gast.walk(gast.Module(body=primal, type_ignores=[])):
        if isinstance(loop, (gast.For, gast.While)):
            pushes = 0
            todo = list(loop.body)
            while todo:  # this loop's own body, not the loops nested in it
                s = todo.pop()
                if isinstance(s, gast.If):
                    todo += s.body + s.orelse
                elif (
                    isinstance(s, gast.Expr)
                    and isinstance(s.value, gast.Call)
                    and isinstance(s.value.func, gast.Attribute)
                    and s.value.func.attr == "append"
                ):
                    pushes += 1
            where = f"{os.path.basename(norm.captured.filename)}:{norm.captured.line(loop)}"
            found[f"loop at {where}"] = pushes
    return found


def _signature(args: gast.arguments, first: str | None = None) -> gast.arguments:
    """The original parameters (plus a leading ``first``), positional-only ones made plain:
    the generated function is only called positionally or by srcdiff, and astor misplaces
    defaults after a ``/``."""
    args = clone(args)
    args.args = args.posonlyargs + args.args
    args.posonlyargs = []
    if first is not None:
        args.args.insert(0, gast.Name(id=first, ctx=gast.Param(), annotation=None, type_comment=None))
    return args


def _function(name: str, args: gast.arguments, body: list[gast.stmt]) -> gast.FunctionDef:
    return gast.FunctionDef(
        name=name, args=args, body=body, decorator_list=[], returns=None, type_comment=None, type_params=[]
    )


def _may_be_truth_value(norm: NormalizedFunction, result: gast.expr) -> bool:
    """Could the output be a bool (``return x > 0``)?  Then ``grad`` must refuse it at run time."""
    if isinstance(result, gast.Constant):
        return isinstance(result.value, bool)
    tests = (gast.Compare, gast.BoolOp)
    for a in activity_.assignments(norm.body):
        if a.targets[0].id == result.id:
            v = a.value
            if (
                isinstance(v, tests)
                or isinstance(v, gast.UnaryOp)
                and isinstance(v.op, gast.Not)
                or isinstance(v, gast.Constant)
                and isinstance(v.value, bool)
                or isinstance(v, gast.Name)
                and v.id in norm.control_names
            ):
                return True
    return False


def build_gradient(
    fn: Callable[..., Any],
    wrt: list[str],
    param_kinds: dict[str, Any],
    with_value: bool,
    as_tuple: bool,
    optimize: bool = True,
) -> Generated:
    """The gradient function of ``fn`` with respect to parameters ``wrt`` (``optimize=False``: without
    the to-be-recorded analysis and lazy adjoints, to compare)."""
    previous = optimizing()
    _options.optimize = optimize
    try:
        with room_for_deep_trees():
            return _build_gradient(fn, wrt, param_kinds, with_value, as_tuple)
    except SrcDiffError as err:
        raise in_user_terms(err) from None
    finally:
        _options.optimize = previous


def _build_gradient(
    fn: Callable[..., Any], wrt: list[str], param_kinds: dict[str, Any], with_value: bool, as_tuple: bool
) -> Generated:
    with _lock:
        _fresh()
        norm, env, kinds, sweeps, placed = _analyze(fn, set(wrt), param_kinds)
        env.guards.append(("attribute", fn, "__code__", fn.__code__))  # fn's own code, if replaced later
        body = _prologue(placed, sweeps, norm) + placed.primal
        result = norm.result
        known_number = kinds.is_scalar(result) or kinds.shape_of(result) == ()
        if norm.may_return_none or not known_number or _may_be_truth_value(norm, result):
            body.append(
                gast.Expr(
                    value=call(load(env.global_name("check_scalar", TEMPLATE_GLOBALS["check_scalar"])), clone(result))
                )
            )
        grads = []
        # a complex constant can make adjoints complex: grad_like refuses that (rules are for reals)
        complex_values = any(
            isinstance(n, gast.Constant) and isinstance(n.value, complex)
            for n in gast.walk(gast.Module(body=norm.body, type_ignores=[]))
        )
        for p in wrt:
            d = sweeps.adjoints.get(p)
            if d is None:
                grads.append(
                    const(0.0)
                    if kinds.is_scalar(load(p))
                    # shaped like the argument: a tuple for a tuple, not srcdiff's own adjoint type
                    else call(load(env.global_name("grad_like", TEMPLATE_GLOBALS["grad_like"])), const(0.0), load(p))
                )
            elif kinds.is_scalar(load(p)) and not complex_values:
                grads.append(load(d))
            else:
                shaped = load(env.global_name("grad_like", TEMPLATE_GLOBALS["grad_like"]))
                grads.append(call(shaped, load(d), load(p), const(True)))
        backward: list[gast.stmt] = []
        if sweeps.seeded is not None:
            backward.append(assign(sweeps.seeded, const(1.0)))
        backward += _zero_adjoints(
            sweeps, placed, {sweeps.adjoints[p] for p in wrt if p in sweeps.adjoints}, kinds, env
        )
        backward += placed.adjoint
        out: gast.expr = gast.Tuple(elts=grads, ctx=gast.Load()) if as_tuple else grads[0]
        if any(isinstance(g, gast.Call) for g in grads):  # arrays returned uncopied: none twice, none an input
            inputs = gast.Tuple(elts=[load(p) for p in norm.params], ctx=gast.Load())
            out = call(load(env.global_name("owned_results", TEMPLATE_GLOBALS["owned_results"])), out, inputs)
        if with_value:
            # the value as the primal sweep left it: the adjoint sweep restores overwritten names
            value: gast.expr = clone(result)
            if isinstance(result, gast.Name):
                value = load(norm.namer.fresh("value"))
                body.append(assign(value.id, clone(result)))
            out = gast.Tuple(elts=[value, out], ctx=gast.Load())
        backward.append(gast.Return(value=out))
        before = _accumulations(backward), len(backward)
        backward = lazy_adjoints(backward) if optimizing() else backward
        optimized = _accumulations(backward), len(backward)
        pure = functools.partial(env.pure_call, local=set(norm.params) | stored_names(body + backward))
        removed, propagated = _dead_and_copies(backward, pure) if optimizing() else (0, 0)
        body += backward
        report = {
            "stack pushes per loop iteration": _pushes_per_iteration(placed.primal, norm),
            "saves left out (to-be-recorded analysis)": placed.dropped,
            "adjoint accumulations made assignments (lazy adjoints)": before[0] - optimized[0],
            "zero initializations removed (lazy adjoints)": before[1] - optimized[1],
            "adjoint statements of values nothing reads, left out": sweeps.skipped,
            "reads of copies replaced by the original (copy propagation)": propagated,
            "loop-invariant statements moved out of loops": env.hoisted,
        }
        if optimizing():
            report["dead statements removed (primal and adjoint)"] = removed + drop_dead_stores(body, pure)
        prefix = "value_and_grad" if with_value else "grad"
        tree = _function(env.norm.namer.prefer(f"{prefix}_{norm.name}"), _signature(norm.args), body)
        cells = {**norm.captured.cells, **env.cells}
        compiled = compile_function(
            tree,
            norm.captured.globals,
            cells,
            f"{prefix} of {norm.name}",
            fn.__defaults__,
            fn.__kwdefaults__,
            _origin(norm),
            consume=True,
        )
        source = compiled.__srcdiff_source__  # type: ignore[attr-defined]
        return Generated(compiled, source, env.deps, all_guards(env.guards, env.deps), stats=report)


def _dead_and_copies(backward: list[gast.stmt], pure: Callable[[gast.Call], bool]) -> tuple[int, int]:
    """Dead resets go first, so that copies made by lazy adjoints (``d_t1 = dz``) can be
    propagated past them; the copies are dead then (the caller's next dead-store pass removes
    them).  Returns (statements removed, reads changed)."""
    return drop_dead_stores(backward, pure), propagate_copies(backward)


def split_function(
    fn: Callable[..., Any], active: tuple[str, ...], param_kinds: tuple[tuple[str, Any], ...]
) -> SplitEntry:
    """The recording and adjoint versions of helper ``fn`` for these active parameters."""
    key = (fn, active, param_kinds, optimizing())
    with _lock:
        _fresh()
        entry = _split_cache.get(key)
        if entry is not None:
            return entry
        entry = _split_cache[key] = SplitEntry()
        try:
            with room_for_deep_trees():
                _build_split(fn, active, dict(param_kinds), entry)
        except BaseException as err:
            del _split_cache[key]
            if isinstance(err, SrcDiffError):
                raise in_user_terms(err) from None
            raise
        return entry


def _build_split(
    fn: Callable[..., Any], active: tuple[str, ...], param_kinds: dict[str, Any], entry: SplitEntry
) -> None:
    norm, env, kinds, sweeps, placed = _analyze(fn, set(active), param_kinds, entry)
    env.guards.append(("attribute", fn, "__code__", fn.__code__))
    fwd_name, bwd_name = (name for name, v in env.values.items() if v is entry.fwd or v is entry.bwd)
    primal_names = set(norm.params) | stored_names(placed.primal)
    final = sorted((placed.read & primal_names) - {sweeps.stack})
    stack = load(sweeps.stack)

    fwd_args = _signature(norm.args, first=sweeps.stack)
    top_level = {
        s.targets[0].id for s in placed.primal if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
    }
    fwd_body = _prologue(placed, sweeps, norm, [n for n in final if n not in top_level])
    fwd_body = [
        s
        for s in fwd_body
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) and s.targets[0].id == sweeps.stack)
    ]
    fwd_body += placed.primal
    if final:
        saved = load(final[0]) if len(final) == 1 else gast.Tuple(elts=[load(n) for n in final], ctx=gast.Load())
        fwd_body.append(gast.Expr(value=call(gast.Attribute(value=stack, attr="append", ctx=gast.Load()), saved)))
    fwd_body.append(gast.Return(value=clone(norm.result)))

    seed = sweeps.seeded or norm.namer.fresh("g")
    bwd_args = gast.arguments(
        args=[gast.Name(id=n, ctx=gast.Param(), annotation=None, type_comment=None) for n in (sweeps.stack, seed)],
        posonlyargs=[],
        vararg=None,
        kwonlyargs=[],
        kw_defaults=[],
        kwarg=None,
        defaults=[],
    )
    # values first saved in the adjoint sweep (a checkpointed loop records there) need a name
    bwd_body: list[gast.stmt] = [
        assign(n, const(None)) for n in placed.saved if n in sweeps.maybe_undefined and n not in final
    ]
    if final:
        target: gast.expr = gast.Name(id=final[0], ctx=gast.Store(), annotation=None, type_comment=None)
        if len(final) > 1:
            target = gast.Tuple(
                elts=[gast.Name(id=n, ctx=gast.Store(), annotation=None, type_comment=None) for n in final],
                ctx=gast.Store(),
            )
        pop = call(gast.Attribute(value=load(sweeps.stack), attr="pop", ctx=gast.Load()))
        bwd_body.append(gast.Assign(targets=[target], value=pop, type_comment=None))
    grads = [load(sweeps.adjoints[p]) if p in sweeps.adjoints else const(0.0) for p in active]
    backward = _zero_adjoints(sweeps, placed, {sweeps.adjoints[p] for p in active if p in sweeps.adjoints}, kinds, env)
    backward += placed.adjoint
    backward.append(gast.Return(value=gast.Tuple(elts=grads, ctx=gast.Load())))
    if optimizing():
        backward = lazy_adjoints(backward)
        _dead_and_copies(backward, functools.partial(env.pure_call, local=stored_names(backward) | {seed}))
    bwd_body += backward

    if optimizing():
        for part in (fwd_body, bwd_body):
            drop_dead_stores(part, functools.partial(env.pure_call, local=set(norm.params) | stored_names(part)))
    cells = {**norm.captured.cells, **env.cells}
    fwd_tree = _function(fwd_name, fwd_args, fwd_body)
    bwd_tree = _function(bwd_name, bwd_args, bwd_body)
    g = norm.captured.globals
    fwd = compile_function(
        fwd_tree, g, cells, f"{norm.name}_fwd", fn.__defaults__, fn.__kwdefaults__, _origin(norm), consume=True
    )
    bwd = compile_function(bwd_tree, g, cells, f"{norm.name}_bwd", origin=_origin(norm), consume=True)
    entry.fwd.cell_contents, entry.bwd.cell_contents = fwd, bwd
    entry.source = fwd.__srcdiff_plain__ + "\n\n" + bwd.__srcdiff_plain__  # type: ignore[attr-defined]
    entry.deps = env.deps
    entry.guards = env.guards


# -- forward mode -------------------------------------------------------------------------------

_forward_cache = PerFunction("__srcdiff_forward__")


def forward_function(
    fn: Callable[..., Any], active: tuple[str, ...], param_kinds: tuple[tuple[str, Any], ...]
) -> SplitEntry:
    """The forward version of ``fn`` for these active parameters (its compiled function is in
    ``entry.fwd``): ``f_jvp(*args, **{tangent_param: tangent}) -> (value, tangent)``."""
    key = (fn, active, param_kinds)
    with _lock:
        _fresh()
        entry = _forward_cache.get(key)
        if entry is not None:
            return entry
        entry = _forward_cache[key] = SplitEntry()
        try:
            with room_for_deep_trees():
                _build_forward(fn, active, dict(param_kinds), entry)
        except BaseException as err:
            del _forward_cache[key]
            if isinstance(err, SrcDiffError):
                raise in_user_terms(err) from None
            raise
        return entry


def _build_forward(
    fn: Callable[..., Any], active: tuple[str, ...], param_kinds: dict[str, Any], entry: SplitEntry
) -> None:
    norm = normalize(capture(fn))
    env = _Env(norm)
    if optimizing():
        hoist_loop_invariants(norm.body, norm.params)
    env.guards.append(("attribute", fn, "__code__", fn.__code__))
    name = env._bind_cell(f"{norm.name}_jvp", entry.fwd)
    entry.tangent_params = {p: norm.namer.adjoint(p) for p in active}  # (a recursive call needs them now)
    kinds = kinds_.infer(norm, param_kinds, env.callee, env.result_kind, env._lookup)
    act = activity_.analyze(norm, set(active), env.callee)
    body = forward_.transform(norm, act, kinds, env, set(active))
    stats["transforms"] += 1
    args = _signature(norm.args)
    for p in active:
        args.kwonlyargs.append(
            gast.Name(id=entry.tangent_params[p], ctx=gast.Param(), annotation=None, type_comment=None)
        )
        args.kw_defaults.append(None)
    result = norm.result
    if isinstance(result, gast.Name) and act.is_active(result):
        tangent: gast.expr = load(norm.namer.adjoint(result.id))
    elif kinds.is_scalar(result) or isinstance(result, gast.Constant):
        tangent = const(0.0)
    else:
        tangent = call(load(env.global_name("zeros_for", TEMPLATE_GLOBALS["zeros_for"])), clone(result))
    body.append(gast.Return(value=gast.Tuple(elts=[clone(result), tangent], ctx=gast.Load())))
    tree = _function(name, args, body)
    cells = {**norm.captured.cells, **env.cells}
    entry.fwd.cell_contents = compile_function(
        tree,
        norm.captured.globals,
        cells,
        f"{norm.name}_jvp",
        fn.__defaults__,
        fn.__kwdefaults__,
        _origin(norm),
        consume=True,
    )
    entry.source = entry.fwd.cell_contents.__srcdiff_plain__
    entry.deps = env.deps
    entry.guards = env.guards
