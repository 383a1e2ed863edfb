"""Which mode a gradient runs in.  Reverse mode (a tape, one sweep back) by default.  With
``mode="auto"``, forward mode (each value's tangent carried along with it) for a loop in one
number -- a Newton iteration, a scalar recurrence in one parameter -- where reverse mode's tape
costs more than the one tangent that replaces it, and forward mode is what a hand-written
derivative does; ``mode="forward"`` asks for it.  The same numbers either way; ``srcdiff.source``
shows which.  (Not the default: the reverse code is the one people read, and what a checkpointed
loop refuses stays refused.)

>>> import math, srcdiff
>>> def orbit(e):
...     E = 1.0
...     for _ in range(20):
...         E = E - (E - e * math.sin(E) - 1.0) / (1.0 - e * math.cos(E))
...     return E
>>> df = srcdiff.grad(orbit, mode="auto")
>>> abs(df(0.3) - srcdiff.grad(orbit)(0.3)) < 1e-12
True
>>> "forward mode" in srcdiff.source(df)
True
"""

from __future__ import annotations

import dis
import inspect
import types
from collections.abc import Callable
from typing import Any

import gast

from .. import pipeline
from ..analysis.value_kinds import SCALAR
from ..backend.cache import Generated
from ..backend.emit import compile_function
from ..errors import WrtError
from ..runtime import check_scalar

MODES = ("auto", "reverse", "forward")


def prefers_forward(fn: Any, wrt: list[str], kinds: dict[str, Any]) -> bool:
    """Forward mode for ``mode="auto"``: one differentiated parameter, a number, of a plain
    function (positional parameters only) -- one tangent, no tape."""
    if len(wrt) != 1 or kinds.get(wrt[0]) != SCALAR or not isinstance(fn, types.FunctionType):
        return False
    code = fn.__code__
    plain = not (code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS)) and not code.co_kwonlyargcount
    checkpointed = "checkpointed" in code.co_names  # (a loop the user keeps in reverse mode)
    return plain and set(kinds) == set(code.co_varnames[: code.co_argcount]) and _loops(code) and not checkpointed


def _loops(code: types.CodeType) -> bool:
    """Does the function loop (where a tape grows with the iterations)?  Straight-line code keeps
    reverse mode, whose adjoint code is the one people read."""
    return any(i.opname in ("FOR_ITER", "JUMP_BACKWARD") for i in dis.get_instructions(code))


def forward_gradient(
    fn: Callable[..., Any], wrt: str, kinds: dict[str, Any], with_value: bool, as_tuple: bool, optimize: bool
) -> Generated:
    """The gradient of ``fn`` in ``wrt`` as its forward version run with the tangent 1.0."""
    options = pipeline.Options(optimize=optimize)
    entry = pipeline.forward_function(fn, (wrt,), tuple(kinds.items()), options)
    forward = entry.fwd.cell_contents
    params = list(fn.__code__.co_varnames[: fn.__code__.co_argcount])
    tangent = entry.tangent_params[wrt]
    prefix = "value_and_grad" if with_value else "grad"
    name = f"{prefix}_{fn.__name__}"
    result = tangent if not as_tuple else f"({tangent},)"
    source = (
        f"def {name}({', '.join(params)}):\n"
        f"    # forward mode: one number differentiated, so its tangent is carried along with the\n"
        f"    # values (no tape); srcdiff.grad(..., mode='reverse') for reverse mode\n"
        f"    value, {tangent} = {forward.__name__}({', '.join(params)}, {tangent}=1.0)\n"
        f"    check_scalar(value)\n"
        f"    return {'value, ' if with_value else ''}{result}\n"
    )
    tree = gast.parse(source).body[0]
    cells = {forward.__name__: entry.fwd, "check_scalar": types.CellType(check_scalar)}
    compiled = compile_function(tree, fn.__globals__, cells, f"{prefix} of {fn.__name__}", fn.__defaults__)
    generated = Generated(compiled, source.rstrip("\n"), [entry], list(entry.guards), pipeline.current_epoch())
    generated.stats = {"mode": "forward"}  # (a derivative of it differentiates the reverse code)
    return generated


def forward_refused(at: tuple[str, str | None, int | None], wrt: list[str], kinds: dict[str, Any]) -> WrtError:
    """The refusal of ``mode="forward"`` for a gradient it does not apply to."""
    return WrtError(
        *at,
        "mode='forward' differentiates one number (a float argument of a plain function), and this "
        f"gradient is with respect to {', '.join(wrt)} of kinds {', '.join(str(kinds.get(p)) for p in wrt)}",
        "use mode='reverse' or 'auto', or srcdiff.jvp / srcdiff.jacobian(mode='forward')",
    )


def argnums(wrt: Any, given: Any) -> Any:
    """``argnums=`` (JAX's name) for ``wrt``; both given is an error."""
    if given is None:
        return wrt
    if wrt != 0:
        raise TypeError("give wrt= or argnums= (its JAX name), not both")
    return given
