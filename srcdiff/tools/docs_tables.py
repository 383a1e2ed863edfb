"""Generate ``docs/coverage.md`` from the rule tables, so the page cannot drift from the code.

``python -m srcdiff.tools.docs_tables > docs/coverage.md`` rewrites the page; ``tests/test_docs.py``
fails when the checked-in page differs from :func:`render`.  The syntax section at the top is
hand-written (:data:`SYNTAX`); the list of refused constructs and every table after it are read
from ``srcdiff/frontend/normalize_base.py`` and ``srcdiff/rules/``.

>>> text = render()
>>> "| `math.sin(x)` | math | `x` | yes | yes | yes |" in text
True
>>> from srcdiff.rules import rule
>>> _reverse(rule("a, b", a="g", jvp={"b": "t"})), _reverse(rule("a", jvp={"a": "t"}))
('`a` only', 'no')
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable
from types import ModuleType
from typing import Any

import gast
import numpy
from numpy.lib import stride_tricks

from .. import runtime
from ..frontend import normalize_base
from ..rules import ATTRIBUTES, CONSTANT_ATTRIBUTES, METHODS, SPREAD_METHODS
from ..rules.builtin_functions import BUILTINS
from ..rules.complex_module import COMPLEX
from ..rules.linalg_module import LINALG
from ..rules.linalg_module import NOTES as LINALG_NOTES
from ..rules.math_module import MATH
from ..rules.numpy_extra import NOTES as NUMPY_EXTRA_NOTES
from ..rules.numpy_module import NUMPY
from ..rules.operators import OPERATORS
from ..rules.scipy_module import DOCS_INTRO, SCIPY, docs_names
from ..rules.second_order import first_order_only, second_order
from ..rules.statistics_module import NOTES as STATISTICS_NOTES
from ..rules.statistics_module import STATISTICS
from ..rules.table import Rule, RuleTable

HEADER = """\
# Coverage: syntax, operators, `math`, builtins, numpy

<!-- This page is generated: python -m srcdiff.tools.docs_tables > docs/coverage.md -->

This page is generated from srcdiff's own tables by
`python -m srcdiff.tools.docs_tables > docs/coverage.md` (the syntax section from a
text kept in `srcdiff/tools/docs_tables.py`, everything else from `srcdiff/frontend/normalize_base.py`
and the rule tables in `srcdiff/rules/`), and `tests/test_docs.py` fails when it
is out of date. Edit the generator, not this file.
"""

#: The hand-written part: what srcdiff reads.  Keep it true: its code sample runs in tests/test_docs.py.
SYNTAX = """\
## Syntax

srcdiff transforms the body of the function you pass it, and of every Python
function it calls (helpers are read from their source too).

### Supported

- Assignment to names, tuple unpacking and swaps (`a, b = b, a`), augmented
  assignment (`x += e`) to a name or to an item of an array or list the function
  created (`a[i] += e`), annotated assignment (`x: float = e`).
- Arithmetic operators, unary `-`/`+`, comparisons and `and`/`or`/`not` (in
  tests, and as values: `a or b`), conditional expressions (`a if c else b`).
- `if`/`elif`/`else`; `while` loops; `for` loops over `range(...)`, lists,
  tuples, numpy arrays (row by row), `enumerate(...)` and `zip(...)`; `break`,
  `continue`, `else` clauses on loops, and `return` anywhere.
- Reading items and slices: `xs[i]`, `a[1:3]`, `a[i, j]`, `a[mask]`, `a[idx]`;
  reading dict arguments (`params["W"]`, `.values()`, `.items()`); list and tuple
  literals; dicts the function makes (literals, comprehensions, `d[k] = v`); sets handed
  straight to `sum`, `len`, `min`, `max`, `sorted`, `any`, `all` (`sum({x * x for x in xs})`);
  `xs.append(v)` and `xs.pop()` on lists the function created; `a[i] = v` into
  arrays and lists the function created.
- Calls to Python functions (module-level helpers with keyword arguments and
  default values, recursion, closures), which are differentiated from their source;
  calls to anything in the tables below; calls to functions with a rule you
  registered (`srcdiff.register_vjp` / `register_jvp`); calls whose arguments do
  not depend on the differentiated inputs (anything at all).
- Reading module globals and closure variables.
- `print`, `assert`, `raise`, `pass`, and f-strings.

These two functions use all of the above; the test suite runs them through
`check_grads`, which compares forward and reverse mode with finite differences:

