"""Every numpy rule (and the ``@`` operator) checked against central finite differences.

Like ``test_rules.py``, the functions under test are generated into a module in a
temporary directory (srcdiff reads their source).  Each case is a small body over
the differentiated parameters ``x, y, z, u, v`` whose last line is an array
expression; the generated function returns ``np.sum((expr) * w)`` for a fixed
random weight ``w`` shaped like the expression, so every element of the result
carries its own weight and the gradient is not trivial.

Adding a numpy rule without a case here fails ``test_every_rule_has_a_domain``.

Conventions checked below with exact values: at a tie, ``np.max``/``np.min`` split
the gradient evenly among the elements equal to the extreme; ``np.maximum`` and
``np.minimum`` give it all to their first argument.
"""

from __future__ import annotations

import copy
import importlib.util
import operator
import os
import re
import warnings

import gast
import numpy as np
import pytest

import srcdiff
import srcdiff.runtime
from srcdiff import rules
from srcdiff.rules.second_order import second_order

PARAMS = ["x", "y", "z", "u", "v"]


# -- finite differences ------------------------------------------------------------------------
def numeric_array_grad(f, args, wrt, h=None):
    """Central differences of scalar ``f(*args)``, element by element, for each position in
    ``wrt`` (a tuple): a float for a Python float argument, an array shaped like the argument
    otherwise.  The step is 1e-6 for float64 (1e-3 for lower precision)."""
    derivatives = []
    for p in wrt:
        x = args[p]
        if isinstance(x, float):
            step = h or 1e-6
            up, down = list(args), list(args)
            up[p], down[p] = x + step, x - step
            derivatives.append(float(f(*up) - f(*down)) / (2 * step))
            continue
        x = np.asarray(x)
        step = h or (1e-6 if x.dtype == np.float64 else 1e-3)
        d = np.zeros(x.shape, dtype=np.float64)
        for index in np.ndindex(*x.shape):
            up, down = x.copy(), x.copy()
            up[index] += step
            down[index] -= step
            hi = f(*[up if i == p else a for i, a in enumerate(args)])
            lo = f(*[down if i == p else a for i, a in enumerate(args)])
            d[index] = (float(hi) - float(lo)) / (2 * step)
        derivatives.append(d)
    return tuple(derivatives)


def assert_array_grad(f, args, wrt=0, rtol=1e-5, atol=1e-6):
    """Check ``srcdiff.grad(f, wrt)(*args)`` against central differences.

    Also checks that the arguments are not mutated, that a Python float gets a float
    gradient and an array a floating array of its own shape.  Returns srcdiff's result.
    """
    args = tuple(args)
    many = isinstance(wrt, tuple)
    positions = wrt if many else (wrt,)
    snapshot = copy.deepcopy(args)
    got = srcdiff.grad(f, wrt=wrt)(*args)
    for a, s in zip(args, snapshot):
        np.testing.assert_array_equal(a, s, err_msg=f"srcdiff.grad({f.__name__}) mutated its arguments")
    gots = got if many else (got,)
    assert isinstance(gots, tuple) and len(gots) == len(positions), f"wrt={wrt!r} gave {got!r}"
    want = numeric_array_grad(f, args, positions)
    for p, g, e in zip(positions, gots, want):
        where = f"d{f.__name__}/d{PARAMS[p] if p < len(PARAMS) else p}"
        if isinstance(args[p], float):
            assert isinstance(g, float), f"{where}: expected a float, got {type(g).__name__} {g!r}"
        else:
            assert isinstance(g, np.ndarray), f"{where}: expected an array, got {type(g).__name__} {g!r}"
            assert g.shape == np.shape(args[p]), f"{where}: shape {g.shape} != argument shape {np.shape(args[p])}"
            assert np.issubdtype(g.dtype, np.floating), f"{where}: dtype {g.dtype}"
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, err_msg=f"{where}: srcdiff vs finite differences")
    return got


# -- argument makers (called with a seeded generator) ---------------------------------------------
def A(*shape, lo=-2.0, hi=2.0):
    """A random float64 array (0-d for no shape) uniform in [lo, hi]."""
    return lambda rng: np.array(rng.uniform(lo, hi, shape))


def P(*shape):
    """A positive array, away from zero."""
    return A(*shape, lo=0.5, hi=2.0)


def F(lo=-2.0, hi=2.0):
    """A Python float."""
    return lambda rng: float(rng.uniform(lo, hi))


def WELL(*shape):
    """Well-conditioned square matrices (the last two dims are n x n): random + n * I."""
    n = shape[-1]
    return lambda rng: np.array(rng.uniform(-1.0, 1.0, shape) + n * np.eye(n))


def FIXED(value):
    return lambda rng: np.array(value, dtype=float)


# -- the cases ---------------------------------------------------------------------------------
#: (rules exercised, body, argument makers, xfail reason or None); every argument is differentiated.
CASES: list[tuple[tuple, str, tuple, str | None]] = []


def case(keys, body, *specs, xfail=None):
    keys = keys if isinstance(keys, tuple) else (keys,)
    CASES.append((keys, body, specs, xfail))


# Cases may carry xfail=reason for a known srcdiff bug (strict: a fix makes the suite say so).

# ---- elementwise unary
UNARY_DOMAINS = {
    np.negative: [A(3, 4)], np.positive: [A(3, 4)], np.exp: [A(3, 4)], np.exp2: [A(3, 4)],
    np.expm1: [A(3, 4)], np.log: [P(3, 4)], np.log2: [P(3, 4)], np.log10: [P(3, 4)],
    np.log1p: [A(3, 4, lo=-0.5, hi=2.0)], np.sqrt: [P(3, 4)], np.cbrt: [P(3, 4), A(3, lo=-2.0, hi=-0.5)],
    np.square: [A(3, 4)], np.reciprocal: [P(3, 4), A(3, lo=-2.0, hi=-0.5)], np.abs: [A(3, 4)],
    np.fabs: [A(3, 4)], np.sin: [A(3, 4)], np.cos: [A(3, 4)], np.tan: [A(3, 4, lo=-1.2, hi=1.2)],
    np.arcsin: [A(3, 4, lo=-0.9, hi=0.9)], np.arccos: [A(3, 4, lo=-0.9, hi=0.9)], np.arctan: [A(3, 4)],
    np.sinh: [A(3, 4)], np.cosh: [A(3, 4)], np.tanh: [A(3, 4)], np.arcsinh: [A(3, 4)],
    np.arccosh: [A(3, 4, lo=1.2, hi=3.0)], np.arctanh: [A(3, 4, lo=-0.9, hi=0.9)],
    np.deg2rad: [A(3, 4)], np.rad2deg: [A(3, 4)], np.radians: [A(3, 4)], np.degrees: [A(3, 4)],
}
for fn, points in UNARY_DOMAINS.items():
    for spec in points:
        case(fn, f"np.{fn.__name__}(x)", spec)
case(np.abs, "np.abs(x)", A())  # 0-d
case(np.sin, "np.sin(x)", A(2, 3, 2))
case(gast.USub, "-x", A(3, 4))
case(gast.UAdd, "+x", A(3, 4))

