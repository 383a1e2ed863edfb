"""Assembly: the sweeps the transforms produced, put together as the functions srcdiff compiles.

* a gradient: prologue, primal sweep, output check, seed, zeroed adjoints, adjoint sweep, return
  of the gradients (:func:`gradient_sweeps`);
* a helper's split versions: ``f_fwd(stack, ...)`` records and returns the value,
  ``f_bwd(stack, g)`` replays and returns the gradients of its active parameters
  (:func:`recording_body`, :func:`adjoint_body`);
* a forward version: ``f_jvp(..., *, dx)`` returning ``(value, tangent)`` (:func:`forward_function_tree`).

The optimizations between assembly and compilation are the pipeline's to run.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import gast

from ..analysis.activity import Activity, assignments
from ..analysis.kinds import Kinds
from ..errors import OutputError
from ..frontend.normal_form import NormalizedFunction
from ..runtime import copy_of
from ..syntax import assign, call, clone, const, load, nodes_in, stored_names
from ..transform import record, reverse
from .namespace import Namespace


def prologue(
    placed: record.Placed, sweeps: reverse.Sweeps, norm: NormalizedFunction, extra_undefined: Sequence[str] = ()
) -> list[gast.stmt]:
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


def owned_copies(norm: NormalizedFunction, env: Namespace, tangents: dict[str, str] | None = None) -> list[gast.stmt]:
    """``x = copy_of(x)`` for the arguments the function writes into (and ``dx = copy_of(dx)``
    for their ``tangents`` in forward mode): the generated code writes into its own copies,
    never into the caller's values."""
    if not norm.owned:
        return []
    name = env.global_name("copy_of", copy_of)
    out = [assign(p, call(load(name), load(p))) for p in norm.params if p in norm.owned]
    for p in norm.params:
        if p in norm.owned and tangents and p in tangents:
            out.append(assign(tangents[p], call(load(name), load(tangents[p]))))
    return out


def zero_adjoints(
    sweeps: reverse.Sweeps, placed: record.Placed, keep: set[str], kinds: Kinds, env: Namespace
) -> list[gast.stmt]:
    """A zero for each adjoint the adjoint sweep reads (and those in ``keep``, returned)."""
    reads = record.adjoint_reads(placed.adjoint) | keep
    return [
        reverse.zero_store(d, kinds.shape_of(load(x)), env)
        for x, d in sweeps.adjoints.items()
        if d in reads and d != sweeps.seeded
    ]


def signature(args: gast.arguments, first: str | None = None) -> gast.arguments:
    """The original parameters (plus a leading ``first``), positional-only ones made plain:
    the generated function is only called positionally or by srcdiff, and astor misplaces
    defaults after a ``/``."""
    args = clone(args)
    args.args = args.posonlyargs + args.args
    args.posonlyargs = []
    if first is not None:
        args.args.insert(0, _param(first))
    return args


def function(name: str, args: gast.arguments, body: list[gast.stmt]) -> gast.FunctionDef:
    return gast.FunctionDef(
        name=name, args=args, body=body, decorator_list=[], returns=None, type_comment=None, type_params=[]
    )


def origin(norm: NormalizedFunction) -> tuple[str, int]:
    """The user's file and first line, for line mapping and messages."""
    return norm.captured.filename, norm.captured.first_line


def gradient_sweeps(
    norm: NormalizedFunction,
    env: Namespace,
    kinds: Kinds,
    sweeps: reverse.Sweeps,
    placed: record.Placed,
    wrt: list[str],
    with_value: bool,
    as_tuple: bool,
) -> tuple[list[gast.stmt], list[gast.stmt]]:
    """The gradient function's two halves: up to the value (prologue, primal sweep, output
    check), and from the seed to ``return`` of the gradients (and the value)."""
    body = owned_copies(norm, env) + prologue(placed, sweeps, norm) + placed.primal
    result = norm.result
    known_number = kinds.is_scalar(result) or kinds.shape_of(result) == ()
    if norm.may_return_none or not known_number or _may_be_truth_value(norm, result):
        body.append(gast.Expr(value=call(env.runtime("check_scalar"), clone(result))))
    grads = []
    complex_values = bool(env.complex_names)
    if isinstance(result, gast.Name) and result.id in env.complex_names and not env.complex_names & set(wrt):
        raise OutputError(
            norm.name,
            *origin(norm),
            "grad needs a real output, and this function's output may be complex (its inputs are real)",
            "differentiate np.real(...), np.abs(...) or np.abs(...) ** 2 of it, or use srcdiff.jacobian",
        )
    for p in wrt:
        d = sweeps.adjoints.get(p)
        if d is None:
            grads.append(
                const(0.0)
                if kinds.is_scalar(load(p))
                # shaped like the argument: a tuple for a tuple, not srcdiff's own adjoint type
                else call(env.runtime("grad_like"), const(0.0), load(p))
            )
        elif kinds.is_scalar(load(p)) and not complex_values:
            grads.append(load(d))
        elif isinstance(result, gast.Name) and result.id in env.complex_names:  # f'(z) of a complex output
            grads.append(call(env.runtime("grad_like"), load(d), load(p), const(True), clone(result)))
        else:
            grads.append(call(env.runtime("grad_like"), load(d), load(p), const(True)))
    backward: list[gast.stmt] = []
    if sweeps.seeded is not None:
        backward.append(assign(sweeps.seeded, const(1.0)))
    backward += zero_adjoints(sweeps, placed, {sweeps.adjoints[p] for p in wrt if p in sweeps.adjoints}, kinds, env)
    backward += placed.adjoint
    out: gast.expr = gast.Tuple(elts=grads, ctx=gast.Load()) if as_tuple else grads[0]
    if any(isinstance(g, gast.Call) for g in grads):  # arrays returned uncopied: none twice, none an input
        inputs = gast.Tuple(elts=[load(p) for p in norm.params], ctx=gast.Load())
        out = call(env.runtime("owned_results"), out, inputs)
    if with_value:
        # the value as the primal sweep left it: the adjoint sweep restores overwritten names
        value: gast.expr = clone(result)
        if isinstance(result, gast.Name):
            value = load(norm.namer.fresh("value"))
            body.append(assign(value.id, clone(result)))
        out = gast.Tuple(elts=[value, out], ctx=gast.Load())
    backward.append(gast.Return(value=out))
    return body, backward