```python
import math

import numpy as np

import srcdiff

SCALE = 2.0


def helper(x, k=2.0, *, shift=0.0):
    return x * k + shift


def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


def make_scaler(c):
    def scale(x):
        return x * c

    return scale


triple = make_scaler(3.0)


def tour(x, xs, params):
    y: float = x * SCALE  # annotated assignment; a module global
    a, b = y, x  # tuple unpacking
    a, b = b, a  # a swap
    total = (x > 5.0) or y  # `or` as a value
    for i, v in enumerate(xs):  # a loop over a list argument
        if v > 100.0:
            continue
        elif i == 1:
            total = total + v * a
        else:
            total = total + (v if v > 0.0 else -v)  # a conditional expression
    for v, w in zip(xs, (1.0, 2.0)):
        total = total + v * w
    acc = 0.0
    acc += x * x  # augmented assignment
    k = 0
    while True:
        k += 1
        if k == 2:
            break
    else:
        total = total * 2.0
    arr = np.zeros(3)  # writes into an array the function made
    arr[0] = x
    arr[1] += x * x
    ys = []
    ys.append(total)
    last = ys.pop()
    assert last == last, f"nan at {x}"
    print(end="")
    calls = helper(b, shift=1.0) + params["w"] * power(x, 3) + triple(x) + math.sin(x)
    return acc + last + np.sum(arr[1:]) + calls


def indexing(X):
    total = 0.0
    for row in X:  # a loop over the rows of an array
        total = total + np.sum(row**2)
    idx = np.array([0, 1, 1])
    picked = X[idx]  # integer-array indexing
    return total + X[0, 1] + np.sum(X[1, 1:]) + np.sum(X[X > 0.5]) + np.sum(picked) + X.T[1, 0] * X.shape[0]


srcdiff.check_grads(tour, (0.5, [1.0, -2.0, 3.0], {"w": 3.0}), order=1)
srcdiff.check_grads(indexing, (np.arange(6.0).reshape(2, 3) / 5.0,), order=1)
```

One caution: `x += e` counts as an in-place write unless srcdiff can tell that `x`
holds a number or an array the function made; where it cannot (after
`x = a or b`, say), it is refused as a write into a value the function did not
create. Write `x = x + e` there.

### Refused

Each of these raises a `SrcDiffError` naming the function and `file:line`,
with a hint (`SourceUnavailableError` when there is no source to read,
`UnsupportedSyntaxError` otherwise; the real messages, with examples and fixes,
are in [troubleshooting.md](troubleshooting.md)):

- generator functions (`yield`), `async` functions, lambdas, and
  functions whose source Python does not keep (made by `exec`, typed at the prompt);
- differentiating what `*args` / `**kwargs` gather (named parameters are differentiated),
  and `f(*xs)` / `f(**kw)` in calls of anything but the function's own `*args` / `**kwargs`;
- writing a `global` or `nonlocal` variable; assignment to an attribute
  (`p.x = v`) or to an item of an expression (`f(a)[0] = v`); starred targets
  (`a, *b = xs`);
- in-place writes (`a[i] = v`, `a += b` on an array, `xs.append(v)`) into an
  argument or a value the function did not create, or into an array another
  live name shares memory with; a loop that changes the list it iterates over;
- `+` and `*` on lists or tuples of differentiated values (`[x] * 3`);
- reading an attribute of a differentiated value other than those listed under
  "Array methods and attributes" (`x.real`);
