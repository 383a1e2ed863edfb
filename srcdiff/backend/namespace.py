"""The names a generated function reads, and the helper derivatives it calls.

A :class:`Namespace` is what the transforms ask of the outside world (their ``Environment``):
what a call refers to (resolved in the user's namespace, each name read guarded so that
rebinding it generates code again), under which name generated code reaches a value (a closure
cell per value), and the names of the derivatives of the user's helpers it calls.  Those are
built by the pipeline, which hands in a :class:`HelperDerivatives` (so this module never calls
up into it).
"""

from __future__ import annotations

import re
import types
from typing import Any, Protocol

import gast
import numpy as np

from ..analysis.activity import assignments
from ..analysis.calls import USER, Callee, is_gradient, resolve
from ..analysis.kinds import objects_bound_once
from ..analysis.value_kinds import Complex, FunctionOf, ObjectOf, has_complex, object_kind
from ..frontend.capture import Guard
from ..frontend.normal_form import NormalizedFunction
from ..rules import TEMPLATE_GLOBALS
from ..syntax import stored_names
from ..transform.forward import ForwardEnvironment
from .cache import SplitEntry

ParamKinds = tuple[tuple[str, Any], ...]


#: The key of a vjp version's seed parameter in its entry's ``tangent_params``.
SEED = "seed"


class HelperDerivatives(Protocol):
    """How a namespace gets the derivatives of the user's helpers (the pipeline's caches)."""

    def split(self, fn: Any, active: tuple[str, ...], param_kinds: ParamKinds) -> SplitEntry: ...

    def forward(self, fn: Any, active: tuple[str, ...], param_kinds: ParamKinds) -> SplitEntry: ...

    def vjp(self, fn: Any, active: tuple[str, ...], param_kinds: ParamKinds) -> SplitEntry: ...

    tape_free: bool  # code to be differentiated again: a helper's adjoint is one function, not two sharing a tape

    def result_kind(self, fn: Any, param_kinds: ParamKinds) -> Any: ...


class Namespace(ForwardEnvironment):
    """Name resolution and helper derivatives for one generated function."""

    def __init__(
        self, norm: NormalizedFunction, helpers: HelperDerivatives, param_kinds: dict[str, Any] | None = None
    ) -> None:
        self.norm = norm
        self.helpers = helpers
        self.cells: dict[str, types.CellType] = {}
        self.values: dict[str, Any] = {}
        self.deps: list[SplitEntry] = []
        self._callees: dict[int, Callee] = {}
        self.guards: list[Guard] = list(norm.guards)  # what the resolved names meant when the code was generated
        self.hoisted = 0  # statements moved out of loops (hoist_loop_invariants)
        self.complex_names: set[str] = set()  # variables that may hold complex numbers
        for name, helper in norm.helpers.items():  # runtime helpers the normalized code calls
            self.values[name] = helper
            self.cells[name] = types.CellType(helper)
        self._locals = set(norm.params) | stored_names(norm.body)
        rebound = stored_names(norm.body)
        self._classes = {  # parameters holding user objects: their methods are their classes'
            p: k for p, k in (param_kinds or {}).items() if isinstance(k, (ObjectOf, FunctionOf)) and p not in rebound
        }
        self._classes.update(objects_bound_once(list(assignments(norm.body)), self._classes))

    def callee(self, node: gast.Call) -> Callee | None:
        found = self._callees.get(id(node))
        if found is None:
            found = resolve(node, self.lookup, self._locals, self._classes)
            self._callees[id(node)] = found
            if found.guard is not None and found.guard not in self.guards:
                self.guards.append(found.guard)
            if found.kind == USER:  # the code read now must still be the function's code later
                code_of = getattr(found.obj, "fn", found.obj) if is_gradient(found.obj) else found.obj
                guard = ("attribute", code_of, "__code__", code_of.__code__)
                if guard not in self.guards:
                    self.guards.append(guard)
        return found

    def lookup(self, name: str) -> tuple[bool, Any]:
        """What ``name`` means in the user's namespace (guarded), or a helper normalization added."""
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

    def runtime(self, helper: str) -> gast.Name:
        """A load of one of the runtime helpers rules use (``grad_like``, ``check_scalar``...)."""
        return gast.Name(
            id=self.global_name(helper, TEMPLATE_GLOBALS[helper]), ctx=gast.Load(), annotation=None, type_comment=None
        )

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

    def bind_cell(self, preferred: str, cell: types.CellType) -> str:
        """A name for ``cell`` itself (a helper derivative filled in once it is compiled)."""
        for name, v in self.values.items():
            if v is cell:
                return name
        name = self.norm.namer.prefer(re.sub(r"\W", "_", preferred).lstrip("_") or "f")  # (<lambda>_vjp)
        self.values[name] = cell
        self.cells[name] = cell
        return name

    def _param_kinds(self, callee: Callee, arg_kinds: list[Any]) -> ParamKinds:
        """The kinds a helper is specialized on; a global holding a user object (``model``
        in ``model.predict(x)``) is of its class."""
        kinds = []
        for arg, k in zip(callee.bound.values(), arg_kinds):
            if k is None and isinstance(arg, gast.Name) and arg.id not in self._locals:
                found, value = self.lookup(arg.id)
                k = object_kind(value) if found else None
            if isinstance(arg, gast.Name) and arg.id in self.complex_names and not has_complex(k):
                k = Complex(k if isinstance(k, tuple) else None)  # (a helper of complex values is checked too)
            kinds.append(k)
        return tuple(zip(callee.bound, kinds))

    def split(self, callee: Callee, active: list[str], arg_kinds: list[Any]) -> tuple[str, str]:
        entry = self.helpers.split(callee.obj, tuple(active), self._param_kinds(callee, arg_kinds))
        if entry not in self.deps:
            self.deps.append(entry)
        base = _identifier(callee.obj.__name__)
        return self.bind_cell(f"{base}_fwd", entry.fwd), self.bind_cell(f"{base}_bwd", entry.bwd)

    def forward(self, callee: Callee, active: list[str], arg_kinds: list[Any]) -> tuple[str, dict[str, str]]:
        entry = self.helpers.forward(callee.obj, tuple(active), self._param_kinds(callee, arg_kinds))
        if entry not in self.deps:
            self.deps.append(entry)
        return self.bind_cell(f"{_identifier(callee.obj.__name__)}_jvp", entry.fwd), entry.tangent_params

    @property
    def tape_free(self) -> bool:  # type: ignore[override]
        return bool(getattr(self.helpers, "tape_free", False))

    def vjp(self, callee: Callee, active: list[str], arg_kinds: list[Any]) -> tuple[str, str]:
        """``f_vjp(*args, **{seed: g})``, running ``f``'s primal and adjoint sweeps at once: its
        name, and its seed's keyword."""
        entry = self.helpers.vjp(callee.obj, tuple(active), self._param_kinds(callee, arg_kinds))
        if entry not in self.deps:
            self.deps.append(entry)
        return self.bind_cell(f"{callee.obj.__name__}_vjp", entry.fwd), entry.tangent_params[SEED]

    def result_kind(self, callee: Callee, arg_kinds: list[Any]) -> Any:
        return self.helpers.result_kind(callee.obj, self._param_kinds(callee, arg_kinds))


def _identifier(name: str) -> str:
    """``name`` as a Python name (a lambda's ``<lambda>``: ``lambda``)."""
    return re.sub(r"\W", "", name) or "f"


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
