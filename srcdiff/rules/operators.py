"""Rules for Python's arithmetic operators, keyed by gast operator node type.

They hold for floats and ints and, with numpy broadcasting, for arrays.
"""

from __future__ import annotations

import gast

from .table import RuleTable, rule

OPERATORS = RuleTable("operators")

OPERATORS.define(gast.Add, rule("a, b", a="g", b="g"))
OPERATORS.define(gast.Sub, rule("a, b", a="g", b="-g"))
OPERATORS.define(gast.Mult, rule("a, b", a="g * b", b="g * a"))
OPERATORS.define(gast.Div, rule("a, b", a="g / b", b="-g * out / b"))
OPERATORS.define(gast.Mod, rule("a, b", a="g", b="-g * (a // b)"))
# known(b): b is a constant in the code, so b ** (b - 1) folds -- unless 0 < b < 1, where a ** (b - 1)
# raises at a == 0 (and a ** b does not): the helper gives inf there.  (b < 0: a ** b itself raises at 0.)
# A variable b goes to the helper, exact at 0 for any b (0 where b == 0, and its derivative where b == 1).
POWER_BASE = (
    "(g * b * a ** (b - 1) if b <= 0 or b >= 1 else power_base_adjoint(g, a, b)) if known(b) "
    "else power_base_adjoint(g, a, b)"
)
OPERATORS.define(gast.Pow, rule("a, b", a=POWER_BASE, b="g * out * log_or_zero(a)"))
# With the operands' ndim known (ndim(p) is decided when inlining, -1 if unknown), the common
# cases read as the textbook formulas; anything else goes through the general helper.
MATMUL_A = (
    "g @ b.T if ndim(a) == 2 and ndim(b) == 2 else np.outer(g, b) if ndim(a) == 2 and ndim(b) == 1 "
    "else b @ g if ndim(a) == 1 and ndim(b) == 2 else matmul_adjoint(g, a, b, True)"
)
MATMUL_B = "a.T @ g if ndim(a) == 2 and 1 <= ndim(b) <= 2 else matmul_adjoint(g, a, b, False)"
OPERATORS.define(gast.MatMult, rule("a, b", elementwise=False, linear=True, multilinear=True, a=MATMUL_A, b=MATMUL_B))
OPERATORS.define(gast.USub, rule("a", a="-g"))
OPERATORS.define(gast.UAdd, rule("a", a="g"))
# Integer-valued or bitwise: the result is piecewise constant.
OPERATORS.constant(gast.FloorDiv, gast.BitAnd, gast.BitOr, gast.BitXor, gast.LShift, gast.RShift, gast.Invert, gast.Not)
