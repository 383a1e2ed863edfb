"""Call forms the normalizer writes as other calls before it normalizes them: a gradient made
in the function (``srcdiff.grad(inner)(x, w)``), a record rebuilt with fields replaced
(``p._replace(W=v)``), and an object held in an attribute called (``self.layer(x)``)."""

from __future__ import annotations

import dataclasses
import inspect
import re

import gast

from ..syntax import const, dotted_path, load
from .lifted import may_make_gradient
from .normalize_base import NormalizerBase

_NOT_STATIC = object()  # (a value known only when the function runs)


class CallForms(NormalizerBase):
    """Recognizing the call forms above; :class:`~.normalize_expressions.ExpressionNormalizer`
    writes the calls they stand for."""

    def calls_an_attribute_object(self, func: gast.expr) -> bool:
        """``self.layer(...)`` in a method, ``layer`` an attribute of the object rather than a
        method of its class: an object called (its class's ``__call__``, resolved by kind)."""
        if not (isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) and self.params):
            return False
        if func.value.id != self.params[0]:
            return False
        cls = self.method_class()
        return cls is not None and inspect.getattr_static(cls, func.attr, _NOT_STATIC) is _NOT_STATIC

    def method_class(self) -> type | None:
        """The class the function is a method of (from its qualified name), if it is one."""
        path = getattr(self.captured.fn, "__qualname__", "").split(".")[:-1]
        if not path or "<locals>" in path:
            return None
        found, owner = self.captured.resolve(path[0])
        for part in path[1:]:
            owner = getattr(owner, part, None)
        return owner if found and isinstance(owner, type) else None

    def field_replacements(self, e: gast.Call) -> gast.Call | None:
        """``p._replace(W=v, b=c)`` or ``dataclasses.replace(p, W=v, b=c)`` as
        ``with_field(with_field(p, "W", v), "b", c)``: one field at a time, each with its rule."""
        if not e.keywords or any(kw.arg is None for kw in e.keywords):
            return None
        if isinstance(e.func, gast.Attribute) and e.func.attr == "_replace" and not e.args:
            record = e.func.value
        elif self.calls(e, dataclasses.replace) and len(e.args) == 1:
            record = e.args[0]
        else:
            return None
        helper = self.helper("with_field")
        for kw in e.keywords:
            record = gast.Call(func=load(helper), args=[record, const(kw.arg), kw.value], keywords=[])
        return record  # type: ignore[return-value]

    def gradient_made_here(self, func: gast.expr) -> str | None:
        """For ``srcdiff.grad(inner, wrt=1)`` (or ``value_and_grad``, or a function of the user's
        wrapping them, as ``grad(fun)`` of autograd-like APIs) of module-level names and
        constants: that gradient, made once now, under the name the normalized code calls it by
        (the pipeline differentiates the code it generates, like a helper's)."""
        if not (isinstance(func, gast.Call) and self._is_static(func.func)):
            return None
        path = dotted_path(func.func) or ""
        found, maker = self.captured.resolve(path.split(".")[0])
        for attr in path.split(".")[1:]:
            maker = getattr(maker, attr, None)
        if not found or not may_make_gradient(maker):
            return None
        values = []
        for node in [*func.args, *(kw.value for kw in func.keywords)]:
            value = self._static_value(node)
            if value is _NOT_STATIC:
                return None
            values.append(value)
        for node in [func.func, *func.args, *(kw.value for kw in func.keywords)]:
            root = (dotted_path(node) or "").split(".")[0]  # (the gradient is made again if one is rebound)
            if root and root not in self.lifted:
                self.made_guards.append(self.captured.guard(root))
        positional = values[: len(func.args)]
        keywords = {kw.arg: v for kw, v in zip(func.keywords, values[len(func.args) :])}
        gradient = maker(*positional, **keywords)
        if type(gradient).__module__ != "srcdiff.api.gradient":  # (a function of the user's making something else)
            return None
        made_of = re.sub(r"\W", "", str(getattr(positional[0], "__name__", "f"))) if positional else "f"
        name = self.namer.prefer(f"grad_{made_of or 'lambda'}")  # (``<lambda>``: a name of a lambda)
        self.helpers[name] = gradient
        return name

    def lifted_name(self, name: str) -> str:
        """The name normalized code calls lifted local function ``name`` by."""
        alias = self.namer.prefer(f"_{name}_lifted")
        self.helpers[alias] = self.lifted[name].fn
        return alias

    def _static_value(self, node: gast.expr) -> object:
        """The value of a constant, or of a module-level name (or a lifted local function), or of
        a tuple of them."""
        if isinstance(node, gast.Name) and node.id in self.lifted:
            return self.lifted[node.id].fn
        if isinstance(node, gast.Constant):
            return node.value
        if isinstance(node, gast.Tuple):
            items = [self._static_value(e) for e in node.elts]
            return _NOT_STATIC if _NOT_STATIC in items else tuple(items)
        path = dotted_path(node)
        if path is None or not self._is_static(node):
            return _NOT_STATIC
        found, value = self.captured.resolve(path.split(".")[0])
        for attr in path.split(".")[1:]:
            value = getattr(value, attr, _NOT_STATIC)
        return value if found else _NOT_STATIC