# ---- elementwise binary, with every broadcasting class
#: body -> (rule, range of the first operand, range of the second)
WIDE, POS, EXPO = (-2.0, 2.0), (0.5, 2.0), (-1.5, 1.5)
BINARY = {
    "np.add(x, y)": (np.add, WIDE, WIDE),
    "np.subtract(x, y)": (np.subtract, WIDE, WIDE),
    "np.multiply(x, y)": (np.multiply, WIDE, WIDE),
    "np.divide(x, y)": (np.divide, WIDE, POS),
    "np.true_divide(y, x)": (np.true_divide, POS, WIDE),
    "np.power(x, y)": (np.power, POS, EXPO),
    "np.arctan2(x, y)": (np.arctan2, WIDE, WIDE),
    "np.hypot(x, y)": (np.hypot, WIDE, WIDE),
    "np.logaddexp(x, y)": (np.logaddexp, WIDE, WIDE),
    "np.logaddexp2(x, y)": (np.logaddexp2, WIDE, WIDE),
    "np.maximum(x, y)": (np.maximum, WIDE, WIDE),
    "np.minimum(x, y)": (np.minimum, WIDE, WIDE),
    "np.fmax(x, y)": (np.fmax, WIDE, WIDE),
    "np.fmin(x, y)": (np.fmin, WIDE, WIDE),
    "np.remainder(x, y)": (np.remainder, WIDE, POS),
    "np.mod(x, y)": (np.mod, WIDE, POS),
    "np.copysign(x, y)": (np.copysign, WIDE, WIDE),
    "x + y": (gast.Add, WIDE, WIDE),
    "x - y": (gast.Sub, WIDE, WIDE),
    "x * y": (gast.Mult, WIDE, WIDE),
    "x / y": (gast.Div, WIDE, POS),
    "x ** y": (gast.Pow, POS, EXPO),
    "x % y": (gast.Mod, WIDE, POS),
}
#: broadcasting class -> (shape of x, shape of y); None is a Python float
SHAPES = {
    "same": ((3, 4), (3, 4)),
    "float-array": (None, (3, 4)),
    "array-float": ((3, 4), None),
    "array-0d": ((3, 4), ()),
    "0d-array": ((), (3, 4)),
    "row": ((1, 4), (3, 4)),
    "column": ((3, 4), (3, 1)),
    "leading": ((4,), (2, 3, 4)),
    "both": ((3, 1), (1, 4)),
}


def _maker(shape, bounds):
    lo, hi = bounds
    return F(lo, hi) if shape is None else A(*shape, lo=lo, hi=hi)


for body, (fn, rx, ry) in BINARY.items():
    for _cls, (sx, sy) in SHAPES.items():
        case(fn, body, _maker(sx, rx), _maker(sy, ry))
case(np.power, "np.power(x, 3)", A(3, 4))  # negative bases with a constant integer exponent
case(gast.Pow, "x ** 2 + x ** 3.0", A(3, 4))
case(np.where, "np.where(x > 0.0, x, y)", A(3, 4), A(3, 4))
case(np.where, "np.where(x > 0.0, x * x, y)", A(3, 4), A(4))
case(np.where, "np.where(y > 0.0, 0.0, x)", A(3, 1), A(3, 4))
case(np.clip, "np.clip(x, -0.5, 0.5)", A(3, 4, lo=-1.0, hi=1.0))
case(np.clip, "np.clip(x, None, 0.5)", A(3, 4, lo=-1.0, hi=1.0))
case(np.clip, "x.clip(-0.5, 0.5)", A(3, 4, lo=-1.0, hi=1.0))

# ---- reductions
REDUCTION_AXES = ["", ", axis=0", ", axis=1", ", axis=-1", ", axis=(0, 2)", ", axis=1, keepdims=True",
                  ", axis=(0, -1), keepdims=True", ", keepdims=True"]
for fn in (np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.var, np.std):
    for axis in REDUCTION_AXES:
        case(fn, f"np.{fn.__name__}(x{axis})", A(2, 3, 4, lo=0.5, hi=1.5) if fn is np.prod else A(2, 3, 4))
case(np.prod, "np.prod(x, axis=1)", FIXED([[1.5, 0.0, 2.0], [0.0, 0.0, 3.0], [1.0, -2.0, 0.5]]))  # zeros
case(np.var, "np.var(x, ddof=1)", A(3, 4))
case(np.var, "np.var(x, axis=0, ddof=1)", A(3, 4))
case(np.std, "np.std(x, axis=1, ddof=1, keepdims=True)", A(3, 4))
case(np.cumsum, "np.cumsum(x)", A(3, 4))
case(np.cumsum, "np.cumsum(x, axis=1)", A(3, 4))
case(np.cumsum, "np.cumsum(x, -2)", A(3, 4))
case(np.cumprod, "np.cumprod(x)", A(3, 4))
case(np.cumprod, "np.cumprod(x, axis=0)", A(3, 4))
case(np.cumprod, "np.cumprod(x, axis=1)", FIXED([[1.5, 0.0, 2.0], [0.5, -1.0, 3.0]]))  # a zero
# method forms
case(np.sum, "x.sum(axis=1)", A(3, 4))
case(np.sum, "x.sum()", A(3, 4))
case(np.mean, "x.mean()", A(3, 4))
case(np.mean, "x.mean(axis=0, keepdims=True)", A(3, 4))
case(np.max, "x.max(0)", A(3, 4))
case(np.min, "x.min(axis=-1)", A(3, 4))
case(np.prod, "x.prod(1)", A(3, 4))
case(np.var, "x.var(axis=1)", A(3, 4))
case(np.std, "x.std()", A(3, 4))
case(np.cumsum, "x.cumsum(axis=0)", A(3, 4))
case(np.cumprod, "x.cumprod()", A(3, 4))
case(np.trace, "x.trace()", A(3, 3))
case(np.diagonal, "x.diagonal(1)", A(3, 4))
case(np.repeat, "x.repeat(2, axis=0)", A(2, 3))
case(np.copy, "x.copy()", A(2, 3))
case(np.reshape, "x.reshape(2, -1)", A(3, 4))
case(np.reshape, "x.reshape((4, 3))", A(3, 4))
case(np.ravel, "x.ravel()", A(3, 4))
case(np.ravel, "x.flatten()", A(3, 4))
case(np.transpose, "x.transpose(1, 0)", A(3, 4))
case(np.transpose, "x.transpose((2, 0, 1))", A(2, 3, 4))
case(np.transpose, "x.transpose()", A(2, 3, 4))
case(np.transpose, "x.T", A(3, 4))
case(np.transpose, "x.T", A(2, 3, 4))
case(np.swapaxes, "x.swapaxes(0, 2)", A(2, 3, 4))
case(np.squeeze, "x.squeeze()", A(3, 1, 4))
case(np.atleast_1d, "np.atleast_1d(x) * 2.0", A())
case(np.atleast_2d, "np.atleast_2d(x) @ np.ones((3, 2))", A(3))
case(np.atleast_3d, "np.atleast_3d(x) ** 2", A(3, 4))
case(np.dot, "x.dot(y)", A(3, 4), A(4, 2))
case(np.dot, "x.dot(y)", A(4), A(4))

# ---- traces
case(np.trace, "np.trace(x)", A(3, 3))
case(np.trace, "np.trace(x, 1)", A(3, 4))
case(np.trace, "np.trace(x, offset=-1)", A(4, 3))
case(np.trace, "np.trace(x)", A(3, 3, 2))  # traced over the first two axes
case(np.trace, "np.trace(x)", A(2, 2, 2))  # silently wrong values

