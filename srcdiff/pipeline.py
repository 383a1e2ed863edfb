"""The pipeline: the stages and passes in order, and the caches of what they made.

For one function (:func:`_run_passes`)::

    capture -> inline -> normalize                       frontend/
    hoist loop invariants (optimizing)                   optimize/
    kinds, activity (with dead assignments)              analysis/
    reverse transform -> record (what to save)           transform/
    assemble -> lazy adjoints, dead stores, copies       backend/assemble, optimize/
    compile                                              backend/emit

:func:`build_gradient` makes the function a user calls; helpers called from it are
transformed on demand (:func:`split_function`) into a recording version
``f_fwd(stack, ...)`` and an adjoint version ``f_bwd(stack, g)``, cached by the helper, the
arguments that carry derivatives, their kinds and the :class:`Options`, so recursion and shared
helpers are transformed once.  Forward mode (:func:`forward_function`) is the same for ``jvp``.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import re
import threading
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import gast

from . import rules
from .analysis import activity as activity_
from .analysis import complex_values, liveness
from .analysis import kinds as kinds_
from .analysis.calls import is_gradient
from .analysis.gathered_kinds import gathered_counts, split_items
from .analysis.value_kinds import SCALAR, UNKNOWN, FunctionOf
from .backend import assemble
from .backend.cache import Generated, PerFunction, SplitEntry, all_guards
from .backend.emit import compile_function, in_user_terms
from .backend.namespace import SEED, Namespace, ParamKinds
from .errors import NoDerivativeError, SrcDiffError
from .frontend.capture import capture, guard_holds
from .frontend.normal_form import NormalizedFunction
from .frontend.normalize import normalize
from .frontend.partial_objects import STANDS_FOR
from .optimize.passes import (
    drop_dead_stores,
    drop_zero_contributions,
    hoist_loop_invariants,
    lazy_adjoints,
    propagate_copies,
)
from .rules import TEMPLATE_GLOBALS, registered
from .syntax import assign, load, room_for_deep_trees, stored_names
from .transform import forward as forward_
from .transform import record, reverse


@dataclass(frozen=True)
class Options:
    """How code is generated; part of every cache key.

    ``optimize=False`` keeps the code the transforms wrote, without the optimizations
    (to-be-recorded analysis, recomputation, lazy adjoints, dead stores, hoisting), to compare.
    ``entry``: the function the user called, whose arguments are the caller's -- what it writes
    into them goes into copies; helpers called from generated code are built with
    ``entry=False``, since what they write into their arguments is their caller's to see.

    >>> Options(), Options(optimize=False) == Options(False)
    (Options(optimize=True, entry=True, inline_helpers=False), True)
    """

    optimize: bool = True
    entry: bool = True
    inline_helpers: bool = False  # for a gradient called inside a differentiated function (_code_of)


_lock = threading.RLock()
stats = {"transforms": 0}
epoch = [0]  # bumped by clear(): code generated before (e.g. before a rule was registered) is stale
_filled_at = [registered.generation]  # the registration generation the caches were filled at
_split_cache = PerFunction("__srcdiff_split__")
_forward_cache = PerFunction("__srcdiff_forward__")
_vjp_cache = PerFunction("__srcdiff_vjp__")
_RECURSIVE = "srcdiff_recursive"  # set on the entry of a vjp version that calls itself
_kind_cache = PerFunction("__srcdiff_kinds__")
_kind_assumed: dict[Any, bool] = {}  # results being inferred (assumed scalars): was the assumption read?
_gradient_code: dict[Any, Generated] = {}  # (gradient, argument kinds) -> its generated code (see _code_of)


# -- the passes ------------------------------------------------------------------------------


class _Helpers:
    """The derivatives of the user's helpers, as a namespace asks for them: from the caches,
    made with the same options as the function calling them."""

    def __init__(self, options: Options) -> None:
        self.options = dataclasses.replace(options, entry=False)
        self.tape_free = options.inline_helpers

    def vjp(self, fn: Any, active: tuple[str, ...], param_kinds: ParamKinds) -> SplitEntry:
        _check_reversible(fn)
        return vjp_function(_code_of(fn, param_kinds), active, param_kinds, self.options)

    def split(self, fn: Any, active: tuple[str, ...], param_kinds: ParamKinds) -> SplitEntry:
        _check_reversible(fn)
        return split_function(_code_of(fn, param_kinds), active, param_kinds, self.options)

    def forward(self, fn: Any, active: tuple[str, ...], param_kinds: ParamKinds) -> SplitEntry:
        return forward_function(_code_of(fn, param_kinds), active, param_kinds, self.options)

    def result_kind(self, fn: Any, param_kinds: ParamKinds) -> Any:
        return result_kind(_code_of(fn, param_kinds), param_kinds)


def _check_reversible(fn: Any) -> None:
    """Reverse mode over the vjp version of a recursive helper (a third derivative through it)
    is refused: the tape its recursion grows is not differentiated exactly yet."""
    helper = getattr(fn, "__srcdiff_recursive__", None)
    if helper is not None and getattr(helper, "__srcdiff_vjp_version__", False):
        while getattr(helper, "__srcdiff_recursive__", None) is not None:
            helper = helper.__srcdiff_recursive__  # (the user's function)
        code = helper.__code__
        raise NoDerivativeError(
            helper.__name__,
            code.co_filename,
            code.co_firstlineno,
            "reverse mode over the second derivative of a recursive helper is not supported yet",
            "use forward mode for the last order (srcdiff.hessian, srcdiff.hvp, srcdiff.jvp)",
        )


def _code_of(fn: Any, param_kinds: ParamKinds) -> Any:
    """What a call of ``fn`` runs: for a srcdiff gradient called inside a differentiated function
    (``srcdiff.grad(inner)(x, w)``), the code it generates for arguments of these kinds --
    differentiated like any helper; otherwise ``fn`` itself."""
    if not is_gradient(fn):
        return fn
    key = (fn.fn, tuple(fn.wrt), fn.with_value, fn.as_tuple, fn.optimize, param_kinds)
    with _lock:
        _fresh()
        generated = _gradient_code.get(key)
        if generated is None or not all(map(guard_holds, generated.guards)):  # (a helper rebound since)
            inner = fn.fn
            if is_gradient(inner):  # grad(grad(f)): the inner gradient's code is differentiated
                inner = _code_of(inner, param_kinds)
            options = Options(optimize=fn.optimize, inline_helpers=True)
            generated = build_gradient(inner, list(fn.wrt), dict(param_kinds), fn.with_value, fn.as_tuple, options)
            _gradient_code[key] = generated
        return generated.fn


def differentiable_code(gradient: Any, param_kinds: dict[str, Any]) -> Any:
    """The code of srcdiff gradient ``gradient`` for arguments of these kinds, made to be
    differentiated again (grad of grad, vjp of a gradient, a gradient called inside a
    differentiated function): every helper that can be is written in, and each other helper's
    adjoint is its vjp version (:func:`vjp_function`) -- no recording and adjoint versions
    talking through a tape, which the next derivative could not follow."""
    return _code_of(gradient, tuple(param_kinds.items()))


def code_guards(gradient: Any, param_kinds: dict[str, Any]) -> list[Any]:
    """What keeps :func:`differentiable_code` valid (the names and code its helpers had): a
    derivative of that code holds only while they do."""
    key = (gradient.fn, tuple(gradient.wrt), gradient.with_value, gradient.as_tuple, gradient.optimize)
    generated = _gradient_code.get(key + (tuple(param_kinds.items()),))
    return [] if generated is None else list(generated.guards)


def _front(
    fn: Callable[..., Any], options: Options, param_kinds: dict[str, Any], active: AbstractSet[str] = frozenset()
) -> tuple[NormalizedFunction, Namespace, dict[str, Any]]:
    """Capture, inline and normalize ``fn``; hoist its loop invariants when optimizing.  When
    ``active`` names items of ``*args`` (``args_0``...), they become parameters of their own
    (returned: the parameter kinds with theirs)."""
    captured = capture(fn)
    split, param_kinds = split_items(captured, param_kinds, active)
    norm = normalize(
        captured,
        copy_written_arguments=options.entry,
        inline_helpers=options.inline_helpers,
        gathered=gathered_counts(captured.tree, param_kinds),
        split=split,
    )
    passed = [k.fn for k in param_kinds.values() if isinstance(k, FunctionOf)]
    generated = norm.captured.filename.startswith("<srcdiff") and norm.captured.filename not in STANDS_FOR
    if generated and any(rules.lookup(f) is None for f in passed):
        raise NoDerivativeError(  # (the tangent stack of a helper called through it came out misaligned)
            norm.name,
            norm.captured.filename,
            norm.captured.first_line,
            "second derivatives through a function passed as an argument are not supported yet",
            "differentiate once (grad, jvp), or call the function by its own name in the code",
        )
    env = Namespace(norm, _Helpers(options), param_kinds)
    env.complex_names = complex_values.maybe_complex(norm, param_kinds, env.callee, env.lookup)
    complex_values.check(norm, env.complex_names, env.callee)
    if options.optimize:
        env.hoisted = hoist_loop_invariants(norm.body, norm.params)
    env.guards.append(("attribute", fn, "__code__", fn.__code__))  # fn's own code, if replaced later
    return norm, env, param_kinds


def _run_passes(
    fn: Callable[..., Any], wrt: set[str], param_kinds: dict[str, Any], options: Options, own: SplitEntry | None = None
) -> tuple[NormalizedFunction, Namespace, kinds_.Kinds, reverse.Sweeps, record.Placed]:
    """Every pass up to assembly, for reverse mode."""
    norm, env, param_kinds = _front(fn, options, param_kinds, wrt)
    if own is not None:  # a recursive call refers to the functions being built under their own names
        env.bind_cell(f"{norm.name}_fwd", own.fwd)
        env.bind_cell(f"{norm.name}_bwd", own.bwd)
    kinds = kinds_.infer(norm, param_kinds, env.callee, env.result_kind, env.lookup)
    act = activity_.analyze(norm, wrt, env.callee, liveness.dead_assignments(norm))
    sweeps = reverse.transform(norm, act, kinds, env, recompute=options.optimize)
    placed = record.place(
        sweeps.primal,
        sweeps.adjoint,
        sweeps.stack,
        env.global_name("copy_of", TEMPLATE_GLOBALS["copy_of"]),
        keep_all=not options.optimize,
    )
    stats["transforms"] += 1
    return norm, env, kinds, sweeps, placed


def _dead_and_copies(backward: list[gast.stmt], pure: Callable[[gast.Call], bool]) -> tuple[int, int]:
    """Dead resets go first, so that copies made by lazy adjoints (``d_t1 = dz``) can be
    propagated past them; the copies are dead then (the next dead-store pass removes them).
    Returns (statements removed, reads changed)."""
    return drop_dead_stores(backward, pure), propagate_copies(backward)


def _compile(tree: gast.FunctionDef, norm: NormalizedFunction, env: Namespace, label: str, fn: Any = None) -> Any:
    """Compile a generated function (with ``fn``'s defaults, if given) in the user's globals."""
    cells = {**norm.captured.cells, **env.cells}
    defaults, kwdefaults = (fn.__defaults__, fn.__kwdefaults__) if fn is not None else (None, None)
    if getattr(getattr(fn, "__code__", None), "co_flags", 0) & inspect.CO_VARARGS and norm.args.vararg is None:
        defaults = None  # *args made parameters (it gathered some, so no default is used)
    return compile_function(
        tree, norm.captured.globals, cells, label, defaults, kwdefaults, assemble.origin(norm), consume=True
    )


# -- reverse mode ----------------------------------------------------------------------------


def build_gradient(
    fn: Callable[..., Any],
    wrt: list[str],
    param_kinds: dict[str, Any],
    with_value: bool,
    as_tuple: bool,
    options: Options = Options(),
) -> Generated:
    """The gradient function of ``fn`` with respect to parameters ``wrt``."""
    try:
        with room_for_deep_trees(), _lock:
            _fresh()
            return _build_gradient(fn, wrt, param_kinds, with_value, as_tuple, options)
    except SrcDiffError as err:
        raise in_user_terms(err) from None


def _build_gradient(
    fn: Callable[..., Any],
    wrt: list[str],
    param_kinds: dict[str, Any],
    with_value: bool,
    as_tuple: bool,
    options: Options,
) -> Generated:
    norm, env, kinds, sweeps, placed = _run_passes(fn, set(wrt), param_kinds, options)
    body, backward = assemble.gradient_sweeps(norm, env, kinds, sweeps, placed, wrt, with_value, as_tuple)
    before = assemble.accumulations(backward), len(backward)
    backward = lazy_adjoints(backward) if options.optimize else drop_zero_contributions(backward)
    lazy = assemble.accumulations(backward), len(backward)
    pure = functools.partial(env.pure_call, local=set(norm.params) | stored_names(body + backward))
    removed, propagated = _dead_and_copies(backward, pure) if options.optimize else (0, 0)
    body += backward
    report = {
        "stack pushes per loop iteration": assemble.pushes_per_iteration(placed.primal, norm),
        "saves left out (to-be-recorded analysis)": placed.dropped,
        "adjoint accumulations made assignments (lazy adjoints)": before[0] - lazy[0],
        "zero initializations removed (lazy adjoints)": before[1] - lazy[1],
        "adjoint statements of values nothing reads, left out": sweeps.skipped,
        "reads of copies replaced by the original (copy propagation)": propagated,
        "loop-invariant statements moved out of loops": env.hoisted,
    }
    if options.optimize:
        report["dead statements removed (primal and adjoint)"] = removed + drop_dead_stores(body, pure)
    prefix = "value_and_grad" if with_value else "grad"
    name = env.norm.namer.prefer(f"{prefix}_{norm.name}")
    tree = assemble.function(name, assemble.signature(norm.args), body)
    compiled = _compile(tree, norm, env, f"{prefix} of {norm.name}", fn)
    source = compiled.__srcdiff_source__
    return Generated(compiled, source, env.deps, all_guards(env.guards, env.deps), epoch[0], report)


def split_function(
    fn: Callable[..., Any], active: tuple[str, ...], param_kinds: ParamKinds, options: Options = Options()
) -> SplitEntry:
    """The recording and adjoint versions of helper ``fn`` for these active parameters."""
    return _cached(_split_cache, _build_split, fn, active, param_kinds, options)


def _build_split(
    fn: Callable[..., Any], active: tuple[str, ...], param_kinds: dict[str, Any], options: Options, entry: SplitEntry
) -> None:
    norm, env, kinds, sweeps, placed = _run_passes(fn, set(active), param_kinds, options, entry)
    fwd_name, bwd_name = (name for name, v in env.values.items() if v is entry.fwd or v is entry.bwd)
    final = assemble.recorded_names(norm, sweeps, placed)
    fwd_args = assemble.signature(norm.args, first=sweeps.stack)
    fwd_body = assemble.recording_body(norm, sweeps, placed, final)
    seed = sweeps.seeded or norm.namer.fresh("g")
    bwd_body = assemble.adjoint_restore(sweeps, placed, final)
    backward = assemble.adjoint_sweep(sweeps, placed, active, kinds, env)
    backward = lazy_adjoints(backward) if options.optimize else drop_zero_contributions(backward)
    if options.optimize:
        _dead_and_copies(backward, functools.partial(env.pure_call, local=stored_names(backward) | {seed}))
    bwd_body += backward
    if options.optimize:
        for part in (fwd_body, bwd_body):
            drop_dead_stores(part, functools.partial(env.pure_call, local=set(norm.params) | stored_names(part)))
    fwd = _compile(assemble.function(fwd_name, fwd_args, fwd_body), norm, env, f"{norm.name}_fwd", fn)
    bwd_tree = assemble.function(bwd_name, assemble.adjoint_signature(sweeps.stack, seed), bwd_body)
    bwd = _compile(bwd_tree, norm, env, f"{norm.name}_bwd")
    fwd.__srcdiff_tape__ = bwd.__srcdiff_tape__ = True  # (they talk through the stack: see reverse.calls)
    entry.fwd.cell_contents, entry.bwd.cell_contents = fwd, bwd
    entry.source = fwd.__srcdiff_plain__ + "\n\n" + bwd.__srcdiff_plain__
    entry.deps = env.deps
    entry.guards = env.guards


def vjp_function(
    fn: Callable[..., Any], active: tuple[str, ...], param_kinds: ParamKinds, options: Options = Options()
) -> SplitEntry:
    """The vjp version of helper ``fn`` (in ``entry.fwd``): ``f_vjp(*args, **{seed: g})`` runs
    the recording and the adjoint sweeps in one function, with a tape of its own, and returns
    the adjoints of the active parameters -- what code that is differentiated again calls."""
    seed = "_seed_" + re.sub(r"\W", "_", getattr(fn, "__name__", "f"))  # (a lambda is named <lambda>)
    while seed in getattr(getattr(fn, "__code__", None), "co_varnames", ()):
        seed += "_"
    key = (fn, active, param_kinds, options)
    with _lock:
        _fresh()
        entry = _vjp_cache.get(key)
        if entry is not None:
            try:
                _ = entry.fwd.cell_contents
            except ValueError:  # being built: a recursive call
                setattr(entry, _RECURSIVE, True)
            return entry
    return _cached(_vjp_cache, functools.partial(_build_vjp, seed=seed), fn, active, param_kinds, options)


def _build_vjp(
    fn: Callable[..., Any],
    active: tuple[str, ...],
    param_kinds: dict[str, Any],
    options: Options,
    entry: SplitEntry,
    seed: str,
) -> None:
    entry.tangent_params = {SEED: seed}  # (a recursive call needs it now)
    norm, env, kinds, sweeps, placed = _run_passes(fn, set(active), param_kinds, options)
    name = env.bind_cell(f"{norm.name}_vjp", entry.fwd)
    final = assemble.recorded_names(norm, sweeps, placed)
    recording = assemble.recording_body(norm, sweeps, placed, final)[:-1]  # (without its return)
    if any(isinstance(n, gast.Return) for s in recording for n in gast.walk(s)):
        raise NoDerivativeError(
            norm.name,
            norm.captured.filename,
            norm.captured.first_line,
            "reverse mode over a gradient whose helpers return before their end is not supported yet",
            "use forward mode over the gradient (srcdiff.hessian, srcdiff.hvp, srcdiff.jvp)",
        )
    restore = assemble.adjoint_restore(sweeps, placed, final)
    backward = assemble.adjoint_sweep(sweeps, placed, active, kinds, env)
    backward = lazy_adjoints(backward) if options.optimize else drop_zero_contributions(backward)
    start = sweeps.seeded or seed
    body = [assign(sweeps.stack, gast.List(elts=[], ctx=gast.Load()))] + recording + restore
    if start != seed:
        body.append(assign(start, load(seed)))
    body += backward
    if options.optimize:
        drop_dead_stores(body, functools.partial(env.pure_call, local=set(norm.params) | stored_names(body) | {seed}))
    args = assemble.signature(norm.args)
    args.kwonlyargs = [*args.kwonlyargs, gast.Name(id=seed, ctx=gast.Param(), annotation=None, type_comment=None)]
    args.kw_defaults = [*args.kw_defaults, None]
    entry.fwd.cell_contents = _compile(assemble.function(name, args, body), norm, env, f"{norm.name}_vjp", fn)
    entry.fwd.cell_contents.__srcdiff_vjp_version__ = True  # (see result_kind)
    if getattr(entry, _RECURSIVE, False):
        entry.fwd.cell_contents.__srcdiff_recursive__ = fn  # (see _check_reversible)
    entry.source = entry.fwd.cell_contents.__srcdiff_plain__
    entry.deps = env.deps
    entry.guards = env.guards


# -- forward mode ----------------------------------------------------------------------------


def forward_function(
    fn: Callable[..., Any], active: tuple[str, ...], param_kinds: ParamKinds, options: Options = Options()
) -> SplitEntry:
    """The forward version of ``fn`` for these active parameters (its compiled function is in
    ``entry.fwd``): ``f_jvp(*args, **{tangent_param: tangent}) -> (value, tangent)``."""
    return _cached(_forward_cache, _build_forward, fn, active, param_kinds, options)


def _build_forward(
    fn: Callable[..., Any], active: tuple[str, ...], param_kinds: dict[str, Any], options: Options, entry: SplitEntry
) -> None:
    norm, env, param_kinds = _front(fn, options, param_kinds, set(active))
    name = env.bind_cell(f"{norm.name}_jvp", entry.fwd)
    entry.tangent_params = {p: norm.namer.adjoint(p) for p in active}  # (a recursive call needs them now)
    kinds = kinds_.infer(norm, param_kinds, env.callee, env.result_kind, env.lookup)
    act = activity_.analyze(norm, set(active), env.callee)
    copies = assemble.owned_copies(norm, env, entry.tangent_params)
    body = copies + forward_.transform(norm, act, kinds, env, set(active))
    stats["transforms"] += 1
    body.append(assemble.forward_return(norm, act, kinds, env))
    tree = assemble.function(name, assemble.forward_signature(norm, entry.tangent_params), body)
    entry.fwd.cell_contents = _compile(tree, norm, env, f"{norm.name}_jvp", fn)
    entry.source = entry.fwd.cell_contents.__srcdiff_plain__
    entry.deps = env.deps
    entry.guards = env.guards


# -- kinds of helpers' results ---------------------------------------------------------------


def result_kind(fn: Any, param_kinds: ParamKinds) -> Any:
    """The kind of ``fn``'s result (a number, an array's shape...) for arguments of these kinds."""
    key = (fn, param_kinds)
    if getattr(fn, "__srcdiff_vjp_version__", False):
        # a helper's vjp version returns its adjoints, as a tuple: inferring more of it would
        # infer its helper's kinds again, once per order (a recursive one: once per call path)
        return UNKNOWN
    with _lock:
        _fresh()
        if key in _kind_cache:
            if key in _kind_assumed:
                _kind_assumed[key] = True  # (a recursive call relies on the assumption)
            return _kind_cache[key]
        try:
            with room_for_deep_trees():
                captured = capture(fn)
                norm = normalize(captured, gathered=gathered_counts(captured.tree, dict(param_kinds)))
        except Exception:
            return UNKNOWN
        # A recursive call asks again while we infer: assume a scalar, and check the assumption.
        _kind_cache[key] = SCALAR
        _kind_assumed[key] = False
        try:
            with room_for_deep_trees():
                env = Namespace(norm, _Helpers(Options()), dict(param_kinds))
                inferred = kinds_.infer(norm, dict(param_kinds), env.callee, env.result_kind, env.lookup)
                kind = inferred.kind_of(norm.result)
        finally:
            relied = _kind_assumed.pop(key, True)  # (gone: a nested inference of the same key ended first)
        if kind != SCALAR and relied:
            if _recursive(norm):
                kind = UNKNOWN  # the assumption was used, and it was wrong: assume nothing
            # answers that may have relied on the assumption are void (only those made since
            # would be, but which those are is not recorded: a generated vjp version returns a
            # tuple, and clearing for each made nested recursions exponential)
            _kind_cache.clear()
        _kind_cache[key] = kind
        return kind


def _recursive(norm: NormalizedFunction) -> bool:
    """Does ``norm`` call itself (so a kind inferred for it may rest on an assumption)?"""
    fn = norm.captured.fn
    return any(
        isinstance(n, gast.Name) and norm.captured.resolve(n.id)[1] is fn
        for n in gast.walk(gast.Module(body=norm.body, type_ignores=[]))
    )


# -- the caches ------------------------------------------------------------------------------


def _cached(
    cache: PerFunction,
    build: Callable[..., None],
    fn: Callable[..., Any],
    active: tuple[str, ...],
    param_kinds: ParamKinds,
    options: Options,
) -> SplitEntry:
    """The entry for ``fn`` made by ``build`` (once: a recursive call finds the entry being built)."""
    key = (fn, active, param_kinds, options)
    with _lock:
        _fresh()
        entry = cache.get(key)
        if entry is not None:
            return entry
        entry = cache[key] = SplitEntry()
        try:
            with room_for_deep_trees():
                build(fn, active, dict(param_kinds), options, entry)
        except BaseException as err:
            del cache[key]
            if isinstance(err, SrcDiffError):
                raise in_user_terms(err) from None
            raise
        return entry


def clear() -> None:
    """Forget every transformed helper."""
    with _lock:
        _filled_at[0] = registered.generation
        epoch[0] += 1
        _split_cache.clear()
        _forward_cache.clear()
        _vjp_cache.clear()
        _kind_cache.clear()
        _gradient_code.clear()


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
        return len(_split_cache) + len(_forward_cache) + len(_vjp_cache)


def drop_stale() -> None:
    """Forget helper derivatives made for names that have since been rebound."""
    with _lock:
        for cache in (_split_cache, _forward_cache, _vjp_cache):
            for key, entry in cache.items():
                if not all(guard_holds(g) for g in all_guards(entry.guards, entry.deps)):
                    del cache[key]
        _kind_cache.clear()
