"""Derivative rules, one table per namespace, looked up by the object a call resolves to.

>>> import math
>>> lookup(math.sin).adjoints["x"]
'g * math.cos(x)'
>>> is_constant(len)
True
"""

from __future__ import annotations

from typing import Any

from . import numpy_extra, numpy_shaping, numpy_statistics  # noqa: F401  (more rules into NUMPY)
from .builtin_functions import BUILTINS
from .complex_module import COMPLEX
from .linalg_module import LINALG
from .math_module import MATH
from .numpy_module import ATTRIBUTES, CONSTANT_ATTRIBUTES, METHODS, NUMPY, SPREAD_METHODS, VALUE_CONSTRUCTORS
from .operator_module import OPERATOR_FUNCTIONS
from .operators import OPERATORS
from .runtime_rules import RUNTIME
from .scipy_module import SCIPY
from .statistics_module import STATISTICS
from .table import TEMPLATE_GLOBALS, Rule, RuleTable, rule

TABLES: list[RuleTable] = [
    OPERATORS, MATH, BUILTINS, NUMPY, LINALG, RUNTIME, SCIPY, OPERATOR_FUNCTIONS, STATISTICS, COMPLEX,
]  # fmt: skip

__all__ = [
    "RUNTIME",
    "NUMPY",
    "LINALG",
    "Rule",
    "RuleTable",
    "rule",
    "lookup",
    "is_constant",
    "TABLES",
    "TEMPLATE_GLOBALS",
    "METHODS",
    "SPREAD_METHODS",
    "ATTRIBUTES",
    "CONSTANT_ATTRIBUTES",
    "VALUE_CONSTRUCTORS",
]


def lookup(fn: Any) -> Rule | None:
    """The rule for callable (or operator type) ``fn``, if any table has one."""
    for table in TABLES:
        try:
            found = table.rules.get(fn)
        except TypeError:  # unhashable callables have no rules
            return None
        if found is not None:
            return found
    return None


def is_constant(fn: Any) -> bool:
    """True if ``fn``'s result never carries a derivative (``len``, ``math.floor``, ``//``)."""
    try:
        return any(fn in table.nondifferentiable for table in TABLES)
    except TypeError:
        return False