# ---- linear algebra (numpy.linalg and scipy.linalg: tests/test_linalg_rules.py)
case(gast.MatMult, "x @ y", A(3, 4), A(4, 2))
case(gast.MatMult, "x @ y", A(3, 4), A(4))
case(gast.MatMult, "x @ y", A(4), A(4, 2))
case(gast.MatMult, "x @ y", A(4), A(4))
case(gast.MatMult, "x @ y", A(2, 3, 4), A(2, 4, 2))
case(gast.MatMult, "x @ y", A(2, 3, 4), A(4, 2))  # batch broadcast
case(gast.MatMult, "x @ y", A(3, 4), A(2, 4, 2))
case(gast.MatMult, "x @ y", A(1, 3, 4), A(2, 4, 2))
case(gast.MatMult, "x @ y", A(2, 3, 4), A(4))
case(gast.MatMult, "x @ y", A(4), A(2, 4, 3))
case(gast.MatMult, "x @ y @ x.T", A(3, 4), A(4, 4))
case(np.matmul, "np.matmul(x, y)", A(3, 4), A(4, 2))
case(np.matmul, "np.matmul(x, y)", A(2, 3, 4), A(4))
case(np.dot, "np.dot(x, y)", A(3, 4), A(4, 2))
case(np.dot, "np.dot(x, y)", A(3, 4), A(4))
case(np.dot, "np.dot(x, y)", A(4), A(4, 3))
case(np.dot, "np.dot(x, y)", A(4), A(4))
case(np.dot, "np.dot(x, y)", F(), A(3, 2))
case(np.dot, "np.dot(x, y)", A(2, 3, 4), A(4))  # (more axes: a's last contracted with b's second to last)
case(np.dot, "np.dot(x, y)", A(2, 3, 4), A(2, 4, 3))
case(np.dot, "np.dot(x, y)", A(4), A(2, 4, 3))
case(np.outer, "np.outer(x, y)", A(3), A(4))
case(np.outer, "np.outer(x, y)", A(2, 2), A(3))  # inputs are flattened
case(np.inner, "np.inner(x, y)", A(4), A(4))
case(np.inner, "np.inner(x, y)", A(3, 4), A(4))
case(np.inner, "np.inner(x, y)", A(4), A(2, 4))
case(np.inner, "np.inner(x, y)", A(3, 4), A(2, 4))
case(np.inner, "np.inner(x, y)", A(2, 3, 4), A(2, 4))
case(np.tensordot, "np.tensordot(x, y)", A(2, 3, 4), A(3, 4, 2))
case(np.tensordot, "np.tensordot(x, y, 1)", A(2, 3), A(3, 4))
case(np.tensordot, "np.tensordot(x, y, axes=0)", A(2, 3), A(2))
case(np.tensordot, "np.tensordot(x, y, axes=(1, 0))", A(2, 3), A(3, 4))
case(np.tensordot, "np.tensordot(x, y, axes=([1, 2], [0, 1]))", A(2, 3, 4), A(3, 4, 2))
case(np.tensordot, "np.tensordot(x, y, axes=([0, 2], [2, 0]))", A(4, 2, 3), A(3, 5, 4))
case(np.tensordot, "np.tensordot(x, y, axes=([2, 0], [0, 2]))", A(4, 2, 3), A(3, 5, 4))
case(np.tensordot, "np.tensordot(x, y, axes=([0, 1], [1, 0]))", A(2, 2), A(2, 2))  # silent
case(np.einsum, "np.einsum('ij,jk->ik', x, y)", A(3, 4), A(4, 2))
case(np.einsum, "np.einsum(x, [0, 1], y, [1, 2], [0, 2])", A(3, 4), A(4, 2))
case(np.einsum, "np.einsum(x, [0, 1], [1, 0])", A(3, 4))
case(np.einsum, "np.einsum(x, [0, 1], y, [1, 2])", A(3, 4), A(4, 2))
case(srcdiff.runtime.index_concat, "np.r_[x, 2.0 * y, 0:2]", A(3), A(2))
case(srcdiff.runtime.index_concat, "np.r_['0,2', x, y]", A(3), A(3))
case(srcdiff.runtime.index_concat, "np.c_[x, y]", A(3), A(3))
case(np.einsum, "np.einsum('ij->i', x)", A(3, 4))
case(np.einsum, "np.einsum('i,i->', x, y)", A(4), A(4))
case(np.einsum, "np.einsum('bij,bjk->bik', x, y)", A(2, 3, 4), A(2, 4, 2))
case(np.einsum, "np.einsum('ij,jk', x, y)", A(3, 4), A(4, 2))
case(np.einsum, "np.einsum('ij,jk->ki', x, y)", A(3, 4), A(4, 2))
case(np.einsum, "np.einsum('ij,j,k->ik', x, y, z)", A(3, 4), A(4), A(2))
case(np.einsum, "np.einsum('ij,kj', x, x)", A(3, 4))

# ---- shape and assembly
case(np.reshape, "np.reshape(x, (2, 6))", A(3, 4))
case(np.reshape, "np.reshape(x, (-1, 2))", A(3, 4))
case(np.reshape, "np.reshape(x, -1)", A(3, 4))
case(np.ravel, "np.ravel(x)", A(2, 3, 2))
case(np.squeeze, "np.squeeze(x)", A(3, 1, 4, 1))
case(np.squeeze, "np.squeeze(x, axis=1)", A(3, 1, 4, 1))
case(np.expand_dims, "np.expand_dims(x, 1)", A(3, 4))
case(np.expand_dims, "np.expand_dims(x, (0, 3))", A(3, 4))
case(np.atleast_1d, "np.atleast_1d(x)", A())
case(np.atleast_2d, "np.atleast_2d(x)", A(4))
case(np.transpose, "np.transpose(x)", A(3, 4))
case(np.transpose, "np.transpose(x, (1, 2, 0))", A(2, 3, 4))
case(np.transpose, "np.transpose(x, axes=(2, 0, 1))", A(2, 3, 4))
case(np.transpose, "np.transpose(x, (-1, 0, 1))", A(2, 3, 4))
case(np.swapaxes, "np.swapaxes(x, 0, -1)", A(2, 3, 4))
case(np.moveaxis, "np.moveaxis(x, 0, -1)", A(2, 3, 4))
case(np.moveaxis, "np.moveaxis(x, [0, 1], [2, 0])", A(2, 3, 4))
case(np.broadcast_to, "np.broadcast_to(x, (3, 4))", A(4))
case(np.broadcast_to, "np.broadcast_to(x, (2, 3, 4))", A(3, 1))
case(np.broadcast_to, "np.broadcast_to(x, (3, 4))", A())
case(np.concatenate, "np.concatenate([x, y, z])", A(2, 3), A(1, 3), A(3, 3))
case(np.concatenate, "np.concatenate([x, y, x], axis=1)", A(2, 3), A(2, 1))
case(np.concatenate, "np.concatenate([x, np.ones((2, 2)), y], axis=-1)", A(2, 3), A(2, 1))
case(np.concatenate, "np.concatenate((x, y), axis=None)", A(2, 3), A(4))
case(np.concatenate, "parts = [x, y * 2.0]\nnp.concatenate(parts)", A(2, 3), A(1, 3))
case(np.stack, "np.stack([x, y, z])", A(3), A(3), A(3))
case(np.stack, "np.stack([x, y], axis=1)", A(2, 3), A(2, 3))
case(np.stack, "np.stack([x, y, x], axis=-1)", A(2, 3), A(2, 3))
case(np.hstack, "np.hstack([x, y, z])", A(2), A(3), A(1))
case(np.hstack, "np.hstack([x, y])", A(2, 3), A(2, 2))
case(np.vstack, "np.vstack([x, y, z])", A(3), A(3), A(3))
case(np.vstack, "np.vstack([x, y])", A(2, 3), A(3))
case(np.split, "p = np.split(x, 3)\np[0] * p[2]", A(6, 2))
case(np.split, "p = np.split(x, [1, 3], axis=1)\np[2] + np.sum(p[0])", A(2, 5))
case(np.split, "a, b = np.split(x, 2, axis=1)\na * b", A(2, 4))
case(np.array_split, "p = np.array_split(x, 3)\np[0] * p[1] + p[2][0]", A(8))
case(np.array_split, "p = np.array_split(x, 2)\np[0] * p[1]", A(6))  # even: same as np.split
case(np.array_split, "p = np.array_split(x, 2, axis=1)\np[1]", A(3, 5))
case(np.tile, "np.tile(x, 3)", A(2))
case(np.tile, "np.tile(x, (2, 3))", A(2, 2))
case(np.tile, "np.tile(x, (2, 1, 2))", A(2, 3))
case(np.repeat, "np.repeat(x, 3)", A(2, 2))
case(np.repeat, "np.repeat(x, 2, axis=1)", A(2, 3))
case(np.repeat, "np.repeat(x, [1, 0, 2], axis=0)", A(3, 2))
case(np.flip, "np.flip(x)", A(3, 4))
case(np.flip, "np.flip(x, 1)", A(3, 4))
case(np.flip, "np.flip(x, axis=(0, 2))", A(2, 3, 4))
case(np.fliplr, "np.fliplr(x)", A(3, 4))
case(np.flipud, "np.flipud(x)", A(3, 4))
case(np.roll, "np.roll(x, 2)", A(3, 4))
case(np.roll, "np.roll(x, -1, axis=1)", A(3, 4))
case(np.roll, "np.roll(x, (1, 2), axis=(0, 1))", A(3, 4))
case(np.diag, "np.diag(x)", A(3))
case(np.diag, "np.diag(x, 1)", A(3))
case(np.diag, "np.diag(x)", A(3, 3))
case(np.diag, "np.diag(x, -1)", A(3, 3))
case(np.diag, "np.diag(x)", A(3, 4))
case(np.diag, "np.diag(x, 1)", A(4, 3))
case(np.diag, "np.diag(x)", A(1, 3))  # silently wrong values
case(np.diagonal, "np.diagonal(x)", A(3, 4))
case(np.diagonal, "np.diagonal(x, -1)", A(4, 3))
case(np.diagonal, "np.diagonal(x, 0, 1, 2)", A(2, 3, 3))
case(np.triu, "np.triu(x)", A(3, 4))
case(np.triu, "np.triu(x, 1)", A(3, 3))
case(np.tril, "np.tril(x)", A(4, 3))
case(np.tril, "np.tril(x, -1)", A(3, 3))
case(np.pad, "np.pad(x, 1)", A(3, 2))
case(np.pad, "np.pad(x, ((1, 0), (2, 1)))", A(3, 2))
case(np.pad, "np.pad(x, (0, 2), constant_values=1.5)", A(3, 2))
case(np.pad, "np.pad(x, ((2, 1),), mode='constant')", A(3))
case(np.lib.stride_tricks.sliding_window_view,
     "np.einsum('ij,j->i', np.lib.stride_tricks.sliding_window_view(x, 3), y)", A(6), A(3))
