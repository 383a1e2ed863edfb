"""A function defined inside the function and differentiated there (``srcdiff.grad(inner)(x)``,
JAX's habit: ``inner = lambda p: loss(p, batch)``), made a function of its own: the enclosing
function's variables it reads become keyword-only parameters, passed where it is used.

Python reads a closure's variables when it is called; passing them at each use reads them
there too, so the lifted function computes what the local one does, and a derivative of the
enclosing function flows through them like through any argument of a gradient called inside.

>>> import gast
>>> tree = gast.parse('''
... def outer(x, w):
...     scale = 2.0 * w
...     def inner(y):
...         return scale * y ** 2
...     return srcdiff.grad(inner)(x)
... ''').body[0]
>>> import srcdiff
>>> made = lifted_functions(tree, {"outer", "x", "w", "scale", "inner"}, set(), lambda name: (True, srcdiff))
>>> made["inner"].free, made["inner"].fn(3.0, scale=0.5)
(['scale'], 4.5)
"""

from __future__ import annotations

import ast
import itertools
import linecache
import types
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gast

from ..syntax import dotted_path, stored_names
from .local_functions import as_local

_counter = itertools.count(1)
#: The file name lifted functions are compiled under (they are the user's code, not srcdiff's).
LIFTED_FILE = "<srcdiff local function"
_MAKERS = ("grad", "value_and_grad")


@dataclass
class Lifted:
    """A local function made a function of its own."""

    fn: types.FunctionType
    free: list[str]  # the enclosing function's variables it reads: its keyword-only parameters
    node: gast.stmt  # its definition in the enclosing function


def lifted_functions(
    tree: gast.FunctionDef,
    local_names: set[str],
    cell_names: set[str],
    resolve: Callable[[str], tuple[bool, Any]],
    globals_: dict[str, Any] | None = None,
) -> dict[str, Lifted]:
    """The local functions of ``tree`` that a srcdiff gradient is made of: each made a function
    of its own, with the enclosing variables it reads (``local_names``, ``cell_names``) last."""
    differentiated = {
        n.args[0].id
        for n in gast.walk(tree)
        if isinstance(n, gast.Call) and n.args and isinstance(n.args[0], gast.Name) and _makes_gradient(n, resolve)
    }
    found: dict[str, Lifted] = {}
    for s in tree.body:
        made = as_local(s)
        if made is None or made.name not in differentiated or made.shared:
            continue
        own = set(made.params) | stored_names(made.body)
        body_nodes = [*made.body, *([made.result] if made.result is not None else [])]
        read = {n.id for b in body_nodes for n in gast.walk(b) if isinstance(n, gast.Name)}
        free = sorted((read - own - {made.name}) & (local_names | cell_names))
        found[made.name] = Lifted(_compiled(s, made.name, free, globals_ if globals_ is not None else {}), free, s)
    return found


def _makes_gradient(call: gast.Call, resolve: Callable[[str], tuple[bool, Any]]) -> bool:
    path = dotted_path(call.func) or ""
    found, maker = resolve(path.split(".")[0])
    for attr in path.split(".")[1:]:
        maker = getattr(maker, attr, None)
    return found and may_make_gradient(maker)


def may_make_gradient(maker: Any) -> bool:
    """Is ``maker`` srcdiff's ``grad`` / ``value_and_grad``, or a Python function of the user's
    that may return one (its code reads one of those names: ``def grad(fun, argnum=0): return
    srcdiff.grad(fun, wrt=argnum)``)?  Such a function is called when the code is transformed,
    with the constant arguments the code gives it; what it returns is used only if it is a
    srcdiff gradient (functions that read no such name, factories of other things, are not
    called then)."""
    if getattr(maker, "__module__", None) == "srcdiff.api.gradient":
        return getattr(maker, "__name__", None) in _MAKERS
    if not isinstance(maker, types.FunctionType) or (maker.__module__ or "").split(".")[0] == "srcdiff":
        return False
    codes = [maker.__code__]
    while codes:
        code = codes.pop()
        if set(code.co_names) & set(_MAKERS):
            return True
        codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    return False


def _compiled(s: gast.stmt, name: str, free: list[str], globals_: dict[str, Any]) -> types.FunctionType:
    node: Any = gast.gast_to_ast(s)
    if isinstance(node, ast.Assign):  # name = lambda ...: a def of the name
        fn: Any = node.value
        node = ast.FunctionDef(
            name=name, args=fn.args, body=[ast.Return(value=fn.body)], decorator_list=[], returns=None
        )
    node.args.kwonlyargs += [ast.arg(arg=v) for v in free]
    node.args.kw_defaults += [None] * len(free)
    node.decorator_list = []
    source = ast.unparse(ast.fix_missing_locations(ast.Module(body=[node], type_ignores=[]))) + "\n"
    filename = f"{LIFTED_FILE} {name} #{next(_counter)}>"
    namespace: dict[str, Any] = {}
    exec(compile(source, filename, "exec"), namespace)
    made = namespace[name]
    fn_obj = types.FunctionType(made.__code__, globals_, name, made.__defaults__)
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    weakref.finalize(fn_obj, linecache.cache.pop, filename, None)
    return fn_obj
