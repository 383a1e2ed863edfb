"""Impure calls: calls whose result depends on more than their arguments (a random draw, the
clock, the console, an iterator's position), or that move some state along.

Code that runs twice must not make them: a checkpointed loop's iterations run again in the
adjoint sweep, and would see other values than the first time (so the gradient would belong
to another computation).

>>> import time
>>> effect(time.perf_counter, "perf_counter"), effect(abs, "abs")
('reads the clock', None)
"""

from __future__ import annotations

import builtins
import datetime
import os
import random
import time
import types
import uuid
from typing import Any

import numpy as np

_CLOCK = {
    time.time,
    time.time_ns,
    time.perf_counter,
    time.perf_counter_ns,
    time.monotonic,
    time.monotonic_ns,
    time.process_time,
    time.process_time_ns,
    time.thread_time,
    time.thread_time_ns,
}
_BY_OBJECT: dict[int, str] = {
    **{id(fn): "reads the clock" for fn in _CLOCK},
    id(builtins.input): "reads the console",
    id(builtins.next): "advances an iterator",
    id(builtins.open): "reads a file",
    id(os.urandom): "draws random bytes",
    id(uuid.uuid1): "draws a random id",
    id(uuid.uuid4): "draws a random id",
}
# methods that move an object's state along, wherever the object comes from
_METHODS = {"send": "resumes a generator", "throw": "resumes a generator", "__next__": "advances an iterator"}
# random draws by the name of a method of a generator passed in (its type is not known)
DRAWS = {
    "random", "normal", "uniform", "integers", "choice", "standard_normal", "rand", "randn", "randint",
    "shuffle", "permutation", "binomial", "poisson", "exponential", "gauss", "random_sample", "beta", "gamma",
}  # fmt: skip
# names whose mention in a helper's code makes the helper count as impure (a helper is not read
# further: it may reach them in many ways)
_IN_HELPERS = {"random", "next", "input", "send", "perf_counter", "monotonic", "process_time", "urandom", "now"}


def effect(obj: Any, method: str | None = None, user: bool = False) -> str | None:
    """What makes calling ``obj`` impure (``"reads the clock"``), or None.  ``method``: the
    attribute the call goes through (``g.send(v)``), for objects srcdiff cannot resolve;
    ``user``: ``obj`` is a function of the user's that srcdiff reads."""
    owner = getattr(obj, "__self__", None)
    if isinstance(owner, (np.random.Generator, np.random.RandomState, random.Random)):
        return "draws random numbers"
    if (getattr(obj, "__module__", None) or "").startswith(("numpy.random", "random", "secrets")):
        return "draws random numbers"
    found = _BY_OBJECT.get(id(obj))
    if found is not None:
        return found
    if isinstance(owner, type) and issubclass(owner, datetime.date) and method in ("now", "today", "utcnow"):
        return "reads the clock"
    if isinstance(owner, types.GeneratorType) or method in _METHODS:
        return _METHODS.get(method or "", "resumes a generator")
    if user and isinstance(obj, types.FunctionType):
        mentioned = sorted(set(obj.__code__.co_names) & _IN_HELPERS)
        return f"calls `{mentioned[0]}`" if mentioned else None
    if method in DRAWS:  # a method of a generator passed in: known only by its name
        return "draws random numbers"
    return None