case(np.lib.stride_tricks.sliding_window_view,
     "np.einsum('ijkl,kl->ij', np.lib.stride_tricks.sliding_window_view(x, (2, 3)), y)", A(4, 5), A(2, 3))
case(np.lib.stride_tricks.sliding_window_view,
     "np.lib.stride_tricks.sliding_window_view(x, 2, axis=1)", A(3, 4))
case(np.array, "np.array([x, y, z])", F(), F(), F())
case(np.array, "np.array([x, y * y, x * z])", F(), F(), F())
case(np.array, "np.array([x, y, z])", A(4), A(4), A(4))
case(np.array, "np.array([[x, y], [z, x]])", F(), F(), F())
case(np.array, "np.array(x)", A(3))
case(np.asarray, "np.asarray([x, y])", A(3), A(3))
case(np.asarray, "np.asarray(x)", A(3, 2))
case(np.copy, "np.copy(x) * x", A(3, 4))
case(np.full, "np.full((2, 3), x) * np.arange(6.0).reshape(2, 3)", F())
case(np.full, "np.full((2, 3), x)", A(3))
case(np.array, "np.array([x, 1.0, y])", F(), F())  # a constant element
case(np.stack, "np.stack([x, np.zeros(3), y])", A(3), A(3))
case(np.hstack, "np.hstack([x, y])", A(), A(3))  # a 0-d piece

# ---- more shaping and assembly (srcdiff/rules/numpy_shaping.py)
case(np.column_stack, "np.column_stack([x, y])", A(3), A(3))
case(np.column_stack, "np.column_stack((x, y, z))", A(3, 2), A(3), A(3, 1))
case(np.row_stack, "np.row_stack([x, y])", A(3), A(2, 3))
case(np.append, "np.append(x, y)", A(2, 2), A(3))
case(np.append, "np.append(x, y, axis=0)", A(2, 3), A(1, 3))
case(np.append, "np.append(x, y, axis=1)", A(2, 3), A(2, 2))
case(np.append, "np.append([x, 1.0], y)", F(), F())
case(np.insert, "np.insert(x, 1, y)", A(4), F())
case(np.insert, "np.insert(x, [0, 2, 2], y)", A(4), A(3))
case(np.insert, "np.insert(x, 1, y, axis=1)", A(2, 3), A(2))
case(np.insert, "np.insert(x, 2, y, axis=0)", A(3, 2), A(2))
case(np.insert, "np.insert(x, [0, 3], y)", A(2, 2), F())  # one value into two places
case(np.delete, "np.delete(x, 1)", A(4))
case(np.delete, "np.delete(x, [0, 2], axis=1)", A(2, 4))
case(np.delete, "np.delete(x, slice(0, 2), axis=0)", A(3, 2))
case(np.kron, "np.kron(x, y)", A(2, 2), A(3, 3))
case(np.kron, "np.kron(x, y)", A(3), A(2))
case(np.kron, "np.kron(x, y)", A(2, 1), A(3))
case(np.kron, "np.kron(x, y)", A(), A(2, 2))
case(np.cross, "np.cross(x, y)", A(3), A(3))
case(np.cross, "np.cross(x, y)", A(4, 3), A(4, 3))
case(np.cross, "np.cross(x, y)", A(3), A(4, 3))  # broadcast
case(np.cross, "np.cross(x, y)", A(2), A(2))  # the z component only
case(np.cross, "np.cross(x, y)", A(2), A(3))
case(np.cross, "np.cross(x, y, axisa=0, axisb=1, axisc=0)", A(3, 4), A(4, 3))
case(np.cross, "np.cross(x, y, axis=0)", A(3, 2), A(3, 2))
case(np.vdot, "np.vdot(x, y)", A(2, 3), A(6))
case(np.select, "np.select([x > 0.0, y > 0.0], [x, y * 2.0], 0.5)", A(3, 4), A(3, 4))
case(np.select, "np.select([x > 0.5], [x], y)", A(3, 4), A(4))
case(np.select, "np.select([x > 0.0, x < -1.0], [y, z], x)", A(3, 4), A(4), F())
case(np.meshgrid, "a, b = np.meshgrid(x, y)\na * b + a", A(3), A(4))
case(np.meshgrid, "a, b = np.meshgrid(x, y, indexing='ij')\na * b", A(3), A(4))
case(np.meshgrid, "a, b, c = np.meshgrid(x, y, z)\na * b * c", A(2), A(3), A(2))
case(np.meshgrid, "a, b = np.meshgrid(x, y, sparse=True)\na * b", A(3), A(2))
case(np.diff, "np.diff(x)", A(5))
case(np.diff, "np.diff(x, 2)", A(6))
case(np.diff, "np.diff(x, 0)", A(3))
case(np.diff, "np.diff(x, axis=0)", A(4, 3))
case(np.diff, "np.diff(x, n=3, axis=1)", A(2, 5))
case(np.diff, "np.diff(x, prepend=y, append=z)", A(4), F(), A(2))
case(np.diff, "np.diff(x, 2, axis=0, prepend=y)", A(3, 2), A(1, 2))
case(np.diff, "np.diff(x, prepend=y)", A(3, 2), F())  # a number before every row
case(np.ediff1d, "np.ediff1d(x)", A(2, 3))
case(np.ediff1d, "np.ediff1d(x, to_end=y, to_begin=z)", A(4), A(2), F())
case(np.gradient, "np.gradient(x)", A(6))
case(np.gradient, "np.gradient(x, 0.5)", A(6))
case(np.gradient, "np.gradient(x, axis=0)", A(4, 3))
case(np.gradient, "a, b = np.gradient(x)\na * b", A(4, 5))
case(np.gradient, "np.gradient(x, edge_order=2)", A(7))
case(np.gradient, "np.gradient(x, np.array([0.0, 0.5, 1.5, 2.0, 3.5]))", A(5))  # uneven spacing
case(np.gradient, "np.gradient(x, np.array([0.0, 0.5, 1.5, 2.0, 3.5]), edge_order=2)", A(5))
case(np.gradient, "np.gradient(x, 2.0, edge_order=2, axis=-1)", A(3, 6))
case(np.gradient, "p = np.gradient(x, axis=(0, 2))\np[0] * p[1]", A(3, 2, 4))
case(np.rot90, "np.rot90(x)", A(3, 4))
case(np.rot90, "np.rot90(x, 2)", A(3, 4))
case(np.rot90, "np.rot90(x, -1, axes=(1, 2))", A(2, 3, 4))
case(np.rollaxis, "np.rollaxis(x, 2)", A(2, 3, 4))
case(np.rollaxis, "np.rollaxis(x, 0, 3)", A(2, 3, 4))
case(np.rollaxis, "np.rollaxis(x, 1, 0)", A(2, 3, 4))
case(np.rollaxis, "np.rollaxis(x, -1, 1)", A(2, 3, 4))
case(np.vsplit, "p = np.vsplit(x, 2)\np[0] * p[1]", A(4, 3))
case(np.hsplit, "p = np.hsplit(x, [1, 3])\np[2] + np.sum(p[0] * p[1])", A(2, 5))
case(np.hsplit, "p = np.hsplit(x, 2)\np[0] * p[1]", A(4))
case(np.dsplit, "p = np.dsplit(x, 2)\np[0] * p[1]", A(2, 2, 4))
case(np.take, "np.take(x, [2, 0, 2])", A(2, 3))
case(np.take, "np.take(x, [[1, 0], [2, 2]], axis=1)", A(2, 3))
case(np.take, "np.take(x, 1, axis=0)", A(3, 2))
case(np.take, "np.take(x, [-1, 4], mode='wrap')", A(3))
case(np.take, "np.take(x, [5, -2], mode='clip')", A(4))
case(np.take_along_axis, "np.take_along_axis(x, np.array([[0, 0], [2, 1]]), 1)", A(2, 3))
case(np.take_along_axis, "np.take_along_axis(x, np.array([[1, 0, 1]]), axis=0)", A(2, 3))
case(np.take_along_axis, "np.take_along_axis(x, np.argsort(x, axis=0), axis=0)", A(3, 2))
case(np.take_along_axis, "np.take_along_axis(x, np.array([3, 0, 0]), None)", A(2, 2))
case(np.take_along_axis, "np.take_along_axis(x, np.array([[0], [1], [1]]), 1)", A(1, 2))  # x broadcast
case(np.sort, "np.sort(x)", A(5))
case(np.sort, "np.sort(x, axis=0)", A(3, 4))
case(np.sort, "np.sort(x, axis=None)", A(3, 2))
case(np.sort, "np.sort(x * y)[..., -1]", A(2, 4), A(4))
case(np.partition, "np.partition(x, 2)", A(6))
case(np.partition, "np.partition(x, (1, 3), axis=0)", A(5, 2))
case(np.partition, "np.partition(x, 0, axis=None)", A(2, 3))
case(np.add.reduce, "np.add.reduce(x)", A(3, 4))
case(np.add.reduce, "np.add.reduce(x, axis=1, keepdims=True)", A(3, 4))
case(np.multiply.reduce, "np.multiply.reduce(x, 1)", P(3, 4))
case(np.maximum.reduce, "np.maximum.reduce(x)", A(3, 4))
case(np.minimum.reduce, "np.minimum.reduce(x, axis=None)", A(3, 4))
case(np.fmax.reduce, "np.fmax.reduce(x, axis=1)", A(3, 4))
case(np.fmin.reduce, "np.fmin.reduce(x)", A(3, 4))
case(np.logaddexp.reduce, "np.logaddexp.reduce(x, axis=1)", A(3, 4))
case(np.logaddexp.reduce, "np.logaddexp.reduce(x)", A(5))
case(np.add.accumulate, "np.add.accumulate(x)", A(3, 4))
case(np.add.accumulate, "np.add.accumulate(x, axis=1)", A(3, 4))
case(np.multiply.accumulate, "np.multiply.accumulate(x, axis=1)", A(3, 4))
case(np.add.outer, "np.add.outer(x, y)", A(3), A(2, 2))
case(np.multiply.outer, "np.multiply.outer(x, y)", A(2, 2), A(3))
case(np.astype, "x.astype(np.float64) * x", A(3))
case(np.astype, "np.astype(x, 'float64') + x.astype(int) * x", A(2, 3))

