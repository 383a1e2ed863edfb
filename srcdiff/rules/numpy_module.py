"""Rules for numpy, through the array-library alias ``np``.

Elementwise rules broadcast like their arguments (the transform sums each
adjoint back to its operand's shape where shapes can differ); the others say
how the adjoint is shaped themselves, often through a helper of
:mod:`srcdiff.rules.array_helpers`.  Methods (``x.sum(axis=0)``, ``x.T``) map
to the same rules through :data:`METHODS` and :data:`ATTRIBUTES`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import runtime
from . import array_helpers
from .operators import MATMUL_A, MATMUL_B
from .table import Rule, RuleTable, register_helpers, rule


def multilinear_rule(signature: str, **kwargs: Any) -> Rule:
    """A product-like rule (a @ b): forward mode sums one term per argument, that argument's
    tangent in its place."""
    return rule(signature, linear=True, multilinear=True, **kwargs)


def linear_rule(signature: str, **kwargs: Any) -> Rule:
    """A rule for a function linear in each differentiable argument: forward mode applies
    the function itself to the tangent."""
    return rule(signature, linear=True, **kwargs)


register_helpers(array_helpers.HELPERS)
NUMPY = RuleTable("numpy")

_UNARY: dict[Any, str] = {
    np.negative: "-g",
    np.positive: "g",
    np.exp: "g * out",
    np.exp2: "g * out * 0.6931471805599453",
    np.expm1: "g * (out + 1.0)",
    np.log: "g / x",
    np.log2: "g / (x * 0.6931471805599453)",
    np.log10: "g / (x * 2.302585092994046)",
    np.log1p: "g / (1.0 + x)",
    np.sqrt: "g / (2.0 * out)",
    np.cbrt: "g / (3.0 * out * out)",
    np.square: "2.0 * g * x",
    np.reciprocal: "-g * out * out",
    np.fabs: "g * np.sign(x)",
    np.sin: "g * np.cos(x)",
    np.cos: "-g * np.sin(x)",
    np.tan: "g * (1.0 + out * out)",
    np.arcsin: "g / np.sqrt(1.0 - x * x)",
    np.arccos: "-g / np.sqrt(1.0 - x * x)",
    np.arctan: "g / (1.0 + x * x)",
    np.sinh: "g * np.cosh(x)",
    np.cosh: "g * np.sinh(x)",
    np.tanh: "g * (1.0 - out * out)",
    np.arcsinh: "g / np.sqrt(x * x + 1.0)",
    # (the principal branch for complex x: sqrt(x - 1) sqrt(x + 1), not sqrt(x * x - 1))
    np.arccosh: "g / (np.sqrt(x - 1.0) * np.sqrt(x + 1.0)) if cplx(x) else g / np.sqrt(x * x - 1.0)",
    np.arctanh: "g / (1.0 - x * x)",
    np.deg2rad: "g * 0.017453292519943295",
    np.rad2deg: "g * 57.29577951308232",
}
for fn, template in _UNARY.items():
    NUMPY.define(fn, rule("x", x=template))
# |z| of a complex z: conj(z) / |z| (its tangent the real part of that times t); 0 at 0, as sign(0)
NUMPY.define(
    np.abs,
    rule(
        "x",
        x="np.real(g) * np.conj(x) * reciprocal_or_zero(out) if cplx(x) else g * np.sign(x)",
        jvp={"x": "np.real(np.conj(x) * t) * reciprocal_or_zero(out) if cplx(x) else t * np.sign(x)"},
    ),
)
NUMPY.define(np.radians, NUMPY.rules[np.deg2rad])
NUMPY.define(np.degrees, NUMPY.rules[np.rad2deg])

_BINARY: dict[Any, tuple[str, str | None]] = {
    np.add: ("g", "g"),
    np.subtract: ("g", "-g"),
    np.multiply: ("g * x2", "g * x1"),
    np.divide: ("g / x2", "-g * out / x2"),
    np.power: ("power_base_adjoint(g, x1, x2)", "g * out * log_or_zero(x1)"),
    np.arctan2: ("g * x2 / (x1 * x1 + x2 * x2)", "-g * x1 / (x1 * x1 + x2 * x2)"),
    np.hypot: ("g * x1 / out", "g * x2 / out"),
    # (not exp(x1 - out): without reading the result, a gradient need not compute it)
    np.logaddexp: ("g * logistic(x1 - x2)", "g * logistic(x2 - x1)"),
    np.logaddexp2: ("g * np.exp2(x1 - out)", "g * np.exp2(x2 - out)"),
    # ties go to the first argument, as with the builtin max/min
    np.maximum: ("g * (x1 >= x2)", "g * (x1 < x2)"),
    np.minimum: ("g * (x1 <= x2)", "g * (x1 > x2)"),
    np.fmax: ("g * (x1 >= x2)", "g * (x1 < x2)"),
    np.fmin: ("g * (x1 <= x2)", "g * (x1 > x2)"),
    np.mod: ("g", "-g * np.floor_divide(x1, x2)"),
    np.copysign: ("g * np.sign(x1) * np.sign(out)", None),
}
for fn, (d1, d2) in _BINARY.items():
    templates: dict[str, Any] = {"x1": d1} if d2 is None else {"x1": d1, "x2": d2}
    NUMPY.define(fn, rule("x1, x2", **templates))
NUMPY.define(np.true_divide, NUMPY.rules[np.divide])
NUMPY.define(np.remainder, NUMPY.rules[np.mod])
#: Elementwise functions: the result has the (broadcast) shape of the arguments.
UNARY = set(_UNARY) | {np.radians, np.degrees, np.abs}
BINARY = set(_BINARY) | {np.true_divide, np.remainder}
NUMPY.define(np.where, rule("condition, x, y", x="np.where(condition, g, 0.0)", y="np.where(condition, 0.0, g)"))
NUMPY.define(np.clip, rule("a, a_min=None, a_max=None", a="clip_adjoint(g, a, a_min, a_max)", refuse="a_min, a_max"))

# -- reductions (not elementwise: the helpers shape the adjoint) ------------------------------
# (``out=`` is not supported: a call passing it finds no rule and is refused)
_REDUCE = "a, axis=None, dtype=None, *, keepdims=False"
# (a whole small array of known shape: its adjoint written out, with no helper call on the hot path)
_FILLED = "np.full(shape(a), {}) if 0 < size(a) <= 16384 and axis is None else "
NUMPY.define(np.sum, linear_rule(_REDUCE, elementwise=False, a=_FILLED.format("g") + "expand(g, a, axis, keepdims)"))
NUMPY.define(
    np.mean,
    linear_rule(
        _REDUCE,
        elementwise=False,
        a=_FILLED.format("g / size(a)") + "mean_adjoint(g, only_shape(a), axis, keepdims)",
    ),
)
# forward mode through a reduction: the adjoint of 1 gives d(out)/d(a); sum it against the tangent
_REDUCE_TANGENT = "np.sum({} * t, axis=axis, keepdims=keepdims)"
# var and std of complex entries (a real result): their own helpers, and the real part as tangent
_REAL_TANGENT = "np.real(np.sum({} * t, axis=axis, keepdims=keepdims))"


def _either(complex_form: str, real_form: str) -> str:
    return f"{complex_form} if cplx(a) else {real_form}"


NUMPY.define(
    np.prod,
    rule(
        _REDUCE,
        elementwise=False,
        a="prod_adjoint(g, a, axis, keepdims)",
        jvp={"a": _REDUCE_TANGENT.format("prod_adjoint(np.ones_like(out), a, axis, keepdims)")},
    ),
)
for fn in (np.max, np.min, np.amax, np.amin):
    NUMPY.define(
        fn,
        rule(
            "a, axis=None, *, keepdims=False",
            elementwise=False,
            a="extreme_adjoint(g, a, out, axis, keepdims)",
            jvp={"a": _REDUCE_TANGENT.format("extreme_adjoint(np.ones_like(out), a, out, axis, keepdims)")},
        ),
    )
NUMPY.define(
    np.var,
    rule(
        "a, axis=None, dtype=None, *, ddof=0, keepdims=False",
        elementwise=False,
        a=_either("complex_var_adjoint(g, a, axis, ddof, keepdims)", "var_adjoint(g, a, axis, ddof, keepdims)"),
        jvp={
            "a": _either(
                _REAL_TANGENT.format("complex_var_adjoint(np.ones_like(out), a, axis, ddof, keepdims)"),
                _REDUCE_TANGENT.format("var_adjoint(np.ones_like(out), a, axis, ddof, keepdims)"),
            )
        },
    ),
)
NUMPY.define(
    np.std,
    rule(
        "a, axis=None, dtype=None, *, ddof=0, keepdims=False",
        elementwise=False,
        a=_either(
            "complex_std_adjoint(g, a, out, axis, ddof, keepdims)", "std_adjoint(g, a, out, axis, ddof, keepdims)"
        ),
        jvp={
            "a": _either(
                _REAL_TANGENT.format("complex_std_adjoint(np.ones_like(out), a, out, axis, ddof, keepdims)"),
                _REDUCE_TANGENT.format("std_adjoint(np.ones_like(out), a, out, axis, ddof, keepdims)"),
            )
        },
    ),
)
NUMPY.define(np.cumsum, linear_rule("a, axis=None, dtype=None", elementwise=False, a="cumsum_adjoint(g, a, axis)"))
NUMPY.define(
    np.cumprod,
    rule(
        "a, axis=None, dtype=None",
        elementwise=False,
        a="cumprod_adjoint(g, a, out, axis)",
        jvp={"a": "cumprod_tangent(a, out, t, axis)"},
    ),
)
NUMPY.define(np.trace, linear_rule("a, offset=0", elementwise=False, a="trace_adjoint(g, a, offset)"))

# -- linear algebra ---------------------------------------------------------------------------
NUMPY.define(np.matmul, multilinear_rule("a, b", elementwise=False, a=MATMUL_A, b=MATMUL_B))
NUMPY.define(
    np.dot, multilinear_rule("a, b", elementwise=False, a="dot_adjoint(g, a, b, True)", b="dot_adjoint(g, a, b, False)")
)
NUMPY.define(
    np.outer,
    multilinear_rule("a, b", elementwise=False, a="outer_adjoint(g, a, b, True)", b="outer_adjoint(g, a, b, False)"),
)
NUMPY.define(
    np.inner,
    multilinear_rule("a, b", elementwise=False, a="inner_adjoint(g, a, b, True)", b="inner_adjoint(g, a, b, False)"),
)
NUMPY.define(
    np.tensordot,
    multilinear_rule(
        "a, b, axes=2",
        elementwise=False,
        a="tensordot_adjoint(g, a, b, axes, True)",
        b="tensordot_adjoint(g, a, b, axes, False)",
    ),
)

# -- shape and assembly ---------------------------------------------------------------------
_SAME_SHAPE = "np.reshape(g, np.shape(a))"
NUMPY.define(np.reshape, linear_rule("a, newshape=None, order='C', shape=None", elementwise=False, a=_SAME_SHAPE))
NUMPY.define(np.ravel, linear_rule("a, order='C'", elementwise=False, a=_SAME_SHAPE))
NUMPY.define(np.squeeze, linear_rule("a, axis=None", elementwise=False, a=_SAME_SHAPE))
NUMPY.define(np.expand_dims, linear_rule("a, axis", elementwise=False, a=_SAME_SHAPE))
for _atleast in (np.atleast_1d, np.atleast_2d, np.atleast_3d):  # one array: a reshape (more: a tuple)
    NUMPY.define(_atleast, linear_rule("a", elementwise=False, a=_SAME_SHAPE))
NUMPY.define(np.atleast_1d, linear_rule("a", elementwise=False, a=_SAME_SHAPE))
NUMPY.define(np.atleast_2d, linear_rule("a", elementwise=False, a=_SAME_SHAPE))
NUMPY.define(
    np.transpose,
    linear_rule(
        "a, axes=None",
        elementwise=False,
        a="np.transpose(g) if axes is None else np.transpose(g, inverse_permutation(axes, np.ndim(a)))",
    ),
)
NUMPY.define(np.swapaxes, linear_rule("a, axis1, axis2", elementwise=False, a="np.swapaxes(g, axis1, axis2)"))
NUMPY.define(
    np.moveaxis, linear_rule("a, source, destination", elementwise=False, a="np.moveaxis(g, destination, source)")
)
NUMPY.define(
    np.broadcast_to, linear_rule("array, shape, subok=False", elementwise=False, array="unbroadcast(g, array)")
)
NUMPY.define(
    np.concatenate,
    linear_rule("arrays, axis=0", elementwise=False, sequences="arrays", arrays="split_like(g, arrays, axis)"),
)
NUMPY.define(
    np.stack,
    linear_rule("arrays, axis=0", elementwise=False, sequences="arrays", arrays="unstack_like(g, arrays, axis)"),
)
_STACK = "tup, *, dtype=None, casting='same_kind'"
NUMPY.define(np.hstack, linear_rule(_STACK, elementwise=False, sequences="tup", tup="hstack_adjoint(g, tup)"))
NUMPY.define(np.vstack, linear_rule(_STACK, elementwise=False, sequences="tup", tup="vstack_adjoint(g, tup)"))
NUMPY.define(
    np.split,
    linear_rule(
        "ary, indices_or_sections, axis=0", elementwise=False, ary="concat_pieces(g, ary, indices_or_sections, axis)"
    ),
)
NUMPY.define(
    np.array_split,
    linear_rule(
        "ary, indices_or_sections, axis=0",
        elementwise=False,
        ary="concat_pieces(g, ary, indices_or_sections, axis, True)",
    ),
)
NUMPY.define(np.tile, linear_rule("A, reps", elementwise=False, A="tile_adjoint(g, A, reps)"))
NUMPY.define(
    np.repeat, linear_rule("a, repeats, axis=None", elementwise=False, a="repeat_adjoint(g, a, repeats, axis)")
)
NUMPY.define(np.flip, linear_rule("m, axis=None", elementwise=False, m="np.flip(g, axis)"))
NUMPY.define(np.fliplr, linear_rule("m", elementwise=False, m="np.fliplr(g)"))
NUMPY.define(np.flipud, linear_rule("m", elementwise=False, m="np.flipud(g)"))
NUMPY.define(np.roll, linear_rule("a, shift, axis=None", elementwise=False, a="np.roll(g, np.negative(shift), axis)"))
NUMPY.define(np.diag, linear_rule("v, k=0", elementwise=False, v="diag_adjoint(g, v, k)"))
NUMPY.define(
    np.diagonal,
    linear_rule("a, offset=0, axis1=0, axis2=1", elementwise=False, a="diagonal_adjoint(g, a, offset, axis1, axis2)"),
)
NUMPY.define(np.triu, linear_rule("m, k=0", elementwise=False, m="np.triu(g, k)"))
NUMPY.define(np.tril, linear_rule("m, k=0", elementwise=False, m="np.tril(g, k)"))
NUMPY.define(
    np.pad,
    linear_rule(
        "array, pad_width, mode='constant', constant_values=0",
        elementwise=False,
        array="unpad(g, array, pad_width)",
        refuse="constant_values",
        # affine, not linear, when it pads with constants: the padding's tangent is zero
        jvp={"array": "np.pad(t, pad_width, mode)"},
    ),
)
NUMPY.define(
    sliding_window_view,
    linear_rule(
        "x, window_shape, axis=None, subok=False, writeable=False",
        elementwise=False,
        x="window_adjoint(g, x, window_shape, axis)",
    ),
)
# a template for a *-parameter applies to each of its arguments in turn, as operands[i]
NUMPY.define(
    np.einsum,
    multilinear_rule(
        "subscripts, *operands",
        elementwise=False,
        subscripts="einsum_adjoint(g, subscripts, -1, *operands)",  # the sublist form's first operand
        operands="einsum_adjoint(g, subscripts, i, *operands)",
    ),
)
NUMPY.define(
    np.array,
    linear_rule("object, dtype=None", elementwise=False, sequences="object", object="g"),
)
NUMPY.define(np.asarray, NUMPY.rules[np.array])
NUMPY.define(
    runtime.index_concat,  # np.r_[...] / np.c_[...], rewritten as a call
    linear_rule(
        "maker, items",
        elementwise=False,
        sequences="items",
        items="index_concat_adjoint(g, maker, items)",
        jvp={"items": "index_concat_tangent(t, maker, items)"},
    ),
)
NUMPY.define(np.copy, linear_rule("a", elementwise=False, a="g"))
# (the fill value spread over the shape: its adjoint sums g back -- reductions' adjoints write it out)
NUMPY.define(
    np.full,
    linear_rule("shape, fill_value, dtype=None, order='C'", elementwise=False, fill_value="unbroadcast(g, fill_value)"),
)

# Values that carry no derivative: constructors, comparisons, indices, rounding, random draws.
NUMPY.constant(
    np.zeros,
    np.ones,
    np.empty,
    np.zeros_like,
    np.ones_like,
    np.empty_like,
    np.full_like,
    np.eye,
    np.identity,
    np.arange,
    np.sign,
    np.floor,
    np.ceil,
    np.round,
    np.around,
    np.rint,
    np.trunc,
    np.floor_divide,
    np.isnan,
    np.isinf,
    np.isfinite,
    np.argmax,
    np.argmin,
    np.argsort,
    np.shape,
    np.ndim,
    np.size,
    np.equal,
    np.not_equal,
    np.less,
    np.less_equal,
    np.greater,
    np.greater_equal,
    np.logical_and,
    np.logical_or,
    np.logical_not,
    np.logical_xor,
    np.all,
    np.any,
    np.nonzero,
    np.count_nonzero,
    np.allclose,
    np.isclose,
    np.array_equal,
    np.random.rand,
    np.random.randn,
    np.random.random,
    np.random.normal,
    np.random.uniform,
    np.random.randint,
    np.random.choice,
    np.random.seed,
    np.random.permutation,
    np.random.default_rng,
)

#: Constants only as long as their arguments are: they build values *from* those arguments
#: (np.full(3, x) depends on x), so a differentiated argument is refused.
VALUE_CONSTRUCTORS = {np.full_like, np.arange, np.random.normal, np.random.uniform}

# ``x.method(...)``: the numpy function (by its name in ``np``) it stands for, ``x`` first.
METHODS: dict[str, Any] = {
    "sum": "sum",
    "mean": "mean",
    "prod": "prod",
    "max": "max",
    "min": "min",
    "var": "var",
    "std": "std",
    "cumsum": "cumsum",
    "cumprod": "cumprod",
    "reshape": "reshape",
    "ravel": "ravel",
    "flatten": "ravel",
    "transpose": "transpose",
    "swapaxes": "swapaxes",
    "squeeze": "squeeze",
    "dot": "dot",
    "clip": "clip",
    "copy": "copy",
    "repeat": "repeat",
    "trace": "trace",
    "diagonal": "diagonal",
    "argmax": "argmax",
    "argmin": "argmin",
    "round": "round",
}
# a dict's views, as lists (a user object's own method of the name comes first)
METHODS.update({"conj": "conjugate", "conjugate": "conjugate"})
METHODS.update({"values": runtime.dict_values, "items": runtime.dict_items, "keys": runtime.dict_keys})
#: Methods whose positional arguments after the first may be spread out (``x.reshape(2, 3)``).
SPREAD_METHODS = {"reshape", "transpose"}
#: ``x.T`` and friends; the attributes that describe an array carry no derivative.
ATTRIBUTES = {"T": np.transpose, "real": np.real, "imag": np.imag}
CONSTANT_ATTRIBUTES = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes"}