def _may_be_truth_value(norm: NormalizedFunction, result: gast.expr) -> bool:
    """Could the output be a bool (``return x > 0``)?  Then ``grad`` must refuse it at run time."""
    if isinstance(result, gast.Constant):
        return isinstance(result.value, bool)
    tests = (gast.Compare, gast.BoolOp)
    for a in assignments(norm.body):
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


def recorded_names(norm: NormalizedFunction, sweeps: reverse.Sweeps, placed: record.Placed) -> list[str]:
    """The primal values a helper's adjoint version reads: ``f_fwd`` pushes them last."""
    primal_names = set(norm.params) | stored_names(placed.primal)
    return sorted((placed.read & primal_names) - {sweeps.stack})


def recording_body(
    norm: NormalizedFunction, sweeps: reverse.Sweeps, placed: record.Placed, final: list[str]
) -> list[gast.stmt]:
    """``f_fwd``'s body: the primal sweep, pushing what the adjoint reads, returning the value."""
    top_level = {
        s.targets[0].id for s in placed.primal if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
    }
    body = [  # the stack is the caller's (f_fwd's first parameter)
        s
        for s in prologue(placed, sweeps, norm, [n for n in final if n not in top_level])
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) and s.targets[0].id == sweeps.stack)
    ]
    body += placed.primal
    if final:
        saved = load(final[0]) if len(final) == 1 else gast.Tuple(elts=[load(n) for n in final], ctx=gast.Load())
        stack = load(sweeps.stack)
        body.append(gast.Expr(value=call(gast.Attribute(value=stack, attr="append", ctx=gast.Load()), saved)))
    body.append(gast.Return(value=clone(norm.result)))
    return body


def adjoint_signature(stack: str, seed: str) -> gast.arguments:
    """``f_bwd(stack, g)``."""
    return gast.arguments(
        args=[_param(stack), _param(seed)],
        posonlyargs=[],
        vararg=None,
        kwonlyargs=[],
        kw_defaults=[],
        kwarg=None,
        defaults=[],
    )


def adjoint_restore(sweeps: reverse.Sweeps, placed: record.Placed, final: list[str]) -> list[gast.stmt]:
    """``f_bwd``'s first statements: names first saved in its own sweep (a checkpointed loop
    records there), and the pop of what ``f_fwd`` pushed last."""
    out: list[gast.stmt] = [
        assign(n, const(None)) for n in placed.saved if n in sweeps.maybe_undefined and n not in final
    ]
    if final:
        target: gast.expr = _store(final[0])
        if len(final) > 1:
            target = gast.Tuple(elts=[_store(n) for n in final], ctx=gast.Store())
        pop = call(gast.Attribute(value=load(sweeps.stack), attr="pop", ctx=gast.Load()))
        out.append(gast.Assign(targets=[target], value=pop, type_comment=None))
    return out


def adjoint_sweep(
    sweeps: reverse.Sweeps, placed: record.Placed, active: tuple[str, ...], kinds: Kinds, env: Namespace
) -> list[gast.stmt]:
    """``f_bwd``'s adjoint sweep, returning the gradients of the active parameters."""
    grads = [load(sweeps.adjoints[p]) if p in sweeps.adjoints else const(0.0) for p in active]
    out = zero_adjoints(sweeps, placed, {sweeps.adjoints[p] for p in active if p in sweeps.adjoints}, kinds, env)
    out += placed.adjoint
    out.append(gast.Return(value=gast.Tuple(elts=grads, ctx=gast.Load())))
    return out


def forward_signature(norm: NormalizedFunction, tangents: dict[str, str]) -> gast.arguments:
    """``f_jvp(<the parameters>, *, <a tangent per active parameter>)``."""
    args = signature(norm.args)
    for tangent in tangents.values():
        args.kwonlyargs.append(_param(tangent))
        args.kw_defaults.append(None)
    return args


def forward_return(norm: NormalizedFunction, act: Activity, kinds: Kinds, env: Namespace) -> gast.stmt:
    """``return value, tangent`` (a zero tangent shaped like the value when none flows to it)."""
    result = norm.result
    if isinstance(result, gast.Name) and act.is_active(result):
        tangent: gast.expr = load(norm.namer.adjoint(result.id))
    elif kinds.is_scalar(result) or isinstance(result, gast.Constant):
        tangent = const(0.0)
    else:
        tangent = call(env.runtime("zeros_for"), clone(result))
    return gast.Return(value=gast.Tuple(elts=[clone(result), tangent], ctx=gast.Load()))


# -- what dump --stats reports ---------------------------------------------------------------


def accumulations(stmts: list[gast.stmt]) -> int:
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


def pushes_per_iteration(primal: list[gast.stmt], norm: NormalizedFunction) -> dict[str, int]:
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


def _param(name: str) -> gast.Name:
    return gast.Name(id=name, ctx=gast.Param(), annotation=None, type_comment=None)


def _store(name: str) -> gast.Name:
    return gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)