# ---- statistics and friends (srcdiff/rules/numpy_statistics.py)
case(np.quantile, "np.quantile(x, 0.3)", A(7))
case(np.quantile, "np.quantile(x, [0.1, 0.5, 1.0], axis=0)", A(5, 3))
case(np.quantile, "np.quantile(x, 0.75, axis=(0, 2), keepdims=True)", A(3, 2, 4))
case(np.quantile, "np.quantile(x, np.array([[0.2], [0.9]]), axis=1)", A(3, 4))
case(np.percentile, "np.percentile(x, 40)", A(6))
case(np.percentile, "np.percentile(x, [25, 75], axis=1, keepdims=True)", A(3, 5))
case(np.median, "np.median(x)", A(6))
case(np.median, "np.median(x)", A(7))
case(np.median, "np.median(x, axis=0)", A(4, 3))
case(np.median, "np.median(x, axis=1, keepdims=True)", A(3, 4))
case(np.nansum, "np.nansum(x + np.array([1.0, np.nan, 2.0]))", A(3))
case(np.nansum, "np.nansum(x + np.array([[np.nan, 0.0], [1.0, 2.0]]), axis=0)", A(2, 2))
case(np.nanmean, "np.nanmean(x + np.array([1.0, np.nan, 2.0]))", A(3))
case(np.nanmean, "np.nanmean(x + np.array([[np.nan, 0.0], [1.0, 2.0]]), axis=1, keepdims=True)", A(2, 2))
case(np.nanprod, "np.nanprod(x + np.array([1.0, np.nan, 2.0]))", A(3))
case(np.nanprod, "np.nanprod(x + np.array([[np.nan, 0.0], [1.0, 2.0]]), axis=0)", A(2, 2))
case(np.nanmax, "np.nanmax(x + np.array([1.0, np.nan, 2.0]))", A(3))
case(np.nanmax, "np.nanmax(x + np.array([[np.nan, 0.0], [1.0, 2.0]]), axis=0)", A(2, 2))
case(np.nanmin, "np.nanmin(x + np.array([[1.0, np.nan, 2.0]]), axis=1, keepdims=True)", A(2, 3))
case(np.nan_to_num, "np.sin(np.nan_to_num(x + np.array([0.0, np.nan, np.inf, -np.inf])))", A(4))
case(np.nan_to_num, "np.nan_to_num(x)", A(3))
case(np.average, "np.average(x)", A(3, 4))
case(np.average, "np.average(x, axis=1, weights=y)", A(3, 4), P(4))
case(np.average, "np.average(x, axis=0, weights=y)", A(3, 4), P(3, 4))
case(np.average, "np.average(x, weights=y)", A(2, 3), P(2, 3))
case(np.average, "np.average(x, axis=1, weights=y, keepdims=True)", A(3, 4), P(4))
case(np.cov, "np.cov(x)", A(3, 5))
case(np.cov, "np.cov(x, y)", A(5), A(5))
case(np.cov, "np.cov(x)", A(6))  # one variable: a number
case(np.cov, "np.cov(x, rowvar=False)", A(6, 2))
case(np.cov, "np.cov(x, y, rowvar=False)", A(5, 2), A(5))
case(np.cov, "np.cov(x, bias=True)", A(2, 4))
case(np.cov, "np.cov(x, ddof=0, aweights=np.array([1.0, 2.0, 0.5, 1.0]))", A(2, 4))
case(np.cov, "np.cov(x, fweights=np.array([1, 2, 1, 3]), aweights=np.array([1.0, 2.0, 0.5, 1.0]))", A(2, 4))
case(np.corrcoef, "np.corrcoef(x)", A(3, 5))
case(np.corrcoef, "np.corrcoef(x, y)", A(6), A(6))
case(np.corrcoef, "np.corrcoef(x, rowvar=False)", A(6, 3))
case(np.interp, "np.interp(x, np.array([-1.0, 0.0, 0.5, 2.0]), y)", A(5, lo=-1.5, hi=2.5), A(4))
case(np.interp, "np.interp(x, np.array([0.0, 1.0, 3.0]), np.array([1.0, -1.0, 2.0]))", A(3, 2, lo=-0.5, hi=3.5))
case(np.interp, "np.interp(x, np.array([0.0, 1.0]), y, left=z, right=u)", A(6, lo=-1.0, hi=2.0), A(2), F(), F())
case(np.interp, "np.interp(x, np.array([0.0, 1.0, 2.0]), y)", F(-0.5, 2.5), A(3))
case(np.polyval, "np.polyval(x, y)", A(4), A(3))
case(np.polyval, "np.polyval(x, y)", A(1), F())
case(np.polyval, "np.polyval(x, y)", A(3), A(2, 2))
case(np.sinc, "np.sinc(x)", A(3, 4))
case(np.sinc, "np.sinc(x)", A(6, lo=-0.02, hi=0.02))  # around the series near 0
for mode in ("full", "same", "valid"):
    for n, m in ((5, 3), (3, 5), (4, 4), (2, 5)):
        case(np.convolve, f"np.convolve(x, y, '{mode}')", A(n), A(m))
        case(np.correlate, f"np.correlate(x, y, mode='{mode}')", A(n), A(m))
