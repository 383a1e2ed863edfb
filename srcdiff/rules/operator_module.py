"""Rules for the functions of Python's ``operator`` module: each is its operator's rule
(``operator.mul(a, b)`` is ``a * b``), from :mod:`srcdiff.rules.operators`.

>>> import operator
>>> OPERATOR_FUNCTIONS.rules[operator.mul].adjoints["a"]
'g * b'
"""

from __future__ import annotations

import operator

import gast

from .operators import OPERATORS
from .table import RuleTable

OPERATOR_FUNCTIONS = RuleTable("operator")

for _fn, _op in {
    operator.add: gast.Add,
    operator.sub: gast.Sub,
    operator.mul: gast.Mult,
    operator.truediv: gast.Div,
    operator.mod: gast.Mod,
    operator.pow: gast.Pow,
    operator.matmul: gast.MatMult,
    operator.neg: gast.USub,
    operator.pos: gast.UAdd,
}.items():
    OPERATOR_FUNCTIONS.define(_fn, OPERATORS.rules[_op])
# integer-valued, boolean or bitwise: the result is piecewise constant
OPERATOR_FUNCTIONS.constant(
    operator.floordiv,
    operator.eq,
    operator.ne,
    operator.lt,
    operator.le,
    operator.gt,
    operator.ge,
    operator.not_,
    operator.truth,
    operator.and_,
    operator.or_,
    operator.xor,
    operator.invert,
    operator.lshift,
    operator.rshift,
)
