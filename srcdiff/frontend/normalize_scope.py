"""Refusals read from the whole function before any of it is normalized: writes to ``global`` and
``nonlocal`` variables, code srcdiff cannot read (``eval``, ``locals()`` ...), and methods that
change their object taken as a value.  Each would make the derivative silently wrong, wherever
in the function it stands.
"""

from __future__ import annotations

import builtins

import gast

from ..syntax import dotted_path, stored_names
from .inline import MUTATING_METHODS
from .inline import base_name as _base_name
from .normalize_base import NormalizerBase

# Builtins that run code srcdiff never reads, or hand out the namespace as a dict (by id: all are
# builtin functions, and a user's global may shadow the name with something else).
_DYNAMIC_SCOPE = {
    id(getattr(builtins, name)): name
    for name in ("eval", "exec", "compile", "__import__", "locals", "globals", "vars", "dir")
}


def _dynamic_scope_message(name: str) -> tuple[str, str]:
    if name in ("eval", "exec", "compile"):
        return (
            f"`{name}` runs code srcdiff cannot read, so no derivative flows through it",
            "write the expression out as ordinary Python code in the function",
        )
    if name == "__import__":
        return ("`__import__` inside the function is not supported", "import the module at module level")
    return (
        f"`{name}()` reads variables through a dict, so no derivative flows through what it returns",
        "use the variables by name",
    )


class ScopeChecks(NormalizerBase):
    """The checks of the whole function that :meth:`srcdiff.frontend.normalize._Normalizer.run` makes first."""

    def _check_scope_declarations(self, tree: gast.FunctionDef) -> None:
        # (a local function written into its calls rebinds the enclosing variables it declares there)
        written_in = {id(s) for fn in self.local_functions.values() if fn.shared for s in fn.node.body}  # type: ignore[attr-defined]
        for node in gast.walk(tree):
            if isinstance(node, (gast.Global, gast.Nonlocal)) and id(node) not in written_in:
                written = [n for n in node.names if n in stored_names(tree.body)]
                if written:
                    kind = "global" if isinstance(node, gast.Global) else "nonlocal"
                    raise self.refuse(
                        node,
                        f"writing the {kind} variable {written[0]!r} is not supported",
                        "return the new value instead and assign it outside the function",
                    )

    def _check_dynamic_scope(self, tree: gast.FunctionDef) -> None:
        """Refuse code srcdiff cannot see (``eval``, ``exec``, ``__import__``) and reads of the
        namespace as a dict (``locals()``, ``globals()``, ``vars()``, ``dir()``): the value they
        give carries no derivative, so the gradient would be silently wrong.  Any reference is
        refused, not only a call, since ``e = eval`` then ``e(...)`` is the same thing."""
        for node in gast.walk(tree):
            path = dotted_path(node) if isinstance(node, (gast.Name, gast.Attribute)) else None
            if path is None or not isinstance(node.ctx, gast.Load) or path.split(".")[0] in self.locals:
                continue
            head, *attrs = path.split(".")  # `builtins.eval` is eval too
            found, value = self.captured.resolve(head)
            for attr in attrs:
                value = getattr(value, attr, None)
            name = _DYNAMIC_SCOPE.get(id(value)) if found else None
            if name is not None:
                raise self.refuse(node, *_dynamic_scope_message(name))

    def _check_hidden_mutation(self, tree: gast.FunctionDef) -> None:
        """Refuse a method that changes its object taken as a value (``setter = y.__setitem__``,
        ``[y.fill]``, ``getattr(y, "fill")``): called later, it changes ``y`` where no pass can
        see it.  Called directly (``y.fill(0.0)``), the transforms see the call and refuse it."""
        called = {id(n.func) for n in gast.walk(tree) if isinstance(n, gast.Call)}
        for node in gast.walk(tree):
            if (
                isinstance(node, gast.Attribute)
                and isinstance(node.ctx, gast.Load)
                and node.attr in MUTATING_METHODS
                and id(node) not in called
                and _base_name(node) in self.locals
            ):
                raise self.refuse(
                    node,
                    f"`.{node.attr}` of `{_base_name(node)}` taken as a value changes it where srcdiff cannot see",
                    f"call `{_base_name(node)}.{node.attr}(...)` directly, or build a new value instead",
                )
            if isinstance(node, gast.Call) and self._is_builtin_call(node, "getattr") and node.args:
                name = node.args[1] if len(node.args) > 1 else None
                attr = name.value if isinstance(name, gast.Constant) and isinstance(name.value, str) else None
                if _base_name(node.args[0]) in self.locals and (attr is None or attr in MUTATING_METHODS):
                    raise self.refuse(
                        node,
                        "`getattr` on a variable of the function may reach a method that changes it",
                        "write the attribute out: `y.shape`, `y.fill(...)`",
                    )
