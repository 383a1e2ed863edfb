"""Running a ``try`` body once on its own, to learn which path the function takes.

>>> def body(x):
...     try:
...         1.0 / x
...     except ZeroDivisionError as err:
...         return 0, err
...     return -1, None
>>> handler_taken(body, 2.0)
(-1, None)
>>> handler_taken(body, 0.0)[0]
0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def handler_taken(body: Callable[..., tuple[int, BaseException | None]], *values: Any) -> tuple[int, Any]:
    """``(i, error)``: the body of a ``try`` raised ``error``, caught by its ``i``-th ``except``;
    ``(-1, None)``: it ran to its end.  ``body`` is the ``try`` statement written as a function
    of the values it reads (:mod:`srcdiff.frontend.try_blocks`); its result carries no
    derivative -- the differentiated code then runs the path taken, as the original does."""
    return body(*values)
