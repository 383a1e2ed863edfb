"""Running a ``try`` body once on its own, to learn which path the function takes.

>>> def body(x):
...     completed = 0
...     try:
...         1.0 / x
...         completed = 1
...     except ZeroDivisionError as err:
...         return completed, 0, err
...     return 1, -1, None
>>> handler_taken(body, 2.0)
(1, -1, None)
>>> handler_taken(body, 0.0)[:2]
(0, 0)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def handler_taken(body: Callable[..., tuple[int, int, Any]], *values: Any) -> tuple[int, int, Any]:
    """``(completed, clause, error)``: how many of a ``try`` body's statements ran to their end,
    and the ``except`` clause that caught ``error`` (-1 and None: the body ran to its end).
    ``body`` is the ``try`` statement written as a function of the values it reads
    (:mod:`srcdiff.frontend.try_blocks`); its result carries no derivative -- the
    differentiated code then runs the path taken, as the original does."""
    return body(*values)