case(np.convolve, "np.convolve(x, y)", A(1), A(3))
case(np.unwrap, "np.unwrap(x * 3.0)", A(6))
case(np.unwrap, "np.unwrap(x, axis=0)", A(4, 3))
case(np.linspace, "np.linspace(x, y, 5)", F(), F())
case(np.linspace, "np.linspace(x, y, 4, endpoint=False)", F(), F())
case(np.linspace, "np.linspace(x, y, 3, axis=1)", A(2), A(2))
case(np.linspace, "np.linspace(x, y, 3, axis=-1)", A(2, 1), A(3))
case(np.linspace, "np.linspace(x, y, 1)", F(), F())
case(np.linspace, "np.linspace(x, 2.0, 0)", F())
case(np.linspace, "np.linspace(x, x, 3)", F())  # no step
case(np.geomspace, "np.geomspace(x, y, 5)", F(0.5, 2.0), F(0.5, 2.0))
case(np.geomspace, "np.geomspace(-x, -y, 4, endpoint=False)", F(0.5, 2.0), F(0.5, 2.0))
case(np.geomspace, "np.geomspace(x, y, 3, axis=1)", P(2), P(2))

case(np.einsum, "np.einsum('...ij,...jk->...ik', x, y)", A(2, 3), A(3, 4))
case(np.einsum, "np.einsum('...ij,...jk->...ik', x, y)", A(2, 2, 3), A(3, 4))
case(np.einsum, "np.einsum('...ij,...jk', x, y)", A(1, 2, 3), A(4, 3, 2))  # a length-1 axis broadcast
case(np.einsum, "np.einsum('jk...,lj...->lk...', x, y)", A(3, 2), A(2, 3, 4))
case(np.einsum, "np.einsum('j...k,lj...->lk...', x, y)", A(2, 2, 2), A(2, 2, 2))
case(np.einsum, "np.einsum('...k,...nk->...', x, y)", A(3, 5), A(3, 2, 5))
case(np.einsum, "np.einsum('i...->...', x)", A(3, 2, 2))
case(np.einsum, "np.einsum(x, [Ellipsis, 0, 1], y, [Ellipsis, 1, 2], [Ellipsis, 0, 2])", A(2, 2, 3), A(3, 4))

# ---- compositions
case((np.tanh, gast.MatMult, np.mean), "h = np.tanh(x @ y + z)\nnp.mean(h, axis=0)", A(5, 3), A(3, 4), A(4))
case((np.exp, np.log, np.sum, np.max), "m = np.max(x, axis=1, keepdims=True)\n"
     "x - m - np.log(np.sum(np.exp(x - m), axis=1, keepdims=True))", A(3, 4))

# ---- srcdiff/rules/numpy_extra.py (appended: the earlier cases keep their seeds)
for _cls, (sx, sy) in SHAPES.items():
    case(np.fmod, "np.fmod(x, y)", _maker(sx, WIDE), _maker(sy, POS))
    case(np.float_power, "np.float_power(x, y)", _maker(sx, POS), _maker(sy, EXPO))
case(np.fmod, "np.fmod(x, y)", A(3, 4, lo=-5.0, hi=5.0), A(3, 4, lo=-2.0, hi=-0.5))  # negative divisors
case(np.float_power, "np.float_power(x, 3)", A(3, 4))
case(np.ldexp, "np.ldexp(x, np.array([[0], [2], [-3]]))", A(3, 4))
case(np.ldexp, "np.ldexp(x, 4)", F())
case(np.nextafter, "np.nextafter(x, y)", A(3, 4), A(4))
for body in ["np.ptp(x)", "np.ptp(x, axis=0)", "np.ptp(x, 1, keepdims=True)", "np.ptp(x, axis=(0, 1))"]:
    case(np.ptp, body, A(3, 4))
_NANS = "x + np.array([[1.0, np.nan, 2.0, 0.5], [0.0, 1.0, np.nan, 3.0], [2.0, 1.0, -1.0, 0.0]])"
for fn in (np.nanvar, np.nanstd):
    for extra in ["", ", axis=0", ", axis=1, keepdims=True", ", ddof=1", ", axis=(0, 1)"]:
        case(fn, f"np.{fn.__name__}({_NANS}{extra})", A(3, 4))
    case(fn, f"np.{fn.__name__}(x)", A(5))
for extra in ["", ", axis=0", ", 1"]:
    case(np.nancumsum, f"np.nancumsum({_NANS}{extra})", A(3, 4))
if hasattr(np, "cumulative_sum"):
    for extra in [", axis=0", ", axis=1", ", axis=1, include_initial=True", ", axis=0, include_initial=True"]:
        case(np.cumulative_sum, f"np.cumulative_sum(x{extra})", A(3, 4))
    case(np.cumulative_sum, "np.cumulative_sum(x, include_initial=True)", A(5))
_TRAPZ = getattr(np, "trapezoid", None) or np.trapz
_tz = f"np.{_TRAPZ.__name__}"
case(_TRAPZ, f"{_tz}(x)", A(5))
case(_TRAPZ, f"{_tz}(x, axis=0)", A(4, 3))
case(_TRAPZ, f"{_tz}(x, dx=y)", A(3, 5), F(0.5, 2.0))
case(_TRAPZ, f"{_tz}(x, np.cumsum(y))", A(2, 4), A(4, lo=0.1, hi=1.0))
case(_TRAPZ, f"{_tz}(x, np.cumsum(y), axis=0)", A(4, 3), A(4, lo=0.1, hi=1.0))
case(_TRAPZ, f"{_tz}(x, y, 2.0, 1)", A(3, 4, 2), A(4))
if hasattr(np, "vecdot"):
    case(np.vecdot, "np.vecdot(x, y)", A(3, 4), A(3, 4))
    case(np.vecdot, "np.vecdot(x, y)", A(2, 1, 4), A(3, 4))
    case(np.vecdot, "np.vecdot(x, y, axis=0)", A(4, 3), A(4, 1))
    case(np.vecdot, "np.vecdot(x, y)", A(4), A(4))
    if np.linalg.vecdot is not np.vecdot:
        case(np.linalg.vecdot, "np.linalg.vecdot(x, y, axis=-2)", A(2, 4, 3), A(4, 3))
if hasattr(np, "matvec"):
    case(np.matvec, "np.matvec(x, y)", A(3, 4), A(4))
    case(np.matvec, "np.matvec(x, y)", A(2, 3, 4), A(5, 1, 4))
    case(np.vecmat, "np.vecmat(x, y)", A(3), A(3, 4))
    case(np.vecmat, "np.vecmat(x, y)", A(2, 3), A(2, 3, 4))
case(np.vander, "np.vander(x)", A(4))
case(np.vander, "np.vander(x, 3, increasing=True)", A(5))
case(np.vander, "np.vander(x, 5)", FIXED([0.0, 1.5, -0.7]))  # x == 0: the constant column's 0 ** -1 stays out
case(np.diagflat, "np.diagflat(x)", A(3))
case(np.diagflat, "np.diagflat(x, -1)", A(2, 2))
case(np.polyfit, "np.polyfit(np.linspace(0.0, 1.0, 6), x, 2)", A(6))
case(np.polyfit, "np.polyfit(np.array([0.0, 0.5, 1.0, 2.0]), x, 1)", A(4, 3))
case(np.compress, "np.compress(np.array([True, False, True]), x, axis=0)", A(3, 4))
case(np.compress, "np.compress(np.array([False, True, True, False]), x, axis=-1)", A(2, 4))
case(np.compress, "np.compress(np.array([True, False, True]), x)", A(2, 3))  # flattened, a shorter condition
case(np.extract, "np.extract(np.array([[True, False], [False, True], [True, True]]), x)", A(3, 2))
case(np.dstack, "np.dstack([x, y, z])", A(2, 3), A(2, 3, 2), A(2, 3))
case(np.dstack, "np.dstack((x, y))", A(3), A(3))
case(np.take, "x.take(np.array([2, 0]), axis=1)", A(3, 4))


