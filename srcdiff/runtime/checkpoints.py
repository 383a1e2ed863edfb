"""Checkpointed loops: the marker users write (``for x in srcdiff.checkpointed(xs, k)``) and the
schedule that reverses a loop from at most ``k`` snapshots of its state.

>>> [action for action, _, _ in checkpoint_schedule(20, 1)]
['advance', 'tape', 'drop', 'advance', 'tape', 'drop', 'tape']
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import CheckpointError


def checkpointed(iterable: Any, snapshots: int = 20) -> Any:
    """Mark a ``for`` loop for binomial checkpointing; returns ``iterable`` unchanged.

    Reverse mode normally saves what every iteration overwrites, so memory grows with
    the trip count.  In ``for t in srcdiff.checkpointed(range(n), snapshots=k):`` the
    gradient keeps at most ``k`` snapshots of the loop's state and runs iterations
    again from the nearest one (Griewank's binomial schedule, "revolve", recording
    :data:`TAPE` iterations at a time at its leaves): memory stays flat as ``n`` grows,
    at the cost of about ``r`` extra forward sweeps, ``r`` the smallest number with
    ``comb(k + r, k) >= n / 8``.  Outside srcdiff it does nothing:

    >>> list(checkpointed(range(3), snapshots=2))
    [0, 1, 2]
    """
    snapshot_count(snapshots)
    return iterable


def snapshot_count(snapshots: Any) -> int:
    """``snapshots`` as an int, or a :class:`~srcdiff.errors.CheckpointError` (a ``ValueError``)
    if it is not an int ``>= 0``: checked when the loop runs and again when the gradient's
    schedule is made, since a negative count would otherwise reverse no iteration at all."""
    if isinstance(snapshots, (bool, np.bool_)) or not isinstance(snapshots, (int, np.integer)) or snapshots < 0:
        raise CheckpointError(
            problem=f"`snapshots` of `srcdiff.checkpointed` must be an int >= 0, not {snapshots!r}",
            hint="pass how many snapshots the gradient may keep, e.g. `snapshots=10`",
        )
    return int(snapshots)


def repetitions(steps: int, snapshots: int) -> int:
    """The fewest forward sweeps ``r`` with which ``snapshots`` snapshots reverse ``steps``
    steps: the smallest ``r`` with ``comb(snapshots + r, snapshots) >= steps``.

    >>> repetitions(10, 3), repetitions(20, 3), repetitions(21, 3)   # comb(6, 3) = 20
    (2, 3, 4)
    """
    r = 0
    while math.comb(snapshots + r, snapshots) < steps:
        r += 1
    return r


#: Iterations recorded at once at the leaves of a checkpointing schedule (memory: this many
#: iterations' saved values, besides the snapshots).
TAPE = 8


def checkpoint_schedule(steps: int, snapshots: int) -> Any:
    """The actions that reverse a loop of ``steps`` iterations from at most ``snapshots``
    snapshots besides the loop's entry state, as ``(action, a, b)``:

    * ``("advance", a, b)``: from the last snapshot (the state before iteration ``a``),
      run iterations ``a .. b-1`` and push a snapshot of the state before ``b``;
    * ``("tape", a, b)``: from the last snapshot, run iterations ``a .. b-1`` recording them
      (at most :data:`TAPE` of them), then their adjoints, last first;
    * ``("step", a, b)``: from the last snapshot, run iterations ``a .. b-1``, then
      iteration ``b`` recording it, and its adjoint (when no snapshot is left);
    * ``("drop", a, a)``: pop the last snapshot (the one before iteration ``a``).

    Adjoints come in reverse order, each exactly once:

    >>> for action in checkpoint_schedule(20, 1):
    ...     print(action)
    ('advance', 0, 16)
    ('tape', 16, 20)
    ('drop', 16, 16)
    ('advance', 0, 8)
    ('tape', 8, 16)
    ('drop', 8, 8)
    ('tape', 0, 8)
    >>> list(checkpoint_schedule(10, 0))
    [('step', 0, 9), ('step', 0, 8), ('tape', 0, 8)]
    """
    snapshots = snapshot_count(snapshots)
    # One generator with an explicit stack of pending work (a recursion of generators would pass
    # every action up through each level).  A segment (start, end, free): the last snapshot holds
    # the state before `start`.  Split so that the right part fits `free - 1` snapshots and the
    # left part, whose iterations have run once more, fits `free` with one repetition less
    # (counted in tapes: a leaf records up to TAPE iterations at once).
    pending: list[tuple[int, int, int]] = [(0, steps, snapshots)]  # free == -1: a drop
    while pending:
        start, end, free = pending.pop()
        if free < 0:
            yield ("drop", start, start)
        elif end - start <= TAPE:
            if end > start:
                yield ("tape", start, end)
        elif free > 0:
            tapes = -(-(end - start) // TAPE)
            r = repetitions(tapes, free)
            middle = start + TAPE * min(tapes - 1, math.comb(free + r - 1, free))
            yield ("advance", start, middle)
            pending += [(start, middle, free), (middle, middle, -1), (middle, end, free - 1)]
        else:
            last = start + (end - start - 1) // TAPE * TAPE  # no snapshot left: the last tape from a
            for i in range(end - 1, last - 1, -1):  # replay of the segment, then earlier ones
                yield ("step", start, i)
            pending.append((start, last, 0))
