"""Rules for ``scipy.signal``: ``convolve`` and ``correlate``, defined into the scipy table once
the program has imported ``scipy.signal`` (see :mod:`srcdiff.rules.scipy_module`).

A convolution is bilinear; its adjoint in one input is a correlation with the other.  The
``'valid'`` and ``'same'`` results are the middle of the ``'full'`` one, so the adjoint first
puts ``g`` back in its place in the full result (zeros around it), then correlates.

>>> g = np.array([1.0, 0.0, 0.0, 0.0])            # the first entry of the full result
>>> signal_convolve_adjoint(g, np.array([2.0, 3.0]), np.array([5.0, 7.0, 11.0]), True)
array([5., 0.])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.signal as signal

from ..runtime import is_zero
from .table import RuleTable, register_helpers, rule


def in_full(g: Any, in1: Any, in2: Any) -> Any:
    """``g``, a cotangent of a ``'valid'`` or ``'same'`` convolution, placed in the middle of the
    ``'full'`` result's shape (where scipy takes those results from), zeros around it."""
    full = np.add(np.shape(in1), np.shape(in2)) - 1
    start = (full - np.shape(g)) // 2
    return np.pad(g, [(int(s), int(f - s - n)) for s, f, n in zip(start, full, np.shape(g))])


def signal_convolve_adjoint(g: Any, in1: Any, in2: Any, wrt_in1: bool) -> Any:
    """Adjoint of ``signal.convolve(in1, in2, mode)`` in ``in1`` (else ``in2``): the full
    cotangent correlated with the other input."""
    if is_zero(g):  # nothing reached the result's adjoint on this path
        return 0.0
    other = in2 if wrt_in1 else in1
    return signal.convolve(in_full(g, in1, in2), np.flip(other), mode="valid")


def signal_correlate_adjoint(g: Any, in1: Any, in2: Any, wrt_in1: bool) -> Any:
    """Adjoint of ``signal.correlate(in1, in2, mode)``: it is ``convolve(in1, flip(in2), mode)``."""
    if is_zero(g):
        return 0.0
    full = in_full(g, in1, in2)
    if wrt_in1:
        return signal.convolve(full, in2, mode="valid")
    return np.flip(signal.convolve(full, np.flip(in1), mode="valid"))


register_helpers(
    {
        name: fn
        for name, fn in list(globals().items())
        if callable(fn) and not name.startswith("_") and getattr(fn, "__module__", None) == __name__
    }
)


def define(table: RuleTable, names: dict[Any, list[str]]) -> None:
    """Put the scipy.signal rules into ``table`` (and how user code spells them into ``names``)."""
    register_helpers({"signal": signal})
    signature = "in1, in2, mode='full', method='auto'"
    for fn, adjoint, tangent in (
        (signal.convolve, "signal_convolve_adjoint", "signal.convolve"),
        (signal.correlate, "signal_correlate_adjoint", "signal.correlate"),
    ):
        table.define(
            fn,
            rule(
                signature,
                elementwise=False,
                in1=f"{adjoint}(g, in1, in2, True)",
                in2=f"{adjoint}(g, in1, in2, False)",
                jvp={
                    "in1": f"{tangent}(t, in2, mode=mode, method=method)",
                    "in2": f"{tangent}(in1, t, mode=mode, method=method)",
                },
            ),
        )
        names[fn] = [f"scipy.signal.{fn.__name__}"]