def _name(fn):
    return getattr(fn, "__name__", str(fn))


def _id(index, case_):
    keys, body, specs, _ = case_
    shapes = ",".join("f" if s is None else "x".join(map(str, np.shape(s))) or "0d"
                      for s in _materialize(index, specs))
    text = re.sub(r"\s+", " ", body.replace("\n", "; "))
    return f"{index}:{text}[{shapes}]"


def _materialize(index, specs):
    rng = np.random.default_rng(1000 + index)
    return [None if isinstance(a, float) else a for a in (spec(rng) for spec in specs)]


def test_every_rule_has_a_domain():
    covered = {key for keys, _, _, _ in CASES for key in keys}
    wanted = list(rules.NUMPY.rules) + [gast.MatMult]
    missing = [_name(fn) for fn in wanted if fn not in covered]
    assert not missing, f"numpy rules without a test case: {missing}"


def test_every_case_names_rules_that_exist():
    known = set(rules.NUMPY.rules) | set(rules.OPERATORS.rules)
    unknown = [_name(k) for keys, _, _, _ in CASES for k in keys if k not in known]
    assert not unknown, f"cases naming callables that have no rule: {unknown}"


def case_module(directory, name, header, cases):
    """A module written to ``directory/name.py`` (srcdiff reads the source) with two functions per
    case ``(body, number of arguments)``: ``raw_i`` (the body's last line, an expression) and
    ``case_i`` (its weighted sum with a weight ``w``).  ``header``: its import lines."""
    lines = [*header, ""]
    for i, (body, arity) in enumerate(cases):
        params = ", ".join(PARAMS[:arity])
        *stmts, expr = body.split("\n")
        for fn, result, extra in ((f"raw_{i}", expr, ""), (f"case_{i}", f"np.sum(({expr}) * w)", ", w")):
            lines.append(f"def {fn}({params}{extra}):")
            lines += [f"    {s}" for s in stmts]
            lines += [f"    return {result}", ""]
    path = directory / f"{name}.py"
    path.write_text("\n".join(lines))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def case_functions(tmp_path_factory):
    cases = [(body, len(specs)) for _, body, specs, _ in CASES]
    return case_module(tmp_path_factory.mktemp("numpy_rules"), "numpy_rule_functions", ["import numpy as np"], cases)


def _params():
    out = []
    for i, c in enumerate(CASES):
        marks = [pytest.mark.xfail(strict=True, reason=c[3])] if c[3] else []
        out.append(pytest.param(i, id=_id(i, c), marks=marks))
    return out


def _case(case_functions, index):
    """Case ``index``'s weighted-sum function, its array arguments and the weights."""
    specs = CASES[index][2]
    rng = np.random.default_rng(1000 + index)
    args = [spec(rng) for spec in specs]
    value = getattr(case_functions, f"raw_{index}")(*args)
    w = rng.normal(size=np.shape(value))
    w = float(w) if np.ndim(w) == 0 else w
    return getattr(case_functions, f"case_{index}"), args, w


@pytest.mark.parametrize("index", _params())
def test_rule_matches_finite_differences(case_functions, index):
    f, args, w = _case(case_functions, index)
    assert_array_grad(f, args + [w], wrt=tuple(range(len(args))))


# -- exact values and special cases -------------------------------------------------------------
def max_all(x):
    return np.max(x)


def min_rows(x):
    return np.sum(np.min(x, axis=1) * np.array([1.0, 10.0]))


def max_method_cols(x):
    return np.sum(x.max(0, keepdims=True) * np.array([1.0, 10.0, 100.0]))


def test_max_tie_splits_gradient_evenly():
    g = srcdiff.grad(max_all)(np.array([1.0, 3.0, 3.0, -2.0]))
    np.testing.assert_array_equal(g, [0.0, 0.5, 0.5, 0.0])


def test_min_ties_split_per_row():
    x = np.array([[1.0, 0.0, 0.0, 0.0], [2.0, 5.0, 2.0, 3.0]])
    g = srcdiff.grad(min_rows)(x)
    np.testing.assert_allclose(g, [[0.0, 1 / 3, 1 / 3, 1 / 3], [5.0, 0.0, 5.0, 0.0]], rtol=0, atol=1e-15)


def test_max_method_ties_split_per_column():
    x = np.array([[1.0, 4.0, 2.0], [1.0, 3.0, 2.0]])
    g = srcdiff.grad(max_method_cols)(x)
    np.testing.assert_array_equal(g, [[0.5, 10.0, 50.0], [0.5, 0.0, 50.0]])


def maximum_sum(x, y):
    return np.sum(np.maximum(x, y)) + 10.0 * np.sum(np.minimum(x, y))


def test_maximum_tie_goes_to_first_argument():
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([1.0, 0.0, 4.0])
    gx, gy = srcdiff.grad(maximum_sum, wrt=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, [11.0, 1.0, 10.0])
    np.testing.assert_array_equal(gy, [0.0, 10.0, 1.0])


def sin_matmul(x, y):
    return np.sum(np.sin(x @ y) * x[:, :1]) + np.mean(np.tanh(x))


def test_float32_inputs_give_float32_gradients():
    rng = np.random.default_rng(7)
    x64, y64 = rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (4, 2))
    x32, y32 = x64.astype(np.float32), y64.astype(np.float32)
    g32 = srcdiff.grad(sin_matmul, wrt=(0, 1))(x32, y32)
    g64 = srcdiff.grad(sin_matmul, wrt=(0, 1))(x64, y64)
    for a, b in zip(g32, g64):
        assert a.dtype == np.float32, a.dtype
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert_array_grad(sin_matmul, (x64, y64), wrt=(0, 1))


def ignores_y(x, y):
    return np.sum(np.sin(x) * 2.0)


def test_gradient_wrt_ignored_array_is_zeros():
    x, y = np.ones((2, 3)), np.ones((4, 1, 2))
    gx, gy = srcdiff.grad(ignores_y, wrt=(0, 1))(x, y)
    np.testing.assert_allclose(gx, 2.0 * np.cos(x))
    assert isinstance(gy, np.ndarray) and gy.shape == (4, 1, 2) and gy.dtype == np.float64
    np.testing.assert_array_equal(gy, np.zeros((4, 1, 2)))


def w_sum(x, w):
    return np.sum(x * w)


def test_weighted_sum_exact():
    x, w = np.arange(6.0).reshape(2, 3), np.array([1.0, -2.0, 0.5])
    gx = srcdiff.grad(w_sum)(x, w)
    np.testing.assert_array_equal(gx, np.broadcast_to(w, (2, 3)))


def transpose_spread(x):
    return np.sum(x.transpose(1, 0) * np.arange(6.0).reshape(3, 2))


def test_spread_method_arguments_compile_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error", SyntaxWarning)
        g = srcdiff.grad(transpose_spread)(np.ones((2, 3)))
    np.testing.assert_array_equal(g, np.arange(6.0).reshape(3, 2).T)


@pytest.mark.parametrize("index", _params())
def test_rule_second_derivatives_match_finite_differences(case_functions, index):
    """Forward mode (first order), then forward and reverse mode over the generated gradient
    (hessian and hvp run the first, grad of grad the second), against finite differences: every
    helper an adjoint calls must have a correct rule too, or source srcdiff differentiates --
    no refusal at second order.  (Found: np.pad's forward mode padded tangents with the
    constant; np.atleast_2d's reshape given a plain 0.0 adjoint.)"""
    f, args, w = _case(case_functions, index)
    srcdiff.check_grads(f, args + [w], order=1, rtol=1e-4, atol=1e-5)
    check_second_order(f, args + [w], len(args), CASES[index][0], reverse=True)


