"""Rules for Python builtins (``abs``, ``min``, ``max``, ``pow``, ``sum``, ``float``...)."""

from __future__ import annotations

from .. import runtime
from .operators import POWER_BASE
from .table import RuleTable, rule

BUILTINS = RuleTable("builtins")

BUILTINS.define(
    abs,
    rule(
        "x",
        x="np.real(g) * np.conj(x) * reciprocal_or_zero(out) if cplx(x) else g * (x > 0) - g * (x < 0)",
        jvp={"x": "np.real(np.conj(x) * t) * reciprocal_or_zero(out) if cplx(x) else t * (x > 0) - t * (x < 0)"},
    ),
)
BUILTINS.define(float, rule("x=0.0", x="g"))
BUILTINS.define(pow, rule("a, b, mod=None", a=POWER_BASE, b="g * out * log_or_zero(a)"))
# min/max of two values pick as Python does (the second only if it is strictly smaller/larger:
# ties and NaN go to the first), and the other value's derivative is not multiplied in, so that
# a NaN there cannot reach the result); of one sequence, to its first extreme element.
BUILTINS.define(
    min,
    rule(
        "a, b=None",
        sequences="a",
        a="one_hot_like(a, out, g) if b is None else 0.0 if b < a else g",
        b="g if b < a else 0.0",
        jvp={"a": "pick_tangent(a, out, t) if b is None else 0.0 if b < a else t", "b": "t if b < a else 0.0"},
    ),
)
BUILTINS.define(
    max,
    rule(
        "a, b=None",
        sequences="a",
        a="one_hot_like(a, out, g) if b is None else 0.0 if b > a else g",
        b="g if b > a else 0.0",
        jvp={"a": "pick_tangent(a, out, t) if b is None else 0.0 if b > a else t", "b": "t if b > a else 0.0"},
    ),
)
BUILTINS.define(sum, rule("seq, start=0", sequences="seq", linear=True, seq="fill_like(seq, g)", start="g"))

BUILTINS.define(list, rule("seq=()", sequences="seq", linear=True, seq="sequence_adjoint(g, seq)"))
BUILTINS.define(tuple, rule("seq=()", sequences="seq", linear=True, seq="sequence_adjoint(g, seq)"))
BUILTINS.define(runtime.loop_items, rule("value", sequences="value", linear=True, value="sequence_adjoint(g, value)"))

BUILTINS.constant(
    int,
    round,
    bool,
    len,
    range,
    str,
    repr,
    print,
    isinstance,
    issubclass,
    type,
    id,
    hash,
    callable,
    any,
    all,
    ord,
    chr,
    format,
    runtime.check_unpack,
)
