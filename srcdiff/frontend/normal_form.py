"""The normal form: the small form of a function body the analyses and transforms read.

:func:`srcdiff.frontend.normalize.normalize` writes it; every later pass relies on it:

* ``a[i] = v`` (an in-place write to a name, ``v`` an atom, ``i`` atoms) and
  ``xs.append(v)`` (as an expression statement) are the only mutations.
* ``x = <primitive>`` with a single name target, where a primitive is an atom
  (name or constant), one operator on atoms, a call whose arguments are atoms,
  a subscript or attribute of an atom, a tuple/list of atoms, or a *test*
  expression (comparison, ``not``, boolean operators) whose value is never
  differentiated.  The target never appears in its own right-hand side, except
  in an accumulation ``x = x + e`` / ``x = x - e``.
* ``if c:`` where ``c`` is a name assigned just before, never reassigned inside; in an
  ``elif`` chain (an ``else`` that holds just an ``if``) every test is assigned before the
  chain's first ``if``.
* ``while <test>:`` with the original test, and ``for i in <range>:`` where the
  range is a name or a ``range(...)`` of atoms; all other loops are lowered to
  index loops over ``range(len(seq))``.
* ``break`` only as the last statement of a loop body, as ``if flag: break``;
  every other ``break``, ``continue`` and ``return`` sets a flag and the
  statements after it are guarded by ``if not flag``.
* A single exit: the result is an atom, returned after the last statement.
* ``raise`` and ``assert`` stay as they are; calls for their effect stay as
  expression statements.
* Two marks on statements (every mark is listed in ``srcdiff/syntax.py``): the assignment
  that completes an augmented assignment to a name (``x += v``) carries ``IN_PLACE`` (it may
  change an array or list in place), and a ``for`` loop over :func:`srcdiff.checkpointed`
  carries ``CHECKPOINT``.

>>> def f(x):
...     for v in [x, 2.0]:
...         if v > 1.5:
...             return v
...     return x
>>> import srcdiff.frontend.capture as c
>>> from srcdiff.frontend.normalize import normalize
>>> from srcdiff.backend.emit import to_source
>>> print(to_source(normalize(c.capture(f)).as_function()))  # doctest: +NORMALIZE_WHITESPACE
def f(x):
    _ret = None
    _returned = False
    _t1 = [x, 2.0]
    _n1 = len(_t1)
    for _k1 in range(_n1):
        v = _t1[_k1]
        _c1 = v > 1.5
        if _c1:
            _ret = v
            _returned = True
        if _returned:
            break
    _c2 = not _returned
    if _c2:
        _ret = x
    return _ret
<BLANKLINE>
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gast

from .capture import CapturedFunction, Guard
from .naming import Namer

#: Attribute of a normalized ``for`` loop marked by :func:`srcdiff.checkpointed`: the atom
#: holding its number of snapshots.


@dataclass
class NormalizedFunction:
    """The function in normal form, plus what later passes need to know about it."""

    captured: CapturedFunction
    name: str
    args: gast.arguments
    params: list[str]
    body: list[gast.stmt]
    result: gast.expr  # an atom
    control_names: set[str] = field(default_factory=set)  # conditions, flags, counters: never differentiated
    may_return_none: bool = False  # some path may end without a return statement
    helpers: dict[str, Any] = field(default_factory=dict)  # runtime helpers it calls, by name
    namer: Namer = field(default_factory=Namer)
    guards: list[Guard] = field(default_factory=list)  # of the helpers inlined into it (srcdiff.frontend.inline)
    owned: frozenset[str] = frozenset()  # parameters the generated code copies first (it writes into them)

    def as_function(self) -> gast.FunctionDef:
        """The whole function, ending in its one ``return``: to print it or to compile it."""
        body = self.body + [gast.Return(value=self.result)]
        return gast.FunctionDef(
            name=self.name,
            args=self.args,
            body=body,
            decorator_list=[],
            returns=None,
            type_comment=None,
            type_params=[],
        )


def is_pop(value: gast.expr) -> bool:
    """``xs.pop()`` (the last element, no index)."""
    return (
        isinstance(value, gast.Call)
        and isinstance(value.func, gast.Attribute)
        and value.func.attr == "pop"
        and isinstance(value.func.value, gast.Name)
        and not value.args
        and not value.keywords
    )


def is_accumulation(target: str, value: gast.expr) -> bool:
    """``target + e`` or ``target - e`` with ``e`` another atom: the adjoint of ``target`` passes through."""
    return (
        isinstance(value, gast.BinOp)
        and isinstance(value.op, (gast.Add, gast.Sub))
        and isinstance(value.left, gast.Name)
        and value.left.id == target
        and not (isinstance(value.right, gast.Name) and value.right.id == target)
    )