def check_second_order(f, args, n, keys, reverse=False):
    """Forward over the generated gradient (what hessian runs) against finite differences, for the
    rules ``keys`` a case exercises: it must pass when docs/coverage.md claims second order for all
    of them (srcdiff.rules.second_order), and be refused otherwise, so the claims are exact both ways.
    Reverse over reverse (slower) runs only with SRCDIFF_SLOW_TESTS=1, where it may refuse; or always,
    and then it must pass, with ``reverse=True``."""
    claimed = all(second_order(rule_of(k)) for k in keys)
    df = srcdiff.grad(f, wrt=tuple(range(n)))
    if claimed:
        srcdiff.check_grads(df, args, modes=("forward", "reverse") if reverse else ("forward",), order=1,
                            rtol=1e-4, atol=1e-5)
    else:
        with pytest.raises(srcdiff.SrcDiffError):
            srcdiff.check_grads(df, args, modes=("forward",), order=1, rtol=1e-4, atol=1e-5)
    if os.environ.get("SRCDIFF_SLOW_TESTS") and not (claimed and reverse):
        try:
            srcdiff.check_grads(df, args, modes=("reverse",), order=1, rtol=1e-4, atol=1e-5)
        except srcdiff.SrcDiffError:
            pass  # some runtime helpers have forward rules only: refused, never wrong


def rule_of(key):
    """The rule a case key names (a callable or an operator's node type)."""
    return rules.lookup(key)


# -- conventions at ties and kinks of the newer rules (exact values) ------------------------------
WEIGHTS4 = np.array([10.0, 20.0, 30.0, 40.0])


def sort_weighted(x):
    return np.sum(np.sort(x) * WEIGHTS4)


def sort_plain(x):
    return np.sort(x)


def test_sort_tie_follows_the_stable_order():
    # sorted: x[0], x[2] (equal: the first in x first), x[3], x[1]
    x = np.array([1.0, 3.0, 1.0, 2.0])
    np.testing.assert_array_equal(srcdiff.grad(sort_weighted)(x), [10.0, 40.0, 20.0, 30.0])
    _, tangent = srcdiff.jvp(sort_plain, (x,), (np.array([1.0, 0.0, 0.0, 0.0]),))
    np.testing.assert_array_equal(tangent, [1.0, 0.0, 0.0, 0.0])  # forward mode agrees


def median_plain(x):
    return np.median(x)


def test_median_ties_give_the_sorted_place_to_one_element():
    np.testing.assert_array_equal(srcdiff.grad(median_plain)(np.array([2.0, 1.0, 2.0])), [1.0, 0.0, 0.0])
    # even count: the two middle places, x[0] and x[2] (x[3] is sorted after them)
    np.testing.assert_array_equal(srcdiff.grad(median_plain)(np.array([3.0, 1.0, 3.0, 3.0])), [0.5, 0.0, 0.5, 0.0])


def quantile_ends(x):
    return np.quantile(x, 1.0) + 10.0 * np.percentile(x, 0.0)


def test_quantile_ends_pick_one_element_at_a_tie():
    # q = 1: the last sorted place (the later of equal maxima); q = 0: the earlier of equal minima
    g = srcdiff.grad(quantile_ends)(np.array([2.0, 0.0, 2.0, 0.0]))
    np.testing.assert_array_equal(g, [0.0, 10.0, 1.0, 0.0])


def nanmax_plain(x):
    return np.nanmax(x)


def test_nanmax_tie_splits_evenly_and_nan_gets_zero():
    g = srcdiff.grad(nanmax_plain)(np.array([1.0, np.nan, 3.0, 3.0]))
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.5, 0.5])


def maximum_reduce_plain(x):
    return np.maximum.reduce(x)


def test_maximum_reduce_tie_splits_evenly():
    np.testing.assert_array_equal(srcdiff.grad(maximum_reduce_plain)(np.array([3.0, 1.0, 3.0])), [0.5, 0.0, 0.5])


XP, FP = np.array([0.0, 0.5, 2.0]), np.array([0.0, 1.0, 4.0])


def interp_at(x):
    return np.interp(x, XP, FP)


def test_interp_takes_the_right_derivative_at_breakpoints():
    d = srcdiff.grad(interp_at)
    assert d(0.0) == 2.0 and d(0.5) == 2.0  # the slope of the segment to the right
    assert d(2.0) == 0.0 and d(-1.0) == 0.0 and d(3.0) == 0.0  # constant from the last point on, and before the first
    _, tangent = srcdiff.jvp(interp_at, (0.5,), (1.0,))
    assert tangent == 2.0


def partition_weighted(x):
    return np.sum(np.partition(x, 1) * WEIGHTS4)


def test_partition_tie_follows_argpartition():
    x = np.array([2.0, 1.0, 2.0, 1.0])
    order = np.argpartition(x, 1)
    expected = np.zeros(4)
    expected[order] = WEIGHTS4
    np.testing.assert_array_equal(srcdiff.grad(partition_weighted)(x), expected)


def sinc_plain(x):
    return np.sinc(x)


def test_sinc_derivatives_at_zero():
    assert srcdiff.grad(sinc_plain)(0.0) == 0.0
    np.testing.assert_allclose(srcdiff.hessian(sinc_plain)(0.0), -np.pi**2 / 3, rtol=1e-12)


def astype_sum(x):
    return np.sum(np.sin(x.astype("float64")))


def int_cast(x):
    return np.sum(x.astype(int) * x)


def test_astype_keeps_the_input_precision_and_int_casts_are_flat():
    x = np.arange(3, dtype=np.float32)
    g = srcdiff.grad(astype_sum)(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, np.cos(x), rtol=1e-6)
    np.testing.assert_array_equal(srcdiff.grad(int_cast)(np.array([0.5, 1.5])), [0.0, 1.0])  # x.astype(int)


def linspace_ends(a, b):
    return np.sum(np.linspace(a, b, 5) * np.arange(5.0))


def test_linspace_weights_its_ends():
    ga, gb = srcdiff.grad(linspace_ends, wrt=(0, 1))(1.0, 3.0)
    assert (ga, gb) == (2.5, 7.5)  # sum_k k (1 - k/4) and sum_k k * k/4


# -- refused, never wrong --------------------------------------------------------------------------
def sort_in_place(x):
    y = x * 1.0
    y.sort()
    return np.sum(y * WEIGHTS4)


def quantile_nearest(x):
    return np.quantile(x, 0.3, method="nearest")


def quantile_of_q(q):
    return np.quantile(np.array([1.0, 2.0, 4.0]), q)


def average_returned(x):
    avg, total = np.average(x, weights=np.ones(4), returned=True)
    return avg * total


def interp_in_xp(xp):
    return np.interp(0.3, xp, np.array([0.0, 1.0]))


def linspace_steps(a):
    samples, step = np.linspace(a, 2.0, 5, retstep=True)
    return np.sum(samples) * step


def interp_periodic(x):
    return np.interp(x, np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 0.0]), period=2.0)


@pytest.mark.parametrize(
    "f",
    [
        sort_in_place,
        quantile_nearest,
        quantile_of_q,
        average_returned,
        interp_in_xp,
        linspace_steps,
        interp_periodic,
    ],
)
def test_newer_rules_refuse_what_they_do_not_cover(f):
    x = np.array([0.5, 0.2, 0.9, 0.1]) if f not in (interp_in_xp, quantile_of_q, linspace_steps) else None
    arg = {interp_in_xp: np.array([0.0, 1.0]), quantile_of_q: 0.4, linspace_steps: 1.0}.get(f, x)
    with pytest.raises(srcdiff.SrcDiffError):
        srcdiff.grad(f)(arg)


# -- the functions of the operator module -------------------------------------------------------
def with_operator_functions(x, y):
    return np.sum(
        operator.add(x, y) * operator.mul(x, y)
        + operator.truediv(x, y)
        - operator.sub(y, x) ** 2
        + operator.pow(y, 2.0)
        + operator.neg(operator.mod(x, y))
        + operator.pos(x) * operator.floordiv(x, y)
    )


def test_operator_module_functions_match_their_operators():
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-2, 2, (3, 2)), rng.uniform(0.5, 2, (3, 2))
    assert_array_grad(with_operator_functions, (x, y), wrt=(0, 1))
    srcdiff.check_grads(with_operator_functions, (x, y), order=2)
