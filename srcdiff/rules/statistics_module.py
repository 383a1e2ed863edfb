"""Rules for the ``statistics`` module, and for ``math``'s functions of a sequence (``math.prod``,
``math.fsum``, ``math.dist``); helpers in :mod:`srcdiff.rules.sequence_helpers`.  The data may be
a list, a tuple or a 1-D array of numbers.

Conventions where a function has a kink:

- ``statistics.median``/``median_low``/``median_high`` weigh the sorted middle place(s); equal items
  are sorted stably (the first in the data counts as the smaller), so at a tie one item gets the
  whole weight of a place, as with ``np.median``.
- ``statistics.pstdev``/``stdev`` of equal items (0, a kink): the zero subgradient; ``math.dist`` at
  ``p == q`` likewise.
- ``statistics.harmonic_mean`` of data with a zero is refused (statistics returns 0 there).

>>> import statistics
>>> STATISTICS.rules[statistics.mean].adjoints["data"]
'mean_items_adjoint(g, data)'
"""

from __future__ import annotations

import math
import statistics
from typing import Any

from . import sequence_helpers
from .math_module import MATH
from .runtime_rules import RUNTIME
from .table import RuleTable, register_helpers, rule

register_helpers(sequence_helpers.HELPERS)
register_helpers({"statistics": statistics})

STATISTICS = RuleTable("statistics")
RUNTIME.constant(sequence_helpers.median_weights)  # (the weights of sorted places: 0, 1/2 or 1)


_MEAN = "mean_items_adjoint(g, data)"
STATISTICS.define(statistics.mean, rule("data", elementwise=False, sequences="data", linear=True, data=_MEAN))
STATISTICS.define(
    statistics.fmean,
    rule(
        "data, weights=None",
        elementwise=False,
        sequences="data, weights",
        data="mean_items_adjoint(g, data, weights)",
        weights="fmean_weights_adjoint(g, data, weights, out)",
        jvp={
            "data": "sequence_items_tangent(t, mean_items_adjoint(1.0, data, weights))",
            "weights": "sequence_items_tangent(t, fmean_weights_adjoint(1.0, data, weights, out))",
        },
    ),
)
_SPREADS: tuple[tuple[Any, str, int, bool], ...] = (
    (statistics.pvariance, "mu", 0, False),
    (statistics.variance, "xbar", 1, False),
    (statistics.pstdev, "mu", 0, True),
    (statistics.stdev, "xbar", 1, True),
)
for _fn, _center, _ddof, _root in _SPREADS:
    # the standard deviations: the variance's derivatives over 2 * out (none at 0, a kink)
    _scale = "reciprocal_or_zero(2.0 * out)" if _root else "1.0"
    _adjoints: dict[str, Any] = {
        "data": f"variance_items_adjoint(g * {_scale}, data, {_center}, {_ddof})",
        _center: f"variance_center_adjoint(g * {_scale}, data, {_center}, {_ddof})",
    }
    STATISTICS.define(
        _fn,
        rule(
            f"data, {_center}=None",
            elementwise=False,
            sequences="data",
            **_adjoints,
            jvp={
                "data": f"{_scale} * variance_items_tangent(t, data, {_center}, {_ddof})",
                _center: f"variance_center_adjoint(t * {_scale}, data, {_center}, {_ddof})",
            },
        ),
    )
_MEDIANS: tuple[tuple[Any, str], ...] = (
    (statistics.median, "mid"),
    (statistics.median_low, "low"),
    (statistics.median_high, "high"),
)
for _fn, _which in _MEDIANS:
    STATISTICS.define(
        _fn,
        rule(
            "data",
            elementwise=False,
            sequences="data",
            data=f"scaled_items(g, median_weights(data, '{_which}'), data)",
            jvp={"data": f"weighted_sum(t, median_weights(data, '{_which}'))"},
        ),
    )
STATISTICS.define(
    statistics.geometric_mean,
    rule(
        "data",
        elementwise=False,
        sequences="data",
        data="geometric_mean_adjoint(g, data, out)",
        jvp={"data": "sequence_items_tangent(t, geometric_mean_adjoint(1.0, data, out))"},
    ),
)
STATISTICS.define(
    statistics.harmonic_mean,
    rule(
        "data, weights=None",
        elementwise=False,
        sequences="data, weights",
        data="harmonic_mean_adjoint(g, data, weights, out)",
        weights="harmonic_weights_adjoint(g, data, weights, out)",
        jvp={
            "data": "sequence_items_tangent(t, harmonic_mean_adjoint(1.0, data, weights, out))",
            "weights": "sequence_items_tangent(t, harmonic_weights_adjoint(1.0, data, weights, out))",
        },
    ),
)
STATISTICS.define(
    statistics.covariance,
    rule(
        "x, y",
        elementwise=False,
        sequences="x, y",
        x="covariance_adjoint(g, x, y)",
        y="covariance_adjoint(g, y, x)",
        jvp={
            "x": "sequence_items_tangent(t, covariance_adjoint(1.0, x, y))",
            "y": "sequence_items_tangent(t, covariance_adjoint(1.0, y, x))",
        },
    ),
)
STATISTICS.define(
    statistics.correlation,
    rule(
        "x, y",
        elementwise=False,
        sequences="x, y",
        x="correlation_adjoint(g, x, y, out)",
        y="correlation_adjoint(g, y, x, out)",
        jvp={
            "x": "sequence_items_tangent(t, correlation_adjoint(1.0, x, y, out))",
            "y": "sequence_items_tangent(t, correlation_adjoint(1.0, y, x, out))",
        },
    ),
)

# -- math's functions of sequences, and two more of numbers ----------------------------------------
MATH.define(math.fsum, rule("seq", sequences="seq", linear=True, seq="fill_like(seq, g)"))
MATH.define(
    math.prod,
    rule(
        "seq, *, start=1",
        elementwise=False,
        sequences="seq",
        seq="prod_items_adjoint(g, seq, start)",
        start="g * math.prod(seq)",
        jvp={"seq": "prod_items_tangent(t, seq, start)", "start": "t * math.prod(seq)"},
    ),
)
MATH.define(
    math.dist,
    rule(
        "p, q",
        elementwise=False,
        sequences="p, q",
        p="dist_adjoint(g, p, q, out, 1.0)",
        q="dist_adjoint(g, p, q, out, -1.0)",
        jvp={"p": "dist_tangent(t, p, q, out, 1.0)", "q": "dist_tangent(t, p, q, out, -1.0)"},
    ),
)
# x - n * y, n the integer nearest x / y (ties to even, as Python's round)
MATH.define(math.remainder, rule("x, y", x="g", y="-g * np.round(x / y)"))
MATH.define(math.nextafter, rule("x, y", x="g"))

#: Notes for docs/coverage.md (srcdiff.tools.docs_tables).
NOTES: dict[Any, str] = {
    statistics.median: "ties: one item gets each sorted place (a stable sort)",
    statistics.median_low: "ties: one item gets the sorted place (a stable sort)",
    statistics.median_high: "ties: one item gets the sorted place (a stable sort)",
    statistics.pstdev: "equal items (a kink): the zero subgradient",
    statistics.stdev: "equal items (a kink): the zero subgradient",
    statistics.harmonic_mean: "data with a zero is refused",
    math.dist: "at `p == q` (a kink) the zero subgradient",
}
