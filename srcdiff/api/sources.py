"""What srcdiff generated, for people to read: ``srcdiff.source(df)`` (optionally with a table
mapping generated lines to the user's), and the annotated listing ``srcdiff dump --annotate``
prints.
"""

from __future__ import annotations

from typing import Any

from ..backend.cache import reachable
from ..errors import SrcDiffError
from .gradient import GradFunction


def source(fn: Any, table: bool = False) -> str:
    """The generated Python source of a function srcdiff returned.

    >>> import srcdiff
    >>> def f(x: float):
    ...     return 3.0 * x
    >>> print(srcdiff.source(srcdiff.grad(f)), end="")  # doctest: +ELLIPSIS
    def grad_f(x: float):
        d_t1 = 1.0  # <doctest ...>:1
        dx = d_t1 * 3.0  # <doctest ...>:2
        return dx  # <doctest ...>:1

    Each statement that starts the code for another line of yours ends with a comment naming
    that line.  With ``table=True``: every generated line with the user's file:line it came from.
    """
    if table:
        return _line_table(fn)
    if isinstance(fn, GradFunction) or type(fn).__name__ == "JacobianFunction":
        return str(fn.source)
    text = getattr(fn, "__srcdiff_source__", None)
    if text is None:
        raise SrcDiffError(
            getattr(fn, "__name__", None),
            None,
            None,
            f"{fn!r} was not made by srcdiff, so it has no generated source",
            "pass the function that srcdiff.grad returned",
        )
    return str(text)


def generated_functions(fn: Any) -> list[Any]:
    functions: list[Any] = []
    if isinstance(fn, GradFunction):
        generated = fn.current()
        functions.append(generated.fn)
        for entry in reachable(generated.deps):
            functions += [cell.cell_contents for cell in (entry.fwd, entry.bwd) if _filled(cell)]
    else:
        functions.append(fn)
    return functions


def _line_table(fn: Any) -> str:
    rows = ["generated function   line  user's file:line", "-" * 60]
    for f in generated_functions(fn):
        for line, filename, user in getattr(f, "__srcdiff_lines__", []):
            rows.append(f"{f.__name__:<20} {line:>4}  {filename}:{user}")
    return "\n".join(rows) + "\n"


def annotated_source(fn: Any) -> str:
    """The generated source interleaved with the user's lines it comes from (``dump --annotate``).

    Before the code for each line of yours, that line is quoted as a comment::

        #| seed.py:22:     b = math.exp(a)
            b = math.exp(a)  # seed.py:22
    """
    import linecache
    import os

    out: list[str] = []
    for f in generated_functions(fn):
        origin = {line: (filename, user) for line, filename, user in getattr(f, "__srcdiff_lines__", [])}
        previous = None
        for number, text in enumerate(str(f.__srcdiff_source__).splitlines(), start=1):
            if number in origin and origin[number] != previous:
                filename, user = origin[number]
                quoted = linecache.getline(filename, user).rstrip()
                indent = text[: len(text) - len(text.lstrip())]
                out.append(f"{indent}#| {os.path.basename(filename)}:{user}: {quoted.strip()}")
                previous = origin[number]
            out.append(text)
        out.append("")
    return "\n".join(out)


def _filled(cell: Any) -> bool:
    try:
        return cell.cell_contents is not None
    except ValueError:
        return False