- `match` and every statement or expression in the table below.
"""

_OPERATOR_SYMBOLS: dict[type, str] = {
    gast.Add: "a + b",
    gast.Sub: "a - b",
    gast.Mult: "a * b",
    gast.Div: "a / b",
    gast.Mod: "a % b",
    gast.Pow: "a ** b",
    gast.MatMult: "a @ b",
    gast.USub: "-a",
    gast.UAdd: "+a",
    gast.FloorDiv: "a // b",
    gast.BitAnd: "a & b",
    gast.BitOr: "a | b",
    gast.BitXor: "a ^ b",
    gast.LShift: "a << b",
    gast.RShift: "a >> b",
    gast.Invert: "~a",
    gast.Not: "not a",
}

#: Notes the tables cannot tell: what the code refuses or decides for particular arguments.
_NOTES: dict[Any, str] = {
    numpy.einsum: "subscripts with `...` are refused; the sublist form (`np.einsum(a, [0, 1], [1, 0])`) works",
    runtime.index_concat: "what `np.r_[a, 0:3, b]` and `np.c_[a, b]` are read as; slices and directives are constants",
    min: "ties: the first argument gets the derivative",
    max: "ties: the first argument gets the derivative",
    numpy.maximum: "ties: the first argument gets the derivative",
    numpy.minimum: "ties: the first argument gets the derivative",
    numpy.fmax: "ties: the first argument gets the derivative",
    numpy.fmin: "ties: the first argument gets the derivative",
    numpy.max: "ties: the first extreme element gets the derivative",
    numpy.min: "ties: the first extreme element gets the derivative",
    numpy.amax: "ties: the first extreme element gets the derivative",
    numpy.amin: "ties: the first extreme element gets the derivative",
    numpy.clip: "`a_min`, `a_max` carry no derivative",
    numpy.pad: "`constant_values` carries no derivative",
    numpy.full: "`shape` carries no derivative",
    numpy.full_like: "even when `fill_value` depends on the inputs (write `x * np.ones_like(a)`)",
    numpy.random.normal: "even when `loc` or `scale` depends on the inputs (write `loc + scale * z`)",
    numpy.random.uniform: "even when `low` or `high` depends on the inputs",
    **LINALG_NOTES,
    **NUMPY_EXTRA_NOTES,
    **STATISTICS_NOTES,
}

#: ``x.reshape(2, 3)``: an example of spread arguments, per method.
_SPREAD_EXAMPLES = {"reshape": "2, 3", "transpose": "1, 0"}

_CONSTANT = "constant: the result carries no derivative"
_NUMPY_NAMESPACES: list[tuple[str, ModuleType]] = [
    ("np", numpy),
    ("np.linalg", numpy.linalg),
    ("np.random", numpy.random),
    ("np.lib.stride_tricks", stride_tricks),
]


def _code(text: str) -> str:
    """``text`` as inline code inside a table cell (a ``|`` would end the cell)."""
    return "`" + text.replace("|", "\\|") + "`"


def _table(header: list[str], rows: Iterable[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _names_in(module: ModuleType) -> dict[int, list[str]]:
    """Public names of ``module``, by the id of the object they refer to."""
    found: dict[int, list[str]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in sorted(dir(module)):
            if name.startswith("_"):
                continue
            try:
                obj = getattr(module, name)
            except Exception:  # pragma: no cover - a lazily failing attribute
                continue
            found.setdefault(id(obj), []).append(name)
    return found


_INDEX: dict[str, dict[int, list[str]]] = {}


def _numpy_names(fn: Any) -> list[str]:
    """How user code can spell ``fn``: ``np.sum``; ``np.abs`` and ``np.absolute``; ``np.linalg.norm``."""
    for prefix, module in _NUMPY_NAMESPACES:
        index = _INDEX.setdefault(prefix, _names_in(module))
        names = index.get(id(fn), [])
        if names:
            primary = getattr(fn, "__name__", "")
            names = sorted(names, key=lambda n: (n != primary, n))
            return [f"{prefix}.{n}" for n in names]
    if fn is runtime.index_concat:
        return ["np.r_[...] / np.c_[...] as index_concat"]
    if isinstance(getattr(fn, "__self__", None), numpy.ufunc):  # np.add.reduce: a method of a ufunc
        return [f"np.{fn.__self__.__name__}.{fn.__name__}"]
    return [getattr(fn, "__qualname__", repr(fn))]  # pragma: no cover - every rule has a public name


def _complex_names(fn: Any) -> list[str]:
    fft = getattr(numpy.fft, getattr(fn, "__name__", ""), None) is fn
    return [f"np.fft.{fn.__name__}"] if fft else _numpy_names(fn)


def _linalg_names(fn: Any) -> list[str]:
    scipy = (getattr(fn, "__module__", None) or "").startswith("scipy")
    return [f"scipy.linalg.{fn.__name__}"] if scipy else _numpy_names(fn)


def _signature(rule: Rule) -> str:
    return str(rule.signature)


def _differentiable(rule: Rule) -> list[str]:
    """Parameters through which a derivative flows (the others are read as constants)."""
    params = [p for p in rule.params if p in rule.adjoints or p in rule.tangents or p in rule.linear]
    return [("*" + p if rule.signature.parameters[p].kind.name == "VAR_POSITIONAL" else p) for p in params]


def _support(rule: Rule, has: Any) -> str:
    params = [p.lstrip("*") for p in _differentiable(rule)]
    supported = [p for p in params if has(p)]
    if supported == params:
        return "yes"
    if not supported:
        return "no"
    return ", ".join(_code(p) for p in supported) + " only"


def _reverse(rule: Rule) -> str:
    return _support(rule, lambda p: p in rule.adjoints)


def _forward(rule: Rule) -> str:
    return _support(rule, lambda p: p in rule.linear or rule.tangent_template(p) is not None)


def _second(rule: Rule) -> str:
    """``yes`` when :func:`srcdiff.rules.second_order.second_order` finds every function the
    adjoints call differentiable in forward mode (the generated rule tests check it both ways)."""
    return "yes" if second_order(rule) else "no"


def _notes(fn: Any, rule: Rule, aliases: list[str], elementwise_note: str) -> str:
    notes = []
    if len(aliases) > 1:
        notes.append("also " + ", ".join(_code(a) for a in aliases[1:]))
    if rule.elementwise and not rule.sequence_args and elementwise_note:
        notes.append(elementwise_note)
    for p in sorted(rule.sequence_args):
        notes.append(f"{_code(p)} is a list or tuple of values")
    if fn in _NOTES:
        notes.append(_NOTES[fn])
    refused = first_order_only(rule)
    if refused:
        notes.append("second order refused: " + ", ".join(_code(h) for h in refused) + " is not differentiated again")
    return "; ".join(notes)


def _rule_rows(
    table: RuleTable, namespace: str, name_of: Any, elementwise_note: str = "", skip: Any = lambda fn: False
) -> list[list[str]]:
    rows = []
    for fn, rule in table.rules.items():
        if skip(fn):
            continue
        aliases = name_of(fn)
        args = _differentiable(rule)
        rows.append(
            [
                _code(aliases[0] + _signature(rule)),
                namespace,
                ", ".join(_code(a) for a in args),
                _reverse(rule),
                _forward(rule),
                _second(rule),
                _notes(fn, rule, aliases, elementwise_note),
            ]
        )
    constants = []
    for fn in table.nondifferentiable:
        if skip(fn):
            continue
        aliases = name_of(fn)
        note = _CONSTANT + ("; also " + ", ".join(_code(a) for a in aliases[1:]) if len(aliases) > 1 else "")
        note += ", " + _NOTES[fn] if fn in _NOTES else ""
        constants.append((aliases[0], [_code(aliases[0]), namespace, "—", "—", "—", "—", note]))
    rows += [row for _, row in sorted(constants)]
    return rows


_RULE_HEADER = ["Function", "Namespace", "Differentiable arguments", "Reverse", "Forward", "Second order", "Notes"]


def _srcdiff_internal(fn: Any) -> bool:
    return (getattr(fn, "__module__", None) or "").startswith("srcdiff")


def _operators() -> str:
    rows = []
    for op, rule in OPERATORS.rules.items():
        rows.append(
            [
                _code(_OPERATOR_SYMBOLS[op]),
                "operators",
                ", ".join(_code(a) for a in _differentiable(rule)),
                _reverse(rule),
                _forward(rule),
                _second(rule),
                "broadcasts on arrays" if rule.elementwise else "matrix product",
            ]
        )
    constants = sorted(_OPERATOR_SYMBOLS[op] for op in OPERATORS.nondifferentiable)
    rows += [[_code(symbol), "operators", "—", "—", "—", "—", _CONSTANT] for symbol in constants]
    return (
        "## Operators\n\n"
        "Augmented assignment (`x += e`, `x *= e`, ...) uses the same rules. Comparisons are\n"
        "never differentiated (they decide branches).\n\n"
    ) + _table(["Operator", *_RULE_HEADER[1:]], rows)


def _refused() -> str:
    rows = []
    for kind, (problem, hint) in list(normalize_base.REFUSED_STATEMENTS.items()) + list(
        normalize_base.REFUSED_EXPRESSIONS.items()
    ):
        rows.append([_code(kind.__name__), problem, hint])
    return (
        "### Refused statements and expressions\n\n"
        "From the tables in `srcdiff/frontend/normalize_base.py` (AST node, message, hint):\n\n"
        + _table(["AST node", "Message", "Hint"], rows)
    )


def _methods() -> str:
    rows = []
    for method, target in METHODS.items():
        if not isinstance(target, str):  # a dict's views (runtime helpers with their own rules)
            rows.append([_code(f"d.{method}()"), _code(f"list(d.{method}())") + " of a dict", "dict views"])
            continue
        fn = getattr(numpy, target)
        example = _SPREAD_EXAMPLES.get(method, "2, 3")
        spread = f"; `x.{method}({example})` means `x.{method}(({example}))`" if method in SPREAD_METHODS else ""
        kind = _CONSTANT if any(fn in t.nondifferentiable for t in (NUMPY,)) else "same rule"
        rows.append([_code(f"x.{method}(...)"), _code(f"np.{target}(x, ...)"), kind + spread])
    for attr, fn in ATTRIBUTES.items():
        rows.append([_code(f"x.{attr}"), _code(_numpy_names(fn)[0] + "(x)"), "same rule"])
    for attr in sorted(CONSTANT_ATTRIBUTES):
        rows.append([_code(f"x.{attr}"), "—", _CONSTANT])
    return (
        "## Array methods and attributes\n\n"
        "A method called on an array (`x.sum(axis=0)`) is differentiated as the numpy\n"
        "function it stands for, with `x` as the first argument; the same keyword arguments\n"
        "are accepted. Other methods and attributes of differentiated values are refused.\n\n"
        + _table(["Written", "Differentiated as", "Notes"], rows)
    )


def render() -> str:
    """The whole of ``docs/coverage.md``."""
    parts = [
        HEADER,
        SYNTAX,
        _refused(),
        "## How to read the tables\n\n"
        "One row per rule. *Differentiable arguments* are the parameters a derivative flows\n"
        "through; the other arguments are read as constants: if one of them depends on the\n"
        "inputs you differentiate, its contribution is **not** included, and no error is raised\n"
        "(see [limits.md](limits.md)). *Reverse* is `grad`, `value_and_grad` and `vjp`; *Forward*\n"
        "is `jvp` and `jacobian` in forward mode. *Second order* is `hessian` and `hvp` (forward mode\n"
        "over the generated gradient): *yes* when every function the rule's adjoints call (and every\n"
        "function srcdiff's own helpers among them call) has a forward rule, is a constant or is read\n"
        "from source, as `srcdiff/rules/second_order.py` works out from the tables; the generated rule\n"
        "tests differentiate each such rule twice against finite differences, and check that a *no*\n"
        "is refused. `grad` of `grad` (reverse over reverse) may refuse where a runtime helper has\n"
        "a forward rule only. A *constant* function may be\n"
        "called with differentiated values; its result is treated as not depending on them.\n"
        "Calls are matched by the object they name, so `from math import sin` or\n"
        "`import numpy as xp` find the same rule. A call whose arguments do not fit the\n"
        "signature shown (for example `out=`) has no rule and is refused.\n",
        _operators(),
        "## The `math` module\n\n" + _table(_RULE_HEADER, _rule_rows(MATH, "math", lambda fn: [f"math.{fn.__name__}"])),
        "## The `statistics` module\n\n"
        "The data may be a list, a tuple or a 1-D array of numbers.\n\n"
        + _table(_RULE_HEADER, _rule_rows(STATISTICS, "statistics", lambda fn: [f"statistics.{fn.__name__}"])),
        "## Builtins\n\n"
        + _table(
            _RULE_HEADER,
            _rule_rows(BUILTINS, "builtins", lambda fn: [fn.__name__], skip=_srcdiff_internal),
        ),
        "## numpy\n\n"
        "Rules are looked up through any name numpy gives the function (the *also* notes list\n"
        "the other names found in this numpy version). Elementwise rules broadcast: the adjoint\n"
        "of a broadcast operand is summed back to its shape.\n\n"
        + _table(_RULE_HEADER, _rule_rows(NUMPY, "numpy", _numpy_names, "elementwise")),
        "## numpy.linalg and scipy.linalg\n\n"
        + _table(_RULE_HEADER, _rule_rows(LINALG, "linalg", _linalg_names, skip=_srcdiff_internal)),
        "## Complex numbers and numpy.fft\n\n"
        "Rules written for complex values (the convention, and which other rules hold for\n"
        "complex numbers, are in [complex.md](complex.md)).\n\n"
        + _table(_RULE_HEADER, _rule_rows(COMPLEX, "numpy", _complex_names, skip=_srcdiff_internal)),
        _methods(),
        DOCS_INTRO + _table(_RULE_HEADER, _rule_rows(SCIPY, "scipy", docs_names, "elementwise", _srcdiff_internal))
        if SCIPY.load()
        else "",
    ]
    return "\n".join(parts)


def main() -> None:
    """Print the page: ``python -m srcdiff.tools.docs_tables > docs/coverage.md``."""
    sys.stdout.write(render())


if __name__ == "__main__":  # pragma: no cover
    main()
