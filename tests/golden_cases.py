"""The functions of tests/test_golden.py: one construct each, as a user writes it.

(Their line numbers appear in the golden files' comments: add new cases at the end.)
"""

import math

import numpy as np


def assignment(x: float, y: float) -> float:
    z = x * y + math.sin(x)
    return z


def while_loop(x: float) -> float:
    z = x
    while z < 10.0:
        z = z * x + 1.0
    return z


def for_loop(x: float, n: int = 4) -> float:
    total = 0.0
    for i in range(n):
        total = total + x**i
    return total


def branch(x: float) -> float:
    if x > 0.0:
        y = x * x
    else:
        y = -x
    return y


def scale(v, s):
    return v * s


def helper_call(w: float) -> float:
    return scale(w, 3.0) + scale(w * w, 0.5)


def array_function(w, X):
    return np.sum(np.tanh(X @ w) ** 2)


CASES = {
    "assignment": (assignment, (1.5, 2.0)),
    "while_loop": (while_loop, (1.5,)),
    "for_loop": (for_loop, (1.5,)),
    "branch": (branch, (1.5,)),
    "helper_call": (helper_call, (1.5,)),
    "array_function": (array_function, (np.ones(3), np.ones((4, 3)))),
}
